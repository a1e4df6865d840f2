package sdk

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"time"

	"github.com/hoistdb/hoist/dialect"
)

// Lock polling backs off from lockPollMin to lockPollMax, so a waiter
// notices a released lock within tens of milliseconds.
const (
	lockPollMin = 5 * time.Millisecond
	lockPollMax = 50 * time.Millisecond
	// releaseTimeout bounds the release of the lock, which runs on a
	// context that is not cancelled.
	releaseTimeout = 30 * time.Second
)

// withLock runs fn on one dedicated connection that holds the migration
// lock, and releases the lock on that connection when fn returns, panics
// or ctx is cancelled. If the release fails, the connection is closed
// instead of returned to the pool, which ends the session and so frees
// the lock.
func (m *Migrator) withLock(ctx context.Context, fn func(ctx context.Context, conn *sql.Conn) error) (err error) {
	conn, err := m.db.Conn(ctx)
	if err != nil {
		return fmt.Errorf("hoist: getting a connection for the migration lock: %w", err)
	}
	defer conn.Close()
	lock := m.dialect.NewLock(conn, m.table)
	if err := m.acquire(ctx, lock); err != nil {
		return err
	}
	defer func() {
		rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), releaseTimeout)
		defer cancel()
		if rerr := lock.Release(rctx); rerr != nil {
			// Discard the session: a pooled connection must never keep
			// holding the lock.
			_ = conn.Raw(func(any) error { return driver.ErrBadConn })
			m.logger.LogAttrs(rctx, slog.LevelWarn, "hoist: releasing the migration lock failed; closed its connection instead",
				slog.String("lock", lock.String()), slog.Any("error", rerr))
		}
	}()
	return fn(ctx, conn)
}

// acquire polls the lock until it is taken, the lock timeout passes or ctx
// is done.
func (m *Migrator) acquire(ctx context.Context, lock dialect.Lock) error {
	start := time.Now()
	deadline := start.Add(m.lockTimeout)
	wait := lockPollMin
	waiting := false
	for {
		ok, err := lock.TryAcquire(ctx)
		if err != nil {
			if ctx.Err() != nil {
				return fmt.Errorf("hoist: waiting for %s: %w", lock, context.Cause(ctx))
			}
			return fmt.Errorf("hoist: taking %s: %w", lock, err)
		}
		if ok {
			if waiting {
				m.emit(ctx, Event{Kind: EventLocked, Lock: lock.String(), Waited: time.Since(start)})
				m.logger.LogAttrs(ctx, slog.LevelInfo, "hoist: took the migration lock",
					slog.String("lock", lock.String()), slog.Duration("waited", time.Since(start)))
			}
			return nil
		}
		if !waiting {
			waiting = true
			holder, _ := lock.Holder(ctx)
			m.emit(ctx, Event{Kind: EventLockWait, Lock: lock.String(), Holder: holder})
			m.logger.LogAttrs(ctx, slog.LevelInfo, "hoist: waiting for the migration lock",
				slog.String("lock", lock.String()), slog.String("holder", holder), slog.Duration("timeout", m.lockTimeout))
		}
		left := time.Until(deadline)
		if left <= 0 {
			return m.lockTimeoutError(ctx, lock, time.Since(start))
		}
		d := min(wait/2+rand.N(wait/2+1), left)
		t := time.NewTimer(d)
		select {
		case <-ctx.Done():
			t.Stop()
			return fmt.Errorf("hoist: waiting for %s: %w", lock, context.Cause(ctx))
		case <-t.C:
		}
		wait = min(2*wait, lockPollMax)
	}
}

func (m *Migrator) lockTimeoutError(ctx context.Context, lock dialect.Lock, waited time.Duration) error {
	holder, err := lock.Holder(ctx)
	switch {
	case err != nil:
		holder = fmt.Sprintf("an unknown holder (asking failed: %v)", err)
	case holder == "":
		holder = "an unknown holder"
	}
	return fmt.Errorf("%w: waited %s for %s, held by %s; if that process is stuck, stop it, or raise the timeout with WithLockTimeout",
		ErrLockTimeout, waited.Round(time.Millisecond), lock, holder)
}
