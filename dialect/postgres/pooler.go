package postgres

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/hoistdb/hoist/dialect"
)

// A session-level advisory lock belongs to the server session that took
// it. Through a transaction pooler (PgBouncer with pool_mode=transaction)
// a client connection has a server session only for the length of a
// transaction: the lock stays on the session that took it, which the
// pooler then hands to other clients, while the migrator's later
// statements run on other sessions. Another migrator whose statement
// lands on the lock's session would find the lock "taken" (advisory
// locks are reentrant), and the migrator's own release may land
// elsewhere and leave the lock behind on a pooled session.
//
// So the lock checks three things. Taking it, it refuses a session that
// holds it already (tryLockQuery). Once taken, CheckSession asks another
// connection of the pool for its backend pid, then the lock's connection
// again: a direct connection is a session of its own, so the first pid
// differs from the lock's and the second equals it; a pooler that reuses
// its most recently used session (PgBouncer's default) hands the lock's
// session to the next client, which the first question sees, and one
// that hands out another session shows it in the second. And releasing
// it, a statement that lands on another session is sent again until it
// reaches the lock's (releaseMoved).

var _ dialect.SessionChecker = (*advisoryLock)(nil)

// sharedSession is the error of a session that already held the lock
// before this connection asked for it.
func sharedSession(l *advisoryLock, pid int64) error {
	return fmt.Errorf("postgres: %w: the server session (backend pid %d) already holds %s, which this connection did not take: another client shares the session",
		dialect.ErrTransactionPooler, pid, l)
}

// CheckSession checks that the lock's connection is a session of its own
// (see above). It asks db for another connection only when the pool has
// one to give without the lock's: with SetMaxOpenConns(1) the question
// would wait forever. It costs one round trip on each connection.
//
// The other connection's question waits at most probeTimeout: behind a
// session pooler whose server sessions are all held by migrators that
// wait for this lock, it would wait for as long as they do, and they
// for it.
func (l *advisoryLock) CheckSession(ctx context.Context, db *sql.DB) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if !l.held {
		return nil
	}
	l.pool = db
	if st := db.Stats(); st.MaxOpenConnections == 0 || st.InUse < st.MaxOpenConnections {
		var other int64
		pctx, cancel := context.WithTimeout(ctx, probeTimeout)
		err := db.QueryRowContext(pctx, "SELECT pg_backend_pid()").Scan(&other)
		cancel()
		switch {
		case err != nil && ctx.Err() == nil && pctx.Err() != nil:
			other = 0 // no session to be had: leave it to the second question
		case err != nil:
			return fmt.Errorf("postgres: checking the session of %s from another connection: %w", l, err)
		}
		if other == l.pid {
			return fmt.Errorf("postgres: %w: another connection of the pool was given the session that holds %s (backend pid %d)",
				dialect.ErrTransactionPooler, l, l.pid)
		}
	}
	var again int64
	if err := l.conn.QueryRowContext(ctx, "SELECT pg_backend_pid()").Scan(&again); err != nil {
		return fmt.Errorf("postgres: checking the session of %s: %w", l, err)
	}
	if again != l.pid {
		return fmt.Errorf("postgres: %w: the connection that took %s on backend pid %d runs its next statement on backend pid %d",
			dialect.ErrTransactionPooler, l, l.pid, again)
	}
	return nil
}

// probeTimeout bounds how long CheckSession waits for another
// connection's answer before it does without.
const probeTimeout = time.Second

// movedReleaseTime bounds how long a release that landed on another
// session keeps looking for the lock's session.
const movedReleaseTime = 5 * time.Second

// maxWalk bounds how many connections of the pool a release that landed
// on another session opens transactions on to reach the lock's session.
const maxWalk = 8

// releaseOnSession unlocks $1 only on the session whose backend pid is
// $2; it returns the pid it ran on.
const releaseOnSession = `SELECT pg_backend_pid(), CASE WHEN pg_backend_pid() = $2 THEN pg_advisory_unlock($1) ELSE false END`

// terminateIdleHolder ends the session $2 when it still holds the lock
// $1 and has been idle for a second, that is, between transactions and
// so in use by no client of the pooler, and not about to be: ending the
// session is what frees its locks, and a session that a pooler is
// handing out at that moment would fail its new client's statement.
const terminateIdleHolder = `SELECT pg_terminate_backend(a.pid) FROM pg_stat_activity a
WHERE a.pid = $2 AND a.state = 'idle' AND a.state_change < clock_timestamp() - interval '1 second'
	AND EXISTS (SELECT 1 FROM pg_locks l
	WHERE l.locktype = 'advisory' AND l.granted AND l.pid = a.pid
		AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
		AND l.classid::bigint = ($1::bigint >> 32) & 4294967295
		AND l.objid::bigint = $1::bigint & 4294967295
		AND l.objsubid = 1)`

// releaseMoved frees the lock after the release statement reached the
// session of backend pid got instead of the lock's: the connection goes
// through a transaction pooler. It sends the unlock again, from the
// lock's connection and from others of the pool (walk), until it reaches
// the lock's session; as a last resort it ends that session when it has
// sat idle in the pooler for a second. The session's settings are not
// put back: the pooler shares them with every client anyway. The error
// says what happened, and wraps dialect.ErrTransactionPooler, also when
// the lock was freed.
func (l *advisoryLock) releaseMoved(ctx context.Context, got int64) error {
	ctx, cancel := context.WithTimeout(ctx, movedReleaseTime)
	defer cancel()
	moved := fmt.Sprintf("releasing %s, taken on backend pid %d, reached backend pid %d", l, l.pid, got)
	wait := 5 * time.Millisecond
	for {
		if l.walk(ctx) {
			l.held = false
			return fmt.Errorf("postgres: %w: %s; sent again, it reached the lock's session and released it", dialect.ErrTransactionPooler, moved)
		}
		var ended bool
		err := l.conn.QueryRowContext(ctx, terminateIdleHolder, l.key.Load(), l.pid).Scan(&ended)
		if err == nil && ended {
			l.held = false
			return fmt.Errorf("postgres: %w: %s; ended the lock's idle session (pg_terminate_backend) to free it", dialect.ErrTransactionPooler, moved)
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return fmt.Errorf("postgres: %w: %s; the lock may still be held by that session, which the pooler kept busy: end it with SELECT pg_terminate_backend(%d)", dialect.ErrTransactionPooler, moved, l.pid)
		case <-t.C:
		}
		wait = min(2*wait, 50*time.Millisecond)
	}
}

// walk sends the unlock from the lock's connection, then from up to
// maxWalk other connections of the pool, each in a transaction that it
// keeps open until the end: a pooler that hands out its most recently
// used session first gives each of them another session, until one
// reaches the lock's. It reports whether one released the lock.
func (l *advisoryLock) walk(ctx context.Context) bool {
	var pid int64
	var ok bool
	if err := l.conn.QueryRowContext(ctx, releaseOnSession, l.key.Load(), l.pid).Scan(&pid, &ok); err == nil && ok {
		return true
	}
	if l.pool == nil {
		return false
	}
	var txs []*sql.Tx
	defer func() {
		for _, tx := range txs {
			_ = tx.Rollback() // an advisory unlock stays done
		}
	}()
	for range maxWalk {
		if st := l.pool.Stats(); st.MaxOpenConnections != 0 && st.InUse >= st.MaxOpenConnections {
			return false
		}
		tx, err := l.pool.BeginTx(ctx, nil)
		if err != nil {
			return false
		}
		txs = append(txs, tx)
		if err := tx.QueryRowContext(ctx, releaseOnSession, l.key.Load(), l.pid).Scan(&pid, &ok); err != nil {
			return false
		}
		if ok {
			return true
		}
	}
	return false
}
