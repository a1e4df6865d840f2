package postgres

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/binary"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/hoistdb/hoist/dialect"
)

// NewLock returns the session-level advisory lock that guards table, taken
// and released through conn. Its key is the first 8 bytes of the SHA-256
// of "hoist:"+table, read as a big-endian int64, and its String is
// "pg_advisory_lock(<key>)", which is what an operator looks for in
// pg_locks.
//
// The lock is not reentrant in the PostgreSQL sense: a TryAcquire while
// this Lock already holds it reports true without asking the server again,
// so one Release always frees it. Creating the lock sends nothing.
func (*Dialect) NewLock(conn *sql.Conn, table string) dialect.Lock {
	return &advisoryLock{conn: conn, key: lockKey(table)}
}

// lockKey derives the advisory lock key of a history table. The "hoist:"
// prefix keeps hoist's keys apart from keys an application derives from
// the same table name for its own locks.
func lockKey(table string) int64 {
	sum := sha256.Sum256([]byte("hoist:" + table))
	return int64(binary.BigEndian.Uint64(sum[:8]))
}

type advisoryLock struct {
	conn *sql.Conn
	key  int64

	mu   sync.Mutex // serialises use of conn and guards held
	held bool
}

func (l *advisoryLock) String() string {
	return fmt.Sprintf("pg_advisory_lock(%d)", l.key)
}

func (l *advisoryLock) TryAcquire(ctx context.Context) (bool, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.held {
		return true, nil
	}
	var ok bool
	if err := l.conn.QueryRowContext(ctx, "SELECT pg_try_advisory_lock($1)", l.key).Scan(&ok); err != nil {
		return false, fmt.Errorf("postgres: take %s: %w", l, err)
	}
	l.held = ok
	return ok, nil
}

func (l *advisoryLock) Release(ctx context.Context) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	var ok bool
	if err := l.conn.QueryRowContext(ctx, "SELECT pg_advisory_unlock($1)", l.key).Scan(&ok); err != nil {
		return fmt.Errorf("postgres: release %s: %w", l, err)
	}
	l.held = false
	if !ok {
		return errors.New("postgres: release " + l.String() + ": lock was not held by this session")
	}
	return nil
}

// holderQuery finds the session that holds the advisory lock $1 in the
// current database. PostgreSQL shows a bigint key split in two: its high
// half in classid, its low half in objid (both unsigned), with objsubid 1.
// pg_stat_activity is joined loosely because a role without
// pg_read_all_stats sees little of other roles' sessions.
const holderQuery = `SELECT l.pid, COALESCE(a.application_name, ''), COALESCE(host(a.client_addr), ''),
	COALESCE(a.backend_start, a.state_change)
FROM pg_locks l
LEFT JOIN pg_stat_activity a ON a.pid = l.pid
WHERE l.locktype = 'advisory'
	AND l.granted
	AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
	AND l.classid::bigint = ($1::bigint >> 32) & 4294967295
	AND l.objid::bigint = $1::bigint & 4294967295
	AND l.objsubid = 1
ORDER BY l.pid
LIMIT 1`

// Holder describes the session holding the lock as
// "pid 4711 (myapp) from 10.0.0.3 since 2026-11-22T04:00:00Z", leaving
// out what the server does not show. "since" is when that session
// connected (its last state change when the start is hidden): PostgreSQL
// does not record when a granted lock was taken, so the lock is at most
// that old. Holder returns "" when nobody holds the lock.
func (l *advisoryLock) Holder(ctx context.Context) (string, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	var (
		pid       sql.NullInt64
		app, addr string
		since     sql.NullTime
	)
	err := l.conn.QueryRowContext(ctx, holderQuery, l.key).Scan(&pid, &app, &addr, &since)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("postgres: find holder of %s: %w", l, err)
	}
	return describeHolder(pid, app, addr, since), nil
}

func describeHolder(pid sql.NullInt64, app, addr string, since sql.NullTime) string {
	var b strings.Builder
	if pid.Valid {
		fmt.Fprintf(&b, "pid %d", pid.Int64)
	} else {
		b.WriteString("a prepared transaction")
	}
	if app != "" {
		fmt.Fprintf(&b, " (%s)", app)
	}
	if addr != "" {
		fmt.Fprintf(&b, " from %s", addr)
	}
	if since.Valid {
		fmt.Fprintf(&b, " since %s", since.Time.UTC().Format(time.RFC3339))
	}
	return b.String()
}
