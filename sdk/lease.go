package sdk

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/hoistdb/hoist/dialect"
)

// withLease is withLock under [LockLease]: it takes the lease through the
// pool, renews it from another goroutine on other pooled connections
// while fn runs on a dedicated one, and deletes it when fn returns. When
// the lease cannot be renewed in time, or another migrator has taken it,
// fn's context is cancelled with [ErrLockLost] as its cause, so that the
// run stops (a running statement is cancelled) before the lease could
// expire, and the error says so.
func (m *Migrator) withLease(ctx context.Context, fn func(ctx context.Context, conn *sql.Conn) error) (err error) {
	if st := m.db.Stats(); st.MaxOpenConnections == 1 {
		return errors.New("hoist: WithLockMode(LockLease) renews the lease on a second connection while the migrations run on one; " +
			"the pool allows one (SetMaxOpenConns(1)): allow two")
	}
	lease := m.dialect.(dialect.LeaseLocker).NewLease(m.db, m.table, m.lock.lease)
	if err := m.acquire(ctx, lease); err != nil {
		return err
	}
	taken := time.Now()
	hctx, stop := context.WithCancelCause(ctx)
	done := make(chan struct{})
	go m.heartbeat(hctx, stop, lease, taken, done)
	defer func() {
		lost := context.Cause(hctx)
		stop(nil)
		<-done
		if errors.Is(lost, ErrLockLost) {
			switch {
			case err == nil:
				err = lost
			case !errors.Is(err, ErrLockLost):
				err = fmt.Errorf("%w; the run stopped: %w", lost, err)
			}
			return // a lost lease is not ours to delete
		}
		rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), releaseTimeout)
		defer cancel()
		if rerr := lease.Release(rctx); rerr != nil {
			m.logger.LogAttrs(rctx, slog.LevelWarn, "hoist: releasing the migration lock failed",
				slog.String("lock", lease.String()), slog.Any("error", rerr))
			if errors.Is(rerr, ErrLockLost) {
				err = errors.Join(err, fmt.Errorf("hoist: %w", rerr))
			}
		}
	}()
	conn, err := m.db.Conn(hctx)
	if err != nil {
		return fmt.Errorf("hoist: getting a connection for the migrations: %w", err)
	}
	defer conn.Close()
	return fn(hctx, conn)
}

// heartbeat renews lease every third of its length until ctx is done. A
// renewal that fails is tried again sooner. When the lease is lost, or
// has not been renewed for two thirds of its length (so that it would
// expire within a third, while a cancelled statement may still be
// finishing), it stops the run with [ErrLockLost]. taken is when the
// lease was last extended, as this process's clock counts: the server
// extended it after that.
func (m *Migrator) heartbeat(ctx context.Context, stop context.CancelCauseFunc, lease dialect.Lease, taken time.Time, done chan<- struct{}) {
	defer close(done)
	every, limit := m.lock.lease/3, 2*m.lock.lease/3
	renewed, wait := taken, every
	for {
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-t.C:
		}
		sent := time.Now()
		rctx, cancel := context.WithDeadline(ctx, renewed.Add(limit))
		err := lease.Renew(rctx)
		cancel()
		switch {
		case err == nil:
			renewed, wait = sent, every
			continue
		case ctx.Err() != nil:
			return
		case errors.Is(err, ErrLockLost):
			stop(fmt.Errorf("hoist: %w", err))
			return
		case time.Since(renewed) >= limit:
			stop(fmt.Errorf("hoist: %w: %s was last renewed %s ago, and could not be renewed since: %w",
				ErrLockLost, lease, time.Since(renewed).Round(time.Millisecond), err))
			return
		}
		m.logger.LogAttrs(ctx, slog.LevelWarn, "hoist: renewing the migration lock's lease failed; retrying",
			slog.String("lock", lease.String()), slog.Any("error", err))
		wait = min(every, max(limit-time.Since(renewed), 0)/4+time.Millisecond)
	}
}
