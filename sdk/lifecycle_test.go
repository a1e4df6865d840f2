package sdk_test

import (
	"context"
	"fmt"
	"slices"
	"testing"

	"github.com/hoistdb/hoist/sdk"
	"github.com/hoistdb/hoist/testkit"
)

func TestLifecycle(t *testing.T) {
	t.Parallel()
	eachEngine(t, func(t *testing.T, db *testkit.DB) {
		ctx := testContext(t)
		m := newMigrator(t, db, sdk.WithFS(lifecycleFS()), sdk.WithMigrations(seedAdmin))

		st, err := m.Status(ctx)
		if err != nil {
			t.Fatalf("Status on a new database: %v", err)
		}
		if got := statusVersions(st.Pending); !slices.Equal(got, []int64{1, 2, 3, 4}) || len(st.Applied) != 0 {
			t.Fatalf("Status on a new database: pending %v, applied %d; want pending [1 2 3 4]", got, len(st.Applied))
		}

		res, err := m.Up(ctx)
		if err != nil {
			t.Fatalf("Up: %v", err)
		}
		if got := versions(res.Applied); !slices.Equal(got, []int64{1, 2, 3, 4}) || res.Batch != 1 {
			t.Fatalf("Up applied %v in batch %d; want [1 2 3 4] in batch 1", got, res.Batch)
		}
		if n := countRows(t, db.DB, "SELECT COUNT(*) FROM users"); n != 1 {
			t.Fatalf("the Go migration inserted %d users; want 1", n)
		}
		var label string
		if err := db.DB.QueryRow("SELECT label FROM tags WHERE id = 1").Scan(&label); err != nil || label != "semi;colon" {
			t.Fatalf("goose statement block: label %q, %v; want %q", label, err, "semi;colon")
		}

		res, err = m.Up(ctx)
		if err != nil || len(res.Applied) != 0 || res.Batch != 0 {
			t.Fatalf("second Up: %v, applied %v, batch %d; want nothing", err, versions(res.Applied), res.Batch)
		}

		res, err = m.Rollback(ctx, sdk.RollbackOptions{})
		if err != nil {
			t.Fatalf("Rollback: %v", err)
		}
		if got := versions(res.Applied); !slices.Equal(got, []int64{4, 3, 2, 1}) || res.Batch != 1 {
			t.Fatalf("Rollback undid %v of batch %d; want [4 3 2 1] of batch 1", got, res.Batch)
		}
		for _, table := range []string{"users", "posts", "tags"} {
			if tableExists(t, db, table) {
				t.Errorf("table %s still exists after rolling back everything", table)
			}
		}

		if res, err = m.UpTo(ctx, 2); err != nil || !slices.Equal(versions(res.Applied), []int64{1, 2}) {
			t.Fatalf("UpTo(2): %v, applied %v; want [1 2]", err, versions(res.Applied))
		}
		if res, err = m.Up(ctx); err != nil || !slices.Equal(versions(res.Applied), []int64{3, 4}) || res.Batch != 2 {
			t.Fatalf("Up after UpTo(2): %v, applied %v in batch %d; want [3 4] in batch 2", err, versions(res.Applied), res.Batch)
		}

		if res, err = m.Rollback(ctx, sdk.RollbackOptions{Steps: 1}); err != nil || !slices.Equal(versions(res.Applied), []int64{4}) {
			t.Fatalf("Rollback one step: %v, undid %v; want [4]", err, versions(res.Applied))
		}
		st, err = m.Status(ctx)
		if err != nil {
			t.Fatalf("Status: %v", err)
		}
		if !slices.Equal(statusVersions(st.Applied), []int64{1, 2, 3}) || !slices.Equal(statusVersions(st.Pending), []int64{4}) {
			t.Fatalf("Status after one step back: applied %v pending %v; want [1 2 3] and [4]",
				statusVersions(st.Applied), statusVersions(st.Pending))
		}
		for _, a := range st.Applied {
			if a.AppliedAt.IsZero() || a.AppliedAt.Location().String() != "UTC" || a.Checksum == "" && a.Version != 4 {
				t.Errorf("applied %d: applied at %v, checksum %q; want a UTC time and a checksum", a.Version, a.AppliedAt, a.Checksum)
			}
		}

		// The last batch is now batch 2 with only migration 3 left in it.
		if res, err = m.Rollback(ctx, sdk.RollbackOptions{}); err != nil || !slices.Equal(versions(res.Applied), []int64{3}) || res.Batch != 2 {
			t.Fatalf("Rollback of batch 2: %v, undid %v of batch %d; want [3] of batch 2", err, versions(res.Applied), res.Batch)
		}
		if res, err = m.RollbackTo(ctx, 0); err != nil || !slices.Equal(versions(res.Applied), []int64{2, 1}) {
			t.Fatalf("RollbackTo(0): %v, undid %v; want [2 1]", err, versions(res.Applied))
		}
		if h, err := m.History(ctx); err != nil || len(h) != 0 {
			t.Fatalf("History after RollbackTo(0): %d rows, %v; want none", len(h), err)
		}
	})
}

func TestRedoAndDryRuns(t *testing.T) {
	t.Parallel()
	eachEngine(t, func(t *testing.T, db *testkit.DB) {
		ctx := testContext(t)
		m := newMigrator(t, db, sdk.WithFS(lifecycleFS()), sdk.WithMigrations(seedAdmin))

		plan, err := m.Plan(ctx)
		if err != nil {
			t.Fatalf("Plan: %v", err)
		}
		if !plan.DryRun || !slices.Equal(versions(plan.Applied), []int64{1, 2, 3, 4}) {
			t.Fatalf("Plan: dry run %v, versions %v; want a dry run of [1 2 3 4]", plan.DryRun, versions(plan.Applied))
		}
		if got := plan.Applied[2].SQL; len(got) != 2 || got[1] != "INSERT INTO tags (id, label) VALUES (1, 'semi;colon')" {
			t.Fatalf("Plan SQL of migration 3: %q", got)
		}
		if tableExists(t, db, "users") {
			t.Fatal("Plan created a table")
		}

		if _, err := m.Up(ctx); err != nil {
			t.Fatalf("Up: %v", err)
		}
		dry, err := m.Rollback(ctx, sdk.RollbackOptions{Steps: 2, DryRun: true})
		if err != nil || !slices.Equal(versions(dry.Applied), []int64{4, 3}) || dry.Applied[1].SQL[0] != "DROP TABLE tags" {
			t.Fatalf("Rollback dry run: %v, %v", err, dry)
		}
		if !tableExists(t, db, "tags") {
			t.Fatal("a dry-run rollback dropped a table")
		}

		redo, err := m.Redo(ctx)
		if err != nil {
			t.Fatalf("Redo: %v", err)
		}
		if len(redo.Applied) != 2 || redo.Applied[0].Direction != sdk.Down || redo.Applied[1].Direction != sdk.Up || redo.Applied[1].Version != 4 {
			t.Fatalf("Redo ran %+v; want 4 down then 4 up", redo.Applied)
		}
		if n := countRows(t, db.DB, "SELECT COUNT(*) FROM users"); n != 1 {
			t.Fatalf("after Redo there are %d users; want 1", n)
		}
	})
}

// TestProgress: WithProgress reports each migration as it starts and as
// it ends, in order, in both directions, and each seeder.
func TestProgress(t *testing.T) {
	t.Parallel()
	eachEngine(t, func(t *testing.T, db *testkit.DB) {
		ctx := testContext(t)
		var got []string
		m := newMigrator(t, db, sdk.WithFS(lifecycleFS()), sdk.WithMigrations(seedAdmin),
			sdk.WithSeeders(goSeeder),
			sdk.WithProgress(func(_ context.Context, e sdk.Event) {
				switch e.Kind {
				case sdk.EventMigrating:
					got = append(got, fmt.Sprintf("start %s %d", e.Migration.Direction, e.Migration.Version))
				case sdk.EventMigrated:
					if e.Migration.Duration <= 0 {
						t.Errorf("migration %d reported without a duration", e.Migration.Version)
					}
					got = append(got, fmt.Sprintf("done %s %d", e.Migration.Direction, e.Migration.Version))
				case sdk.EventSeeded:
					got = append(got, "seeded "+e.Seeder.Name)
				}
			}))
		if _, err := m.UpTo(ctx, 2); err != nil {
			t.Fatal(err)
		}
		if _, err := m.Rollback(ctx, sdk.RollbackOptions{Steps: 1}); err != nil {
			t.Fatal(err)
		}
		if _, err := m.Up(ctx); err != nil {
			t.Fatal(err)
		}
		if _, err := m.Seed(ctx); err != nil {
			t.Fatal(err)
		}
		want := []string{"start up 1", "done up 1", "start up 2", "done up 2", "start down 2", "done down 2",
			"start up 2", "done up 2", "start up 3", "done up 3", "start up 4", "done up 4", "seeded 10_users"}
		if !slices.Equal(got, want) {
			t.Fatalf("events:\n%q\nwant:\n%q", got, want)
		}
	})
}
