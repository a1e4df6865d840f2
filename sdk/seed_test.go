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

func seedFS() fstest.MapFS {
	return fstest.MapFS{
		"20_tags.sql": {Data: []byte("-- re-runnable: replaces its rows\nDELETE FROM tags WHERE id BETWEEN 100 AND 199;\nINSERT INTO tags (id, label) VALUES (100, 'a'), (101, 'b');\n")},
		"30_once.sql": {Data: []byte("-- +hoist once\nINSERT INTO tags (id, label) VALUES (200, 'once');\n")},
	}
}

var goSeeder = sdk.Seeder{Name: "10_users", Run: func(ctx context.Context, tx sdk.Tx) error {
	if _, err := tx.ExecContext(ctx, "DELETE FROM users WHERE id >= 100"); err != nil {
		return err
	}
	_, err := tx.ExecContext(ctx, "INSERT INTO users (id, name) VALUES (100, 'seeded')")
	return err
}}

func seedNames(runs []sdk.SeedRun) []string {
	out := make([]string, len(runs))
	for i, r := range runs {
		out[i] = r.Name
	}
	return out
}

func TestSeed(t *testing.T) {
	t.Parallel()
	eachEngine(t, func(t *testing.T, db *testkit.DB) {
		ctx := testContext(t)
		m := newMigrator(t, db, sdk.WithFS(lifecycleFS()), sdk.WithSeedFS(seedFS()), sdk.WithSeeders(goSeeder))
		if _, err := m.Up(ctx); err != nil {
			t.Fatal(err)
		}
		if got := m.Seeders(); !slices.Equal(got, []string{"10_users", "20_tags", "30_once"}) {
			t.Fatalf("Seeders() = %v; want name order", got)
		}
		for round := 1; round <= 2; round++ {
			res, err := m.Seed(ctx)
			if err != nil {
				t.Fatalf("Seed round %d: %v", round, err)
			}
			wantRan, wantSkipped := []string{"10_users", "20_tags", "30_once"}, []string(nil)
			if round == 2 {
				wantRan, wantSkipped = []string{"10_users", "20_tags"}, []string{"30_once"}
			}
			if !slices.Equal(seedNames(res.Ran), wantRan) || !slices.Equal(res.Skipped, wantSkipped) {
				t.Fatalf("Seed round %d ran %v, skipped %v; want %v and %v", round, seedNames(res.Ran), res.Skipped, wantRan, wantSkipped)
			}
		}
		if n := countRows(t, db.DB, "SELECT COUNT(*) FROM tags WHERE id >= 100"); n != 3 {
			t.Fatalf("after two rounds there are %d seeded tags; want 3 (re-runnable seeds replace, once seeds run once)", n)
		}

		// Only the named ones; an unknown name runs nothing.
		res, err := m.Seed(ctx, "20_tags")
		if err != nil || !slices.Equal(seedNames(res.Ran), []string{"20_tags"}) {
			t.Fatalf("Seed(20_tags): %v, ran %v", err, seedNames(res.Ran))
		}
		if _, err := m.Seed(ctx, "20_tags", "nope"); err == nil || !strings.Contains(err.Error(), "nope") || !strings.Contains(err.Error(), "10_users") {
			t.Fatalf("Seed with an unknown name: %v; want an error naming it and the known seeders", err)
		}

		// A Once seeder that has run costs one query and no lock.
		counted, n := openCounting(t, db)
		mc, err := sdk.New(counted, db.Dialect, sdk.WithSeedFS(seedFS()), quiet())
		if err != nil {
			t.Fatal(err)
		}
		if res, err := mc.Seed(ctx, "30_once"); err != nil || len(res.Ran) != 0 || n.Load() != 1 {
			t.Fatalf("Seed of a done Once seeder: %v, ran %v, %d statements; want nothing run in 1 statement", err, seedNames(res.Ran), n.Load())
		}
	})
}

func TestSeedFailure(t *testing.T) {
	t.Parallel()
	eachEngine(t, func(t *testing.T, db *testkit.DB) {
		ctx := testContext(t)
		bad := fstest.MapFS{"50_bad.sql": {Data: []byte("INSERT INTO tags (id, label) VALUES (300, 'x');\nINSERT INTO no_such_table VALUES (1);\n")}}
		m := newMigrator(t, db, sdk.WithFS(lifecycleFS()), sdk.WithSeedFS(bad))
		if _, err := m.Up(ctx); err != nil {
			t.Fatal(err)
		}
		_, err := m.Seed(ctx)
		var me *sdk.MigrationError
		if !errors.As(err, &me) || me.File != "50_bad.sql" || me.Line != 2 || !strings.Contains(err.Error(), "seeder 50_bad failed at 50_bad.sql:2") {
			t.Fatalf("Seed: %v; want a MigrationError at 50_bad.sql:2", err)
		}
		if n := countRows(t, db.DB, "SELECT COUNT(*) FROM tags WHERE id = 300"); n != 0 {
			t.Fatal("a failed seeder's first statement was kept; seeders run in a transaction")
		}
	})
}

// TestSeedFailedNoTransaction: a once seeder run without a transaction
// that fails after its first statement is recorded as failed, since that
// statement's row stays. The next Seed that selects it refuses with
// ErrDirty, naming it and how to clear it, instead of inserting the row
// again; once cleared, it runs and is recorded as done.
func TestSeedFailedNoTransaction(t *testing.T) {
	t.Parallel()
	eachEngine(t, func(t *testing.T, db *testkit.DB) {
		ctx := testContext(t)
		seeds := seedFS()
		seeds["40_half.sql"] = &fstest.MapFile{Data: []byte("-- +hoist once\n-- +hoist no-transaction\nINSERT INTO tags (id, label) VALUES (400, 'half');\nINSERT INTO later_table (id) VALUES (1);\n")}
		m := newMigrator(t, db, sdk.WithFS(lifecycleFS()), sdk.WithSeedFS(seeds))
		if _, err := m.Up(ctx); err != nil {
			t.Fatal(err)
		}
		_, err := m.Seed(ctx)
		var me *sdk.MigrationError
		if !errors.As(err, &me) || me.Name != "40_half" || me.Line != 4 || !strings.Contains(err.Error(), "recorded as failed") {
			t.Fatalf("Seed: %v; want a MigrationError at 40_half.sql:4 that says it is recorded as failed", err)
		}
		half := "SELECT COUNT(*) FROM tags WHERE id = 400"
		if n := countRows(t, db.DB, half); n != 1 {
			t.Fatalf("%d rows from the failed seeder's first statement; want 1 (no transaction undoes it)", n)
		}

		for _, names := range [][]string{nil, {"40_half"}} {
			_, err = m.Seed(ctx, names...)
			if !errors.Is(err, sdk.ErrDirty) || !strings.Contains(err.Error(), "40_half") || !strings.Contains(err.Error(), "DELETE FROM") {
				t.Fatalf("Seed(%v) after the failure: %v; want ErrDirty naming 40_half and how to clear it", names, err)
			}
		}
		if n := countRows(t, db.DB, half); n != 1 {
			t.Fatalf("%d rows from the failed seeder's first statement after Seed was called again; want 1, it must not run again", n)
		}
		if res, err := m.Seed(ctx, "20_tags"); err != nil || len(res.Ran) != 1 {
			t.Fatalf("Seed(20_tags), which does not select the failed seeder: %v", err)
		}

		// Clear it as the message says: undo, delete the record, fix.
		seedTable := db.Dialect.QuoteIdent("hoist_migrations_seeds")
		execAll(t, db, "DELETE FROM tags WHERE id = 400", "DELETE FROM "+seedTable+" WHERE name IN ('40_half')",
			"CREATE TABLE later_table (id INTEGER PRIMARY KEY)")
		if res, err := m.Seed(ctx, "40_half"); err != nil || len(res.Ran) != 1 {
			t.Fatalf("Seed(40_half) once cleared: %v", err)
		}
		if res, err := m.Seed(ctx, "40_half"); err != nil || len(res.Skipped) != 1 {
			t.Fatalf("Seed(40_half) after it ran: %v; want it skipped", err)
		}
		if n := countRows(t, db.DB, half); n != 1 {
			t.Fatalf("%d rows from the seeder; want 1", n)
		}
	})
}
