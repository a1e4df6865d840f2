package sdk_test

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/hoistdb/hoist/sdk"
	"github.com/hoistdb/hoist/testkit"
)

// TestRecoveryProcedure: the recovery that the messages of a failed up
// and of a failed down give, followed to the letter, ends in a history
// that says what the schema holds, by either of its two ways: back to
// without the migration (by hand, then Repair: the migration is pending
// and applies again), or forward to with it (by hand, then the UPDATE
// the message spells: applied). The migrations run without a
// transaction, so that every engine is dirty after them.
func TestRecoveryProcedure(t *testing.T) {
	t.Parallel()
	fsys := func(down string) fstest.MapFS {
		return fstest.MapFS{"0002_pair.sql": {Data: []byte("-- +hoist no-transaction\n-- +hoist up\n" +
			"CREATE TABLE pa (id INTEGER PRIMARY KEY);\nCREATE TABLE pb (id INTEGER PRIMARY KEY);\n-- +hoist down\n" + down)}}
	}
	broken := fsys("DROP TABLE pb;\nDROP TABLE no_such_table;\nDROP TABLE pa;\n")
	fixed := fsys("DROP TABLE pb;\nDROP TABLE pa;\n")
	for _, way := range []string{"back", "forward"} {
		t.Run(way, func(t *testing.T) {
			t.Parallel()
			eachEngine(t, func(t *testing.T, db *testkit.DB) {
				ctx := testContext(t)
				exec := func(q string) {
					t.Helper()
					if _, err := db.DB.ExecContext(ctx, q); err != nil {
						t.Fatalf("%s: %v", q, err)
					}
				}
				m := newMigrator(t, db, sdk.WithFS(broken))
				if _, err := m.Up(ctx); err != nil {
					t.Fatal(err)
				}
				_, err := m.Rollback(ctx, sdk.RollbackOptions{})
				var me *sdk.MigrationError
				if !errors.As(err, &me) || !me.Dirty || !me.Recorded {
					t.Fatalf("Rollback: %v; want a dirty MigrationError, recorded", err)
				}
				update := "UPDATE " + db.Dialect.QuoteIdent("hoist_migrations") + " SET state = 'applied' WHERE version = 2"
				for _, want := range []string{"finish the rollback by hand", "`hoist migrate:repair`", "migration 2 is pending", update} {
					if !strings.Contains(err.Error(), want) {
						t.Fatalf("Rollback: %q does not say %q", err, want)
					}
				}
				_, err = m.Up(ctx)
				for _, want := range []string{"without the migration", "`hoist migrate:repair`", "with the migration fully applied", "WHERE version IN (2)"} {
					if !errors.Is(err, sdk.ErrDirty) || !strings.Contains(err.Error(), want) {
						t.Fatalf("Up on the dirty history: %v; want ErrDirty saying %q", err, want)
					}
				}
				m = newMigrator(t, db, sdk.WithFS(fixed), sdk.WithChecksumPolicy(sdk.ChecksumIgnore))
				if way == "back" {
					exec("DROP TABLE pa") // the rest of the down
					if _, err := m.Repair(ctx); err != nil {
						t.Fatal(err)
					}
					st, err := m.Status(ctx)
					if err != nil || !slices.Equal(statusVersions(st.Pending), []int64{2}) {
						t.Fatalf("Status after Repair: %v, pending %v; want [2]", err, statusVersions(st.Pending))
					}
					if res, err := m.Up(ctx); err != nil || !slices.Equal(versions(res.Applied), []int64{2}) {
						t.Fatalf("Up after going back: %v, %v; want 2 applied again", err, res)
					}
					return
				}
				exec("CREATE TABLE pb (id INTEGER PRIMARY KEY)") // redo what the down undid
				exec(update)
				if res, err := m.Up(ctx); err != nil || len(res.Applied) != 0 {
					t.Fatalf("Up after going forward: %v, %v; want nothing to do", err, res)
				}
				if res, err := m.Rollback(ctx, sdk.RollbackOptions{}); err != nil || !slices.Equal(versions(res.Applied), []int64{2}) {
					t.Fatalf("Rollback with the fixed down: %v, %v; want 2 rolled back", err, res)
				}
			})
		})
	}
}

// TestRecoveryProcedureUp: the message of a failed up names the same two
// ways, in the words of an up.
func TestRecoveryProcedureUp(t *testing.T) {
	t.Parallel()
	db := testkit.MySQL(t)
	ctx := testContext(t)
	_, err := newMigrator(t, db, sdk.WithFS(halfFS(false))).Up(ctx)
	for _, want := range []string{"undo by hand what its statements before the failed one did", "`hoist migrate:repair`",
		"runs it from the start", "finish it by hand", "UPDATE `hoist_migrations` SET state = 'applied' WHERE version = 2"} {
		if !strings.Contains(fmt.Sprint(err), want) {
			t.Fatalf("Up: %v; want it to say %q", err, want)
		}
	}
}
