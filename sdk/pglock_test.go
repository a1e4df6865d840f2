package sdk_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/hoistdb/hoist/sdk"
	"github.com/hoistdb/hoist/testkit"
)

// TestOneTableOneLockPostgres: two migrators of one table, one naming it
// public.hoist_migrations and one hoist_migrations, each on connections
// of its own, exclude each other: while the first is inside a migration,
// the second times out naming it, and runs nothing.
func TestOneTableOneLockPostgres(t *testing.T) {
	t.Parallel()
	db := testkit.Postgres(t)
	ctx := testContext(t)
	inside, proceed := make(chan struct{}), make(chan struct{})
	slow := sdk.GoMigration(1, "slow", func(ctx context.Context, tx sdk.Tx) error {
		close(inside)
		<-proceed
		_, err := tx.ExecContext(ctx, "CREATE TABLE slow (id INTEGER)")
		return err
	}, nil)
	first := newMigrator(t, db, sdk.WithMigrations(slow), sdk.WithTable("public.hoist_migrations"))
	done := make(chan error, 1)
	go func() {
		_, err := first.Up(ctx)
		done <- err
	}()
	select {
	case <-inside:
	case err := <-done:
		t.Fatalf("the first migrator returned before its migration ran: %v", err)
	}

	ran := false
	other := sdk.GoMigration(1, "slow", func(ctx context.Context, tx sdk.Tx) error {
		ran = true
		_, err := tx.ExecContext(ctx, "CREATE TABLE slow (id INTEGER)")
		return err
	}, nil)
	second := newMigrator(t, db, sdk.WithMigrations(other), sdk.WithLockTimeout(300*time.Millisecond))
	_, err := second.Up(ctx)
	close(proceed)
	if !errors.Is(err, sdk.ErrLockTimeout) || !strings.Contains(err.Error(), "held by pid ") {
		t.Fatalf("Up of the second migrator: %v; want ErrLockTimeout naming the first one's session", err)
	}
	if ran {
		t.Fatal("the second migrator ran its migration while the first held the lock")
	}
	if err := <-done; err != nil {
		t.Fatalf("the first migrator: %v", err)
	}
	res, err := second.Up(ctx)
	if err != nil || len(res.Applied) != 0 || ran {
		t.Fatalf("Up after the first finished: %v, applied %v; want nothing to do", err, versions(res.Applied))
	}
}
