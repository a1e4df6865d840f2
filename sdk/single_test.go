package sdk_test

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/hoistdb/hoist/sdk"
	"github.com/hoistdb/hoist/testkit"
)

// TestSingleTransaction: all pending migrations commit together, or, when
// one fails, none of them does, and the failure still names its line.
func TestSingleTransaction(t *testing.T) {
	t.Parallel()
	eachEngine(t, func(t *testing.T, db *testkit.DB) {
		ctx := testContext(t)
		if !db.Dialect.TransactionalDDL() {
			_, err := sdk.New(db.DB, db.Dialect, sdk.WithFS(lifecycleFS()), sdk.WithSingleTransaction())
			if err == nil || !strings.Contains(err.Error(), "commits DDL implicitly") {
				t.Fatalf("sdk.New with WithSingleTransaction on %s: %v; want a refusal", db.Dialect.Name(), err)
			}
			return
		}

		broken := lifecycleFS()
		broken["0005_broken.sql"] = &fstest.MapFile{Data: []byte("-- +hoist up\nCREATE TABLE fine (id INTEGER);\n\nINSERT INTO no_such_table VALUES (1);\n-- +hoist down\nDROP TABLE fine;\n")}
		res, err := newMigrator(t, db, sdk.WithFS(broken), sdk.WithMigrations(seedAdmin), sdk.WithSingleTransaction()).Up(ctx)
		var me *sdk.MigrationError
		if !errors.As(err, &me) || me.Version != 5 || me.File != "0005_broken.sql" || me.Line != 4 || me.Dirty {
			t.Fatalf("Up: %v; want a MigrationError at 0005_broken.sql:4", err)
		}
		if len(res.Applied) != 0 || tableExists(t, db, "users") || tableExists(t, db, "fine") {
			t.Fatalf("a failed single-transaction Up kept something: applied %v", versions(res.Applied))
		}
		if n := countRows(t, db.DB, "SELECT COUNT(*) FROM hoist_migrations"); n != 0 {
			t.Fatalf("history has %d rows after the failed single transaction; want 0", n)
		}

		m := newMigrator(t, db, sdk.WithFS(lifecycleFS()), sdk.WithMigrations(seedAdmin), sdk.WithSingleTransaction())
		res, err = m.Up(ctx)
		if err != nil || !slices.Equal(versions(res.Applied), []int64{1, 2, 3, 4}) || res.Batch != 1 {
			t.Fatalf("Up: %v, applied %v in batch %d", err, versions(res.Applied), res.Batch)
		}
		if n := countRows(t, db.DB, "SELECT COUNT(*) FROM users"); n != 1 {
			t.Fatalf("the Go migration inside the single transaction inserted %d users; want 1", n)
		}
		st, err := m.Status(ctx)
		if err != nil || len(st.Applied) != 4 || st.Applied[3].Batch != 1 {
			t.Fatalf("Status: %v, %+v", err, st)
		}

		outside := lifecycleFS()
		outside["0006_concurrently.sql"] = &fstest.MapFile{Data: []byte("-- +hoist no-transaction\n-- +hoist up\nCREATE TABLE later (id INTEGER);\n")}
		if _, err := newMigrator(t, db, sdk.WithFS(outside), sdk.WithSingleTransaction()).Up(ctx); err == nil || !strings.Contains(err.Error(), "6 concurrently") {
			t.Fatalf("Up with a no-transaction migration pending: %v; want a refusal naming it", err)
		}
		if tableExists(t, db, "later") {
			t.Fatal("the no-transaction migration ran")
		}
	})
}
