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

// gapFS has migrations 1 and 3, and 2 as well when withGap is set: a
// database migrated without 2 then has 2 pending out of order.
func gapFS(withGap bool) fstest.MapFS {
	fsys := fstest.MapFS{
		"0001_one.sql":   {Data: []byte("-- +hoist up\nCREATE TABLE one (id INTEGER PRIMARY KEY);\n-- +hoist down\nDROP TABLE one;\n")},
		"0003_three.sql": {Data: []byte("-- +hoist up\nCREATE TABLE three (id INTEGER PRIMARY KEY);\n-- +hoist down\nDROP TABLE three;\n")},
	}
	if withGap {
		fsys["0002_two.sql"] = &fstest.MapFile{Data: []byte("-- +hoist up\nCREATE TABLE two (id INTEGER PRIMARY KEY);\n-- +hoist down\nDROP TABLE two;\n")}
	}
	return fsys
}

// TestPlanTo: PlanTo says what UpTo would do, and fails where UpTo fails.
// With 1 and 3 applied and 2 pending, UpTo(1) has nothing to do, so
// PlanTo(1) plans nothing instead of failing with ErrOutOfOrder because
// of 2; UpTo(2) and PlanTo(2) both refuse 2.
func TestPlanTo(t *testing.T) {
	t.Parallel()
	eachEngine(t, func(t *testing.T, db *testkit.DB) {
		ctx := testContext(t)
		if _, err := newMigrator(t, db, sdk.WithFS(gapFS(false))).Up(ctx); err != nil {
			t.Fatal(err)
		}
		m := newMigrator(t, db, sdk.WithFS(gapFS(true)))
		plan, err := m.PlanTo(ctx, 1)
		if err != nil || len(plan.Applied) != 0 || !plan.DryRun {
			t.Fatalf("PlanTo(1): %v, %+v; want an empty plan, as UpTo(1) does nothing", err, plan)
		}
		if res, err := m.UpTo(ctx, 1); err != nil || len(res.Applied) != 0 {
			t.Fatalf("UpTo(1): %v; want nothing applied", err)
		}
		if _, err := m.PlanTo(ctx, 2); !errors.Is(err, sdk.ErrOutOfOrder) {
			t.Fatalf("PlanTo(2): %v; want ErrOutOfOrder, as UpTo(2)", err)
		}
		if _, err := m.UpTo(ctx, 2); !errors.Is(err, sdk.ErrOutOfOrder) {
			t.Fatalf("UpTo(2): %v; want ErrOutOfOrder", err)
		}
		if _, err := m.PlanTo(ctx, 0); err == nil {
			t.Fatal("PlanTo(0) succeeded; want an error, as UpTo(0)")
		}

		fresh := newMigrator(t, db, sdk.WithTable("other_history"), sdk.WithFS(lifecycleFS()))
		plan, err = fresh.PlanTo(ctx, 2)
		if err != nil || !slices.Equal(versions(plan.Applied), []int64{1, 2}) || plan.Batch != 1 {
			t.Fatalf("PlanTo(2) on a new history: %v, %v in batch %d; want [1 2] in batch 1", err, versions(plan.Applied), plan.Batch)
		}
	})
}

// TestPlanSingleTransaction: under WithSingleTransaction, Plan refuses a
// pending no-transaction migration as Up does, with Up's words.
func TestPlanSingleTransaction(t *testing.T) {
	t.Parallel()
	eachEngine(t, func(t *testing.T, db *testkit.DB) {
		if !db.Dialect.TransactionalDDL() {
			t.Skipf("New refuses WithSingleTransaction on %s (TestSingleTransaction)", db.Dialect.Name())
		}
		ctx := testContext(t)
		outside := lifecycleFS()
		outside["0006_concurrently.sql"] = &fstest.MapFile{Data: []byte("-- +hoist no-transaction\n-- +hoist up\nCREATE TABLE later (id INTEGER);\n")}
		m := newMigrator(t, db, sdk.WithFS(outside), sdk.WithSingleTransaction())
		_, planErr := m.Plan(ctx)
		_, upErr := m.Up(ctx)
		if planErr == nil || upErr == nil || !strings.Contains(planErr.Error(), "6 concurrently") || planErr.Error() != upErr.Error() {
			t.Fatalf("Plan: %v\nUp: %v\nwant both to refuse the no-transaction migration alike", planErr, upErr)
		}
		if plan, err := m.PlanTo(ctx, 3); err != nil || len(plan.Applied) != 3 {
			t.Fatalf("PlanTo(3), below the no-transaction migration: %v; want 1 to 3 planned", err)
		}
	})
}
