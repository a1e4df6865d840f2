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
	"sync/atomic"
	"time"

	"github.com/hoistdb/hoist/dialect"
)

// NewLock returns the session-level advisory lock that guards table, taken
// and released through conn. Its key is the first 8 bytes of the SHA-256
// of "hoist:" and the table's schema-qualified name, read as a big-endian
// int64, and its String is "pg_advisory_lock(<key>)", which is what an
// operator looks for in pg_locks.
//
// One table is one lock however it is spelt: an unqualified name is
// qualified with the schema it resolves to on conn (current_schema(),
// asked once, at the first TryAcquire or Holder), so "hoist_migrations"
// and "public.hoist_migrations" take the same lock. The schema public is
// left out of the hashed name, which keeps the key of the common case,
// an unqualified table in public, what it always was.
//
// The lock is not reentrant in the PostgreSQL sense: a TryAcquire while
// this Lock already holds it reports true without asking the server again,
// so one Release always frees it. Creating the lock sends nothing.
//
// The lock belongs to the server session, which a transaction pooler
// shares between clients: pooler.go says how the lock notices one and
// refuses it ([dialect.ErrTransactionPooler]), and [Dialect.NewLease] is
// the lock that works through one.
func (*Dialect) NewLock(conn *sql.Conn, table string) dialect.Lock {
	l := &advisoryLock{conn: conn, table: table}
	schema, _, qualified := strings.Cut(table, ".")
	l.resolved = qualified
	l.key.Store(lockKey(canonicalTable(table, schema, qualified)))
	return l
}

// canonicalTable is the name hashed into the lock key of table, whose
// schema (the first part of a qualified name) is schema: the qualified
// name, without the default schema public. A name of three parts is
// taken as written.
func canonicalTable(table, schema string, qualified bool) string {
	if !qualified {
		return table
	}
	if name := strings.TrimPrefix(table, schema+"."); schema == "public" && !strings.Contains(name, ".") {
		return name
	}
	return table
}

// lockKey derives the advisory lock key of a history table. The "hoist:"
// prefix keeps hoist's keys apart from keys an application derives from
// the same table name for its own locks.
func lockKey(table string) int64 {
	sum := sha256.Sum256([]byte("hoist:" + table))
	return int64(binary.BigEndian.Uint64(sum[:8]))
}

type advisoryLock struct {
	conn  *sql.Conn
	table string       // as given
	key   atomic.Int64 // read by String without mu

	mu       sync.Mutex // serialises use of conn and guards held and resolved
	held     bool
	resolved bool    // key hashes the schema-qualified name
	settings string  // the session's own settings when the lock was taken (session.go)
	pid      int64   // the backend pid of the session that took the lock
	pool     *sql.DB // the lock's connection's pool, once CheckSession had it (pooler.go)
}

// resolve qualifies an unqualified table with the schema it resolves to
// on the lock's session and sets the key from it. It asks once: a
// migration that changes search_path later must not move the lock.
// Without a schema to create in (current_schema() is NULL) the table
// cannot exist, and the name is hashed as given.
func (l *advisoryLock) resolve(ctx context.Context) error {
	if l.resolved {
		return nil
	}
	var schema sql.NullString
	if err := l.conn.QueryRowContext(ctx, "SELECT current_schema()").Scan(&schema); err != nil {
		return fmt.Errorf("postgres: finding the schema of %s for its lock: %w", l.table, err)
	}
	if schema.Valid {
		l.key.Store(lockKey(canonicalTable(schema.String+"."+l.table, schema.String, true)))
	}
	l.resolved = true
	return nil
}

func (l *advisoryLock) String() string {
	return fmt.Sprintf("pg_advisory_lock(%d)", l.key.Load())
}

func (l *advisoryLock) TryAcquire(ctx context.Context) (bool, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.held {
		return true, nil
	}
	if err := l.resolve(ctx); err != nil {
		return false, err
	}
	var (
		ok, already bool
		settings    sql.NullString
		pid         int64
	)
	if err := l.conn.QueryRowContext(ctx, tryLockQuery, l.key.Load()).Scan(&ok, &settings, &pid, &already); err != nil {
		return false, fmt.Errorf("postgres: take %s: %w", l, err)
	}
	if already {
		return false, sharedSession(l, pid)
	}
	l.held, l.settings, l.pid = ok, settings.String, pid
	return ok, nil
}

func (l *advisoryLock) Release(ctx context.Context) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if !l.held {
		return errors.New("postgres: release " + l.String() + ": lock was not held by this session")
	}
	settings := l.settings
	if settings == "" {
		settings = "{}"
	}
	var (
		ok  bool
		pid int64
	)
	if err := l.conn.QueryRowContext(ctx, unlockQuery, l.key.Load(), settings, l.pid).Scan(&pid, &ok); err != nil {
		return fmt.Errorf("postgres: putting back the session's settings and releasing %s: %w", l, err)
	}
	if pid != l.pid {
		return l.releaseMoved(ctx, pid)
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
	if err := l.resolve(ctx); err != nil {
		return "", err
	}
	err := l.conn.QueryRowContext(ctx, holderQuery, l.key.Load()).Scan(&pid, &app, &addr, &since)
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
