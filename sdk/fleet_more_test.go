package sdk_test

import (
	"context"
	"database/sql"
	"fmt"
	"log"
	"os"
	"strings"
	"sync"
	"testing"

	_ "github.com/jackc/pgx/v5/stdlib"

	"github.com/hoistdb/hoist/dialect/postgres"
	"github.com/hoistdb/hoist/sdk"
	"github.com/hoistdb/hoist/testkit"
)

// ExampleNewFleet migrates every tenant_* schema at boot, then creates
// and migrates a new tenant on its first request.
func ExampleNewFleet() {
	db, err := sql.Open("pgx", os.Getenv("DATABASE_URL"))
	if err != nil {
		log.Fatal(err)
	}
	ctx := context.Background()
	fleet, err := sdk.NewFleet(db, postgres.New(), sdk.TargetPattern("tenant_*"),
		sdk.WithTargetOptions(sdk.WithFS(migrationsFS)),
		sdk.WithFleetConcurrency(8),
		sdk.WithFailurePolicy(sdk.FleetContinue),
		sdk.WithFleetProgress(func(t sdk.TargetResult, done, total int) {
			log.Printf("[%d/%d] %s %v", done, total, t.Target, t.State)
		}))
	if err != nil {
		log.Fatal(err) // a bad migration file or option; nothing was sent
	}
	res, err := fleet.Up(ctx)
	if err != nil {
		log.Printf("%d of %d tenants failed: %v", res.Count(sdk.TargetFailed), len(res.Targets), err)
	}
	// Later, in a request for a tenant that may be new:
	if _, err := fleet.Ensure(ctx, "tenant_0412"); err != nil {
		log.Print(err)
	}
}

// TestFleetTenantAddedWhileRunning: a schema created while a pattern
// fleet runs is not part of that run (its targets were listed at the
// start) and is migrated by the next one.
func TestFleetTenantAddedWhileRunning(t *testing.T) {
	t.Parallel()
	db := testkit.Postgres(t)
	ctx := testContext(t)
	names := createSchemas(t, db, "tenant", 3)
	adding := sdk.GoMigration(5, "add_tenant", func(ctx context.Context, tx sdk.Tx) error {
		_, err := tx.ExecContext(ctx, "CREATE SCHEMA IF NOT EXISTS tenant_late")
		return err
	}, nil)
	f, err := sdk.NewFleet(db.DB, db.Dialect, sdk.TargetPattern("tenant_*"),
		sdk.WithTargetOptions(sdk.WithFS(lifecycleFS()), sdk.WithMigrations(seedAdmin, adding), quiet()), sdk.WithFleetConcurrency(1))
	if err != nil {
		t.Fatal(err)
	}
	res, err := f.Up(ctx)
	if err != nil || len(res.Targets) != len(names) || res.Count(sdk.TargetApplied) != len(names) {
		t.Fatalf("first Up: %v, %+v", err, res)
	}
	res, err = f.Up(ctx)
	if err != nil || len(res.Targets) != len(names)+1 || res.Count(sdk.TargetApplied) != 1 || res.Targets[len(names)].Target != "tenant_late" {
		t.Fatalf("second Up: %v, %+v", err, res)
	}
	if got := historyCount(t, db.DB, "tenant_late"); got != fleetMigrationCount+1 {
		t.Fatalf("tenant_late has %d applied rows", got)
	}
}

// TestFleetStatusLockedBy: a target being migrated by another session
// shows in Status as locked by that session; the others do not.
func TestFleetStatusLockedBy(t *testing.T) {
	t.Parallel()
	st, _, _ := statusWhileMigrating(t)
	if !strings.HasPrefix(st[0].String(), "locked by pid ") || st[1].String() != fmt.Sprintf("pending %d", fleetMigrationCount+1) {
		t.Fatalf("Status while tenant_00 is migrated: %q, %q; want tenant_00 locked by a pid, tenant_01 pending", st[0], st[1])
	}
}

// TestFleetStatusLockedByLease: under WithLockMode(LockLease) a target
// being migrated by another pool shows in Status as locked by the
// lease's holder, read from the lease row; the others do not.
func TestFleetStatusLockedByLease(t *testing.T) {
	t.Parallel()
	st, f, ctx := statusWhileMigrating(t, sdk.WithLockMode(sdk.LockLease))
	if s := st[0].String(); !strings.HasPrefix(s, "locked by pid ") || !strings.Contains(s, "lease until") || strings.Contains(s, "expired") ||
		st[1].String() != fmt.Sprintf("pending %d", fleetMigrationCount+1) {
		t.Fatalf("Status while tenant_00 is migrated under a lease: %q, %q; want tenant_00 locked by the lease's holder, tenant_01 pending", st[0], st[1])
	}
	st, err := f.Status(ctx)
	if err != nil || st[0].LockedBy != "" {
		t.Fatalf("Status after the run released its lock: %v, %+v", err, st)
	}
}

// statusWhileMigrating makes two tenant schemas, migrates the first
// through a pool of its own (a second fleet) and, while a Go migration
// holds that run, returns the Status of both as a fleet on the test's
// pool sees it, with that fleet. The run has finished, successfully,
// when it returns.
func statusWhileMigrating(t *testing.T, opts ...sdk.Option) ([]sdk.TargetStatus, *sdk.Fleet, context.Context) {
	t.Helper()
	db := testkit.Postgres(t)
	ctx := testContext(t)
	names := createSchemas(t, db, "tenant", 2)
	started, release := make(chan struct{}), make(chan struct{})
	var releaseOnce sync.Once
	free := func() { releaseOnce.Do(func() { close(release) }) }
	t.Cleanup(free) // a failed test must not leave the runner blocked
	blocking := sdk.GoMigration(5, "block", func(ctx context.Context, tx sdk.Tx) error {
		close(started)
		<-release
		return nil
	}, nil)
	target := sdk.WithTargetOptions(append([]sdk.Option{sdk.WithFS(lifecycleFS()), sdk.WithMigrations(seedAdmin, blocking), quiet()}, opts...)...)
	other, _ := openCounting(t, db)
	runner, err := sdk.NewFleet(other, db.Dialect, sdk.TargetList(names[0]), target)
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { _, err := runner.Up(ctx); done <- err }()
	<-started
	f, err := sdk.NewFleet(db.DB, db.Dialect, sdk.TargetList(names...), target)
	if err != nil {
		t.Fatal(err)
	}
	st, err := f.Status(ctx)
	free()
	if err != nil {
		t.Fatal(err)
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	return st, f, ctx
}
