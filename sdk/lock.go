package sdk

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
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
//
// Under [LockLease] the lock is a lease instead (lease.go). Under the
// default, a lock held by a session ([dialect.SessionChecker]) is checked
// once taken: through a transaction pooler, the lock is given back and
// the run refused with [ErrTransactionPooler].
func (m *Migrator) withLock(ctx context.Context, fn func(ctx context.Context, conn *sql.Conn) error) (err error) {
	if m.lock.mode == LockLease {
		return m.withLease(ctx, fn)
	}
	var conn *sql.Conn
	err = m.retryBusy(ctx, "connecting for the migration lock", func() (err error) {
		conn, err = m.db.Conn(ctx)
		return err
	})
	if err != nil {
		return fmt.Errorf("hoist: getting a connection for the migration lock: %w", err)
	}
	defer conn.Close()
	lock := m.dialect.NewLock(conn, m.table)
	if err := m.acquire(ctx, lock); err != nil {
		return poolerAdvice(err)
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
			if errors.Is(rerr, ErrTransactionPooler) && !errors.Is(err, ErrTransactionPooler) {
				// The caller must hear of the pooler, even after a run
				// that went well.
				err = errors.Join(err, poolerAfterRun(rerr))
			}
		}
	}()
	if sc, ok := lock.(dialect.SessionChecker); ok {
		if err := sc.CheckSession(ctx, m.db); err != nil {
			return poolerAdvice(fmt.Errorf("hoist: checking the session of %s: %w", lock, err))
		}
	}
	if err := m.relaxCommits(ctx, lock); err != nil {
		return err
	}
	ctx = m.startSession(ctx, conn)
	defer m.endSession(ctx, conn)
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
		if skipBusy(ctx) {
			return errLockBusy
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
		if err := pause(ctx, &wait, left); err != nil {
			return fmt.Errorf("hoist: waiting for %s: %w", lock, err)
		}
	}
}

// errLockBusy: the lock is held by another session, and the run was
// told not to wait for it (a fleet's first pass, fleet_run.go).
var errLockBusy = errors.New("hoist: the migration lock is held by another migrator")

type skipBusyKey struct{}

// withSkipBusy marks ctx so that a run gives up at once, with
// errLockBusy and nothing done, when another session holds its lock.
func withSkipBusy(ctx context.Context) context.Context {
	return context.WithValue(ctx, skipBusyKey{}, true)
}

func skipBusy(ctx context.Context) bool {
	v, _ := ctx.Value(skipBusyKey{}).(bool)
	return v
}

// pause sleeps for about *wait, at most left, and doubles *wait up to
// lockPollMax. The jitter keeps replicas that started together from
// polling in step. It returns the cause of ctx if ctx ends first.
func pause(ctx context.Context, wait *time.Duration, left time.Duration) error {
	t := time.NewTimer(min(*wait/2+rand.N(*wait/2+1), left))
	defer t.Stop()
	select {
	case <-ctx.Done():
		return context.Cause(ctx)
	case <-t.C:
	}
	*wait = min(2**wait, lockPollMax)
	return nil
}

// retryBusy runs fn, and runs it again while it fails with an error that
// the dialect calls busy ([dialect.BusyErrors]), polling as for the lock,
// until the lock timeout passes. It guards the steps before the lock is
// held, which the lock cannot keep other processes away from: the first
// reading of the history, and getting the lock's connection. what names
// the step for the log.
func (m *Migrator) retryBusy(ctx context.Context, what string, fn func() error) error {
	err := fn()
	if err == nil {
		return nil
	}
	b, ok := m.dialect.(dialect.BusyErrors)
	if !ok || !b.IsBusy(err) {
		return err
	}
	start := time.Now()
	m.logger.LogAttrs(ctx, slog.LevelInfo, "hoist: the database is busy; retrying",
		slog.String("step", what), slog.Any("error", err), slog.Duration("timeout", m.lockTimeout))
	for wait := lockPollMin; err != nil && b.IsBusy(err); err = fn() {
		left := m.lockTimeout - time.Since(start)
		if left <= 0 {
			return fmt.Errorf("%w (still busy after retrying for %s: another connection kept the database locked; "+
				"raise the lock timeout with WithLockTimeout, or the driver's busy timeout)", err, time.Since(start).Round(time.Millisecond))
		}
		if perr := pause(ctx, &wait, left); perr != nil {
			return fmt.Errorf("hoist: retrying %s while the database was busy: %w", what, perr)
		}
	}
	return err
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
