package sdk_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/hoistdb/hoist/sdk"
	"github.com/hoistdb/hoist/testkit"
)

// trailingCommentFS has a statement block and a plain statement that end
// in a line comment, each followed by more statements.
func trailingCommentFS() fstest.MapFS {
	return fstest.MapFS{
		"0001_comments.sql": {Data: []byte(`-- +hoist up
-- +hoist statement-begin
CREATE TABLE c1 (id INTEGER); -- the first table
-- +hoist statement-end
CREATE TABLE c2 (id INTEGER); -- the second table
-- +hoist statement-begin
INSERT INTO c1 (id) VALUES (1) -- one row
-- +hoist statement-end
INSERT INTO c2 (id) VALUES (2);
-- +hoist down
-- +hoist statement-begin
DROP TABLE c2; -- first
-- +hoist statement-end
DROP TABLE c1;
`)},
	}
}

// TestTrailingLineComment: a statement that ends in a -- comment is one
// statement on every engine, also where statements are sent together as
// one script (PostgreSQL), up and down; and when such a migration fails,
// the error names the file and the line of the failed statement.
func TestTrailingLineComment(t *testing.T) {
	t.Parallel()
	eachEngine(t, func(t *testing.T, db *testkit.DB) {
		ctx := testContext(t)
		m := newMigrator(t, db, sdk.WithFS(trailingCommentFS()))
		if _, err := m.Up(ctx); err != nil {
			t.Fatalf("Up: %v", err)
		}
		if n := countRows(t, db.DB, "SELECT COUNT(*) FROM c1 WHERE id = 1"); n != 1 {
			t.Fatalf("c1 has %d rows with id 1; want 1", n)
		}
		if n := countRows(t, db.DB, "SELECT COUNT(*) FROM c2 WHERE id = 2"); n != 1 {
			t.Fatalf("c2 has %d rows with id 2; want 1", n)
		}
		if _, err := m.Rollback(ctx, sdk.RollbackOptions{}); err != nil {
			t.Fatalf("Rollback: %v", err)
		}
		if tableExists(t, db, "c1") || tableExists(t, db, "c2") {
			t.Fatal("the down left a table behind")
		}

		broken := fstest.MapFS{"0001_broken.sql": {Data: []byte(`-- +hoist up
-- +hoist statement-begin
CREATE TABLE b1 (id INTEGER); -- fine
-- +hoist statement-end

INSERT INTO no_such_table (id) VALUES (1); -- fails
CREATE TABLE b2 (id INTEGER);
`)}}
		_, err := newMigrator(t, db, sdk.WithFS(broken)).Up(ctx)
		var me *sdk.MigrationError
		if !errors.As(err, &me) || me.File != "0001_broken.sql" || me.Line != 6 || !strings.Contains(err.Error(), "0001_broken.sql:6") {
			t.Fatalf("Up: %v; want a MigrationError at 0001_broken.sql:6", err)
		}
	})
}

// TestSingleTransactionRunsGoOnce: when a SQL migration fails in a
// single-transaction batch, a Go migration that ran before it in the same
// transaction is not run again to find the failed statement, and the
// error still names the file and line.
func TestSingleTransactionRunsGoOnce(t *testing.T) {
	t.Parallel()
	for _, e := range engines {
		if e.name == "mysql" { // refuses WithSingleTransaction (TestSingleTransaction)
			continue
		}
		t.Run(e.name, func(t *testing.T) {
			t.Parallel()
			db := e.open(t)
			ctx := testContext(t)
			runs := 0
			counted := sdk.GoMigration(2, "counted", func(ctx context.Context, tx sdk.Tx) error {
				runs++
				_, err := tx.ExecContext(ctx, "INSERT INTO first (id) VALUES (1)")
				return err
			}, nil)
			fsys := fstest.MapFS{
				"0001_first.sql": {Data: []byte("-- +hoist up\nCREATE TABLE first (id INTEGER PRIMARY KEY);\n")},
				"0003_more.sql":  {Data: []byte("-- +hoist up\nCREATE TABLE more (id INTEGER);\nINSERT INTO more (id) SELECT id FROM first;\n")},
				"0004_broken.sql": {Data: []byte("-- +hoist up\nCREATE TABLE fine (id INTEGER);\n\n" +
					"INSERT INTO more (id) VALUES (2);\nINSERT INTO no_such_table VALUES (1);\n")},
			}
			m := newMigrator(t, db, sdk.WithFS(fsys), sdk.WithMigrations(counted), sdk.WithSingleTransaction())
			_, err := m.Up(ctx)
			var me *sdk.MigrationError
			if !errors.As(err, &me) || me.Version != 4 || me.File != "0004_broken.sql" || me.Line != 5 {
				t.Fatalf("Up: %v; want a MigrationError at 0004_broken.sql:5", err)
			}
			if runs != 1 {
				t.Fatalf("the Go migration ran %d times in one Up; want once", runs)
			}
			if tableExists(t, db, "first") || tableExists(t, db, "fine") {
				t.Fatal("a failed single-transaction Up kept something")
			}

			// Without the broken migration the batch commits, the Go
			// migration once more.
			delete(fsys, "0004_broken.sql")
			res, err := newMigrator(t, db, sdk.WithFS(fsys), sdk.WithMigrations(counted), sdk.WithSingleTransaction()).Up(ctx)
			if err != nil || !slices.Equal(versions(res.Applied), []int64{1, 2, 3}) || runs != 2 {
				t.Fatalf("Up: %v, applied %v, Go runs %d; want [1 2 3] and 2 runs", err, versions(res.Applied), runs)
			}
			if n := countRows(t, db.DB, "SELECT COUNT(*) FROM more"); n != 1 {
				t.Fatalf("more has %d rows; want 1", n)
			}
		})
	}
}

// failingStatement is a statement that fails at run time on the engine.
func failingStatement(db *testkit.DB) string {
	if db.Dialect.Name() == "postgres" {
		return "SELECT 1/0"
	}
	return "INSERT INTO no_such_table (id) VALUES (1)"
}

// TestOwnTransaction: a golang-migrate file with its own BEGIN and
// COMMIT runs as golang-migrate ran it, outside hoist's transaction.
// When it fails after its COMMIT, what it committed is there once, the
// error names the real failure at its real line, and later runs stop
// with ErrDirty until the history is repaired. A failure inside its own
// transaction rolls that transaction back.
func TestOwnTransaction(t *testing.T) {
	t.Parallel()
	eachEngine(t, func(t *testing.T, db *testkit.DB) {
		ctx := testContext(t)
		fail := failingStatement(db)
		fsys := fstest.MapFS{
			"0001_t.up.sql":    {Data: []byte("CREATE TABLE t (id INTEGER PRIMARY KEY);\n")},
			"0001_t.down.sql":  {Data: []byte("DROP TABLE t;\n")},
			"0002_fill.up.sql": {Data: []byte("BEGIN;\nINSERT INTO t (id) VALUES (1);\nINSERT INTO t (id) VALUES (2);\nCOMMIT;\n")},
		}
		res, err := newMigrator(t, db, sdk.WithFS(fsys)).Up(ctx)
		if err != nil || !slices.Equal(versions(res.Applied), []int64{1, 2}) {
			t.Fatalf("Up: %v, applied %v; want [1 2]", err, versions(res.Applied))
		}
		if n := countRows(t, db.DB, "SELECT COUNT(*) FROM t"); n != 2 {
			t.Fatalf("t has %d rows; want 2", n)
		}

		// Failure inside the file's own transaction: nothing stays, and
		// the migration is pending again, not dirty.
		fsys["0003_inside.up.sql"] = &fstest.MapFile{Data: []byte("BEGIN;\nINSERT INTO t (id) VALUES (3);\n" + fail + ";\nCOMMIT;\n")}
		m := newMigrator(t, db, sdk.WithFS(fsys))
		_, err = m.Up(ctx)
		var me *sdk.MigrationError
		if !errors.As(err, &me) || me.Version != 3 || me.File != "0003_inside.up.sql" || me.Line != 3 || me.Dirty {
			t.Fatalf("Up: %v; want a MigrationError at 0003_inside.up.sql:3, not dirty", err)
		}
		if n := countRows(t, db.DB, "SELECT COUNT(*) FROM t WHERE id = 3"); n != 0 {
			t.Fatalf("the insert inside the failed file's own transaction stayed (%d rows)", n)
		}
		if st, err := m.Status(ctx); err != nil || !slices.Equal(statusVersions(st.Pending), []int64{3}) || len(st.Failed) != 0 {
			t.Fatalf("Status: %v, %+v; want 3 pending and nothing failed", err, st)
		}
		delete(fsys, "0003_inside.up.sql")

		// DDL inside the file's own transaction: MySQL commits it, and
		// what came before it, implicitly, so there the migration is
		// dirty; elsewhere it rolls back with the rest.
		fsys["0003_ddl.up.sql"] = &fstest.MapFile{Data: []byte("BEGIN;\nINSERT INTO t (id) VALUES (3);\nCREATE TABLE inside_ddl (id INTEGER);\n" + fail + ";\nCOMMIT;\n")}
		m = newMigrator(t, db, sdk.WithFS(fsys))
		_, err = m.Up(ctx)
		mysql := !db.Dialect.TransactionalDDL()
		if !errors.As(err, &me) || me.Version != 3 || me.Line != 4 || me.Dirty != mysql {
			t.Fatalf("Up: %v; want a MigrationError at 0003_ddl.up.sql:4, dirty only on MySQL", err)
		}
		if got := tableExists(t, db, "inside_ddl"); got != mysql {
			t.Fatalf("inside_ddl exists: %v; want %v", got, mysql)
		}
		if n := countRows(t, db.DB, "SELECT COUNT(*) FROM t WHERE id = 3"); n != map[bool]int{true: 1, false: 0}[mysql] {
			t.Fatalf("the insert before the DDL is there %d times", n)
		}
		if mysql {
			if _, err := m.Up(ctx); !errors.Is(err, sdk.ErrDirty) {
				t.Fatalf("Up after a dirty failure: %v; want ErrDirty", err)
			}
			for _, q := range []string{"DROP TABLE inside_ddl", "DELETE FROM t WHERE id = 3"} {
				if _, err := db.DB.ExecContext(ctx, q); err != nil {
					t.Fatal(err)
				}
			}
			if _, err := m.Repair(ctx); err != nil {
				t.Fatalf("Repair: %v", err)
			}
		}
		delete(fsys, "0003_ddl.up.sql")

		// Failure after the file's own COMMIT: what committed stays,
		// once, and the history says so.
		fsys["0004_after.up.sql"] = &fstest.MapFile{Data: []byte("BEGIN;\nINSERT INTO t (id) VALUES (4);\nCOMMIT;\n" + fail + ";\n")}
		m = newMigrator(t, db, sdk.WithFS(fsys))
		_, err = m.Up(ctx)
		if !errors.As(err, &me) || me.Version != 4 || me.File != "0004_after.up.sql" || me.Line != 4 || !me.Dirty ||
			!strings.Contains(err.Error(), "0004_after.up.sql:4") || !strings.Contains(me.Statement, strings.Fields(fail)[0]) {
			t.Fatalf("Up: %v; want a dirty MigrationError at 0004_after.up.sql:4 for %q", err, fail)
		}
		if db.Dialect.Name() == "postgres" && !strings.Contains(err.Error(), "division by zero") {
			t.Fatalf("Up: %v; want the real error, division by zero", err)
		}
		for i := 0; i < 2; i++ {
			if _, err := m.Up(ctx); !errors.Is(err, sdk.ErrDirty) || !strings.Contains(err.Error(), "4 after") {
				t.Fatalf("Up after the failure: %v; want ErrDirty naming migration 4", err)
			}
		}
		if n := countRows(t, db.DB, "SELECT COUNT(*) FROM t WHERE id = 4"); n != 1 {
			t.Fatalf("the committed insert is there %d times; want once", n)
		}

		// WithSingleTransaction cannot hold a file with its own
		// transaction, and says why.
		if db.Dialect.TransactionalDDL() {
			if _, err := m.Repair(ctx); err != nil {
				t.Fatalf("Repair: %v", err)
			}
			_, err := newMigrator(t, db, sdk.WithFS(fsys), sdk.WithSingleTransaction()).Up(ctx)
			if err == nil || !strings.Contains(err.Error(), "own transaction: BEGIN at 0004_after.up.sql:1") {
				t.Fatalf("Up with WithSingleTransaction: %v; want a refusal naming the file's BEGIN", err)
			}
		}
	})
}

// TestOwnTransactionLeftOpen: a file that begins its own transaction and
// never ends it is refused by New, naming the file and the line of its
// BEGIN. Run as it is, its statements and its history row would stay
// uncommitted on the lock's connection and be rolled back when that
// connection is closed, after Up had reported it applied.
func TestOwnTransactionLeftOpen(t *testing.T) {
	t.Parallel()
	db := testkit.SQLite(t)
	for _, tc := range []struct {
		name, file, text, want string
	}{
		{"up", "0001_open.up.sql", "CREATE TABLE t (id INTEGER);\nBEGIN;\nINSERT INTO t (id) VALUES (1);\n", "0001_open.up.sql:2: BEGIN begins a transaction that the up section never ends"},
		{"reopened", "0001_open.up.sql", "BEGIN;\nCOMMIT;\nSTART TRANSACTION;\nSELECT 1;\n", "0001_open.up.sql:3: START begins a transaction that the up section never ends"},
		{"down", "0001_open.sql", "-- +hoist up\nBEGIN;\nCREATE TABLE t (id INTEGER);\nCOMMIT;\n-- +hoist down\nBEGIN;\nDROP TABLE t;\n", "0001_open.sql:6: BEGIN begins a transaction that the down section never ends"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := sdk.New(db.DB, db.Dialect, sdk.WithFS(fstest.MapFS{tc.file: {Data: []byte(tc.text)}}))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("New: %v; want an error containing %q", err, tc.want)
			}
		})
	}
	closed := fstest.MapFS{"0001_closed.up.sql": {Data: []byte("BEGIN;\nCREATE TABLE t (id INTEGER);\nROLLBACK;\nBEGIN;\nCREATE TABLE u (id INTEGER);\nCOMMIT;\n")}}
	if _, err := sdk.New(db.DB, db.Dialect, sdk.WithFS(closed)); err != nil {
		t.Fatalf("New of a file whose transactions all end: %v", err)
	}
}
