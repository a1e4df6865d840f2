package sqlite_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"path/filepath"
	"runtime"
	"testing"

	"github.com/hoistdb/hoist/dialect/dialecttest"
	"github.com/hoistdb/hoist/dialect/internal/enginetest"
	"github.com/hoistdb/hoist/dialect/sqlite"
	"github.com/hoistdb/hoist/testkit"
)

// TestConformance runs the checks every dialect passes on SQLite, with a
// history table qualified by its schema besides. The lock is a file lock
// of the process, which closing a connection does not free;
// TestLockAcrossProcesses checks what does.
func TestConformance(t *testing.T) {
	t.Parallel()
	opts := []dialecttest.Option{
		dialecttest.WithHistoryTables(func(testing.TB, *testkit.DB) []string { return []string{"main.hoist_migrations"} }),
		dialecttest.WithLockOutlivingSession(),
	}
	if !haveFlock {
		opts = append(opts, dialecttest.WithLockSkipped("file locks are not implemented on "+runtime.GOOS))
	}
	dialecttest.Run(t, sqlite.New(), func(t testing.TB) *testkit.DB { return testkit.SQLite(t) }, opts...)
}

func TestDialect(t *testing.T) {
	t.Parallel()
	d := sqlite.New()
	if got := d.Name(); got != "sqlite" {
		t.Errorf("Name() = %q, want sqlite", got)
	}
	if !d.TransactionalDDL() {
		t.Error("TransactionalDDL() = false, want true")
	}
}

func TestQuoteIdent(t *testing.T) {
	t.Parallel()
	d := sqlite.New()
	enginetest.Pins(t, []enginetest.Pin{
		{Name: "plain", Got: d.QuoteIdent("hoist_migrations"), Want: `"hoist_migrations"`},
		{Name: "mixed_case", Got: d.QuoteIdent("HoistMigrations"), Want: `"HoistMigrations"`},
		{Name: "schema_qualified", Got: d.QuoteIdent("main.hoist_migrations"), Want: `"main"."hoist_migrations"`},
		{Name: "embedded_quote", Got: d.QuoteIdent(`we"ird`), Want: `"we""ird"`},
		{Name: "qualified_with_quotes", Got: d.QuoteIdent(`a"ux.hoist "x"`), Want: `"a""ux"."hoist ""x"""`},
		{Name: "backtick_untouched", Got: d.QuoteIdent("a`b"), Want: "\"a`b\""},
	})
}

// TestIsMissingTable adds SQLite's own cases to the suite's: a table
// qualified by its schema, and a message that only looks alike.
func TestIsMissingTable(t *testing.T) {
	t.Parallel()
	db := testkit.SQLite(t)
	d := sqlite.New()

	_, missingInSchema := db.DB.ExecContext(context.Background(), "SELECT * FROM main.no_such_table")
	if missingInSchema == nil {
		t.Fatal("the statement did not fail")
	}

	enginetest.IsMissingTable(t, d, []enginetest.MissingTable{
		{Name: "missing_table_in_schema", Err: missingInSchema, Want: true},
		{Name: "other_text", Err: errors.New("no such column: x"), Want: false},
	})
}

// TestIsBusy feeds IsBusy the SQLITE_BUSY errors that a second connection
// gets while a first holds the file's write lock: on a write, and on
// opening with journal_mode(WAL), which needs the file to itself. No
// busy_timeout, so SQLite answers at once.
func TestIsBusy(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	file := "file:" + filepath.Join(t.TempDir(), "busy.db")
	holder := enginetest.Open(t, "sqlite", file)
	for _, stmt := range []string{"CREATE TABLE t (id INTEGER)", "BEGIN IMMEDIATE", "INSERT INTO t VALUES (1)"} {
		if _, err := holder.Conn.ExecContext(ctx, stmt); err != nil {
			t.Fatalf("%s: %v", stmt, err)
		}
	}

	writer := enginetest.Open(t, "sqlite", file)
	_, write := writer.Conn.ExecContext(ctx, "INSERT INTO t VALUES (2)")
	wal, err := sql.Open("sqlite", file+"?_pragma=journal_mode(WAL)")
	if err != nil {
		t.Fatal(err)
	}
	defer wal.Close()
	walSwitch := wal.PingContext(ctx)
	_, missing := writer.Conn.ExecContext(ctx, "SELECT * FROM no_such_table")
	if write == nil || walSwitch == nil || missing == nil {
		t.Fatalf("a statement did not fail: %v, %v, %v", write, walSwitch, missing)
	}

	d := sqlite.New()
	for _, c := range []struct {
		name string
		err  error
		want bool
	}{
		{"write", write, true},
		{"wal_switch_at_open", walSwitch, true},
		{"wrapped", fmt.Errorf("hoist: reading history table: %w", write), true},
		{"message_only", errors.New("database is locked"), true},
		{"missing_table", missing, false},
		{"locked_table", errors.New("database table is locked"), false},
		{"nil", nil, false},
	} {
		if got := d.IsBusy(c.err); got != c.want {
			t.Errorf("%s: IsBusy(%v) = %v, want %v", c.name, c.err, got, c.want)
		}
	}
}
