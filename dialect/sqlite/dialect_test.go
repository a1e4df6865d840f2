package sqlite_test

import (
	"context"
	"errors"
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
