package postgres

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/hoistdb/hoist/dialect"
)

var _ dialect.LockWaits = (*Dialect)(nil)

// lockNotAvailable is SQLSTATE 55P03: a lock_timeout that expired, or a
// NOWAIT lock that was taken.
const lockNotAvailable = "55P03"

// boundLockTimeout reads the session's lock_timeout and sets it to
// value in one round trip: the subquery (kept apart by OFFSET 0) reads
// the old value before the outer select sets the new one. Literals, not
// arguments, keep it to one round trip on every driver.
func boundLockTimeout(value string) string {
	return "SELECT old, set_config('lock_timeout', " + quoteLiteral(value) + ", false) " +
		"FROM (SELECT current_setting('lock_timeout') AS old OFFSET 0) AS s"
}

// restoreLockTimeout puts back the value that boundLockTimeout read.
func restoreLockTimeout(old string) string {
	return "SELECT set_config('lock_timeout', " + quoteLiteral(old) + ", false)"
}

// lockTimeoutValue spells d as a lock_timeout, in milliseconds (at least
// one: 0 would mean no limit).
func lockTimeoutValue(d time.Duration) string {
	return fmt.Sprintf("%dms", max(d.Milliseconds(), 1))
}

// LocalLockWait returns SET LOCAL lock_timeout: the engine puts it in
// the prologue of each migration transaction, so a migration sent as a
// script pays no round trip for it, and nothing outlives the
// transaction on a session that a transaction pooler hands on. A
// migration that sets lock_timeout itself overrides it.
func (*Dialect) LocalLockWait(d time.Duration) string {
	return "SET LOCAL lock_timeout = " + quoteLiteral(lockTimeoutValue(d))
}

// BoundLockWaits sets the session's lock_timeout to d, for statements
// outside a transaction; it is put back by restore, and also by the
// lock's release (session.go) should restore not run.
func (*Dialect) BoundLockWaits(ctx context.Context, conn *sql.Conn, d time.Duration) (func(context.Context) error, error) {
	var old, set string
	if err := conn.QueryRowContext(ctx, boundLockTimeout(lockTimeoutValue(d))).Scan(&old, &set); err != nil {
		return nil, fmt.Errorf("postgres: setting lock_timeout: %w", err)
	}
	return func(ctx context.Context) error {
		if _, err := conn.ExecContext(ctx, restoreLockTimeout(old)); err != nil {
			return fmt.Errorf("postgres: putting back lock_timeout = %s: %w", old, err)
		}
		return nil
	}, nil
}

// IsLockTimeout reports whether err is SQLSTATE 55P03
// (lock_not_available): by the error's SQLState method where the driver
// has one (pgx's *pgconn.PgError, lib/pq's *pq.Error), else by the code
// or the server's English message in the text.
func (*Dialect) IsLockTimeout(err error) bool {
	if err == nil {
		return false
	}
	var coded interface{ SQLState() string }
	if errors.As(err, &coded) {
		return coded.SQLState() == lockNotAvailable
	}
	msg := err.Error()
	return strings.Contains(msg, "SQLSTATE "+lockNotAvailable) || strings.Contains(msg, "canceling statement due to lock timeout")
}

// blockersQuery lists the other sessions of the database that are in a
// transaction and hold granted locks on tables (not the catalogue's),
// oldest transaction first. The statement that timed out no longer
// waits, so pg_blocking_pids cannot say who blocked it; a long open
// transaction on the table is what a migration meets, and it comes
// first.
const blockersQuery = `SELECT a.pid, COALESCE(a.application_name, ''), COALESCE(host(a.client_addr), ''),
	COALESCE(a.state, ''), a.xact_start,
	EXTRACT(EPOCH FROM clock_timestamp() - a.xact_start)::float8,
	COALESCE(a.query, ''),
	string_agg(DISTINCT l.relation::regclass::text, ',')
FROM pg_locks l
JOIN pg_stat_activity a ON a.pid = l.pid
JOIN pg_class c ON c.oid = l.relation
WHERE l.locktype = 'relation' AND l.granted
	AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
	AND l.pid <> pg_backend_pid()
	AND a.xact_start IS NOT NULL
	AND c.relkind IN ('r', 'p', 'm', 'f', 'v')
	AND c.relnamespace <> 'pg_catalog'::regnamespace
	AND c.relnamespace <> 'information_schema'::regnamespace
GROUP BY a.pid, a.application_name, a.client_addr, a.state, a.xact_start, a.query
ORDER BY a.xact_start, a.pid
LIMIT %d`

// LockBlockers lists sessions in an open transaction that hold locks on
// tables, oldest transaction first, with their pid, application, client
// address, state, the start and age of their transaction, their current
// or last query and the tables they hold. A role without
// pg_read_all_stats sees other roles' queries as hidden.
func (*Dialect) LockBlockers(ctx context.Context, conn *sql.Conn, n int) ([]dialect.Blocker, error) {
	rows, err := conn.QueryContext(ctx, fmt.Sprintf(blockersQuery, n))
	if err != nil {
		return nil, fmt.Errorf("postgres: listing sessions that hold table locks: %w", err)
	}
	defer rows.Close()
	var out []dialect.Blocker
	for rows.Next() {
		var (
			pid                       int64
			app, addr, state, q, rels string
			since                     sql.NullTime
			age                       sql.NullFloat64
		)
		if err := rows.Scan(&pid, &app, &addr, &state, &since, &age, &q, &rels); err != nil {
			return nil, fmt.Errorf("postgres: listing sessions that hold table locks: %w", err)
		}
		b := dialect.Blocker{Session: fmt.Sprintf("pid %d", pid), State: state, Query: q, Since: since.Time.UTC()}
		if app != "" {
			b.Session += " (" + app + ")"
		}
		if addr != "" {
			b.Session += " from " + addr
		}
		if age.Valid {
			b.Age = time.Duration(age.Float64 * float64(time.Second)).Round(time.Millisecond)
		}
		if rels != "" {
			b.Tables = strings.Split(rels, ",")
		}
		out = append(out, b)
	}
	return out, rows.Err()
}
