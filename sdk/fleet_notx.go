package sdk

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"fmt"
	"log/slog"
	"strconv"
)

// A fleet of schemas runs each target's migrations with the target's
// schema as search_path. Inside hoist's transaction, SET LOCAL in the
// transaction's prologue does it (searchPathScripter) and ends with the
// transaction. A migration or seeder that runs outside a transaction
// (-- +hoist no-transaction, or a file with its own BEGIN and COMMIT: the
// way to CREATE INDEX CONCURRENTLY on a big tenant table) has no such
// prologue, and PostgreSQL refuses CREATE INDEX CONCURRENTLY in the
// implicit transaction of a multi-statement query, so the setting cannot
// ride in the statement's round trip either. So hoist sets search_path
// on the session of the migration connection, the one that holds the
// target's lock, just before such a migration or seeder, and puts the
// session's own value back right after it, in success, failure and
// panic alike; the connection goes back to the application's pool with
// the search_path it came with, never another tenant's.
//
// That is only safe on a session of its own. Under the session lock
// (LockSession) the lock checks it: through a transaction pooler the
// run is refused, before anything runs, with ErrTransactionPooler
// (lock.go), and the SET itself sets nothing on a backend other than the
// lock's (enterSchema). Under LockLease, which exists for transaction
// poolers, nothing can, and NewFleet refuses such migrations
// (checkNoTxLease).

// enterSchema sets the search_path of conn's session to the schema of
// m, a fleet target's Migrator, and returns what puts the session's own
// back. It does nothing for a Migrator of one database. One round trip
// reads the old value and sets the new one: the subquery, kept apart by
// OFFSET 0, reads the setting before the outer select changes it. The
// old value is kept only where the session set it (source 'session');
// any other is the one RESET brings back (the server's, the role's, or
// the connection string's).
//
// The statement sets nothing unless it runs on the lock's own server
// session (the backend pid that startSession read after the lock was
// taken): a transaction pooler that slipped past the lock's checks and
// handed the statement to another session would otherwise give that
// session, and the client it serves next, the tenant's search_path. It
// then fails with ErrTransactionPooler before the migration begins.
func (m *Migrator) enterSchema(ctx context.Context, conn *sql.Conn) (leave func(context.Context), err error) {
	if m.searchPath == "" {
		return func(context.Context) {}, nil
	}
	mine := "true"
	if s, _ := ctx.Value(sessionKey{}).(*session); s != nil {
		if _, err := strconv.ParseInt(s.id, 10, 64); err == nil {
			mine = "pid = " + s.id
		}
	}
	q := "SELECT old, pid, CASE WHEN " + mine + " THEN set_config('search_path', " + quoteLiteral(m.searchPath) + ", false) END " +
		"FROM (SELECT CASE WHEN source = 'session' THEN setting END AS old, pg_backend_pid() AS pid " +
		"FROM pg_settings WHERE name = 'search_path' OFFSET 0) AS s"
	var (
		old, set sql.NullString
		pid      int64
	)
	if err := conn.QueryRowContext(ctx, q).Scan(&old, &pid, &set); err != nil {
		return nil, fmt.Errorf("hoist: setting the migration session's search_path to %s for %s: %w", m.searchPath, m.table, err)
	}
	if !set.Valid {
		return nil, fmt.Errorf("hoist: setting the migration session's search_path to %s for %s: %w: the statement ran on backend pid %d, not on the session that holds the lock; nothing was set and nothing of the migration ran: "+
			"migrate a fleet of schemas with migrations outside a transaction on a direct connection, or through session pooling (pool_mode=session)",
			m.searchPath, m.table, ErrTransactionPooler, pid)
	}
	return func(ctx context.Context) { m.leaveSchema(ctx, conn, old) }, nil
}

// leaveSchema puts back the search_path that enterSchema found, on a
// context that is not cancelled: a failed or cancelled migration must
// not leave the tenant's search_path on a pooled session. When it cannot,
// the connection is closed instead of going back to the pool.
func (m *Migrator) leaveSchema(ctx context.Context, conn *sql.Conn, old sql.NullString) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), releaseTimeout)
	defer cancel()
	q := "RESET search_path"
	if old.Valid {
		q = "SELECT set_config('search_path', " + quoteLiteral(old.String) + ", false)"
	}
	if _, err := conn.ExecContext(ctx, q); err != nil {
		_ = conn.Raw(func(any) error { return driver.ErrBadConn })
		m.logger.LogAttrs(ctx, slog.LevelWarn, "hoist: putting back the migration session's search_path failed; closed its connection instead",
			slog.String("table", m.table), slog.Any("error", err))
	}
}

// checkNoTxLease refuses, in a fleet of schemas whose lock is a lease, a
// migration or seeder that runs outside a transaction: the lease is for
// a transaction pooler, which may run the session-level SET search_path
// and the migration on different server sessions, and leave the tenant's
// search_path on a session it then hands to another client.
func checkNoTxLease(m *Migrator) error {
	if m.lock.mode != LockLease {
		return nil
	}
	const why = "in a fleet of schemas it runs with the tenant's search_path set on the migration session, " +
		"which WithLockMode(LockLease) cannot hold on to: a transaction pooler may run the SET and the migration on different server sessions " +
		"and hand the tenant's search_path to another client"
	for _, mig := range m.migrations {
		if mig.NoTransaction {
			return fmt.Errorf("hoist: fleet: migration %s runs outside hoist's transaction%s; %s. "+
				"Migrate the fleet on a direct connection (or through session pooling) with the session lock, or run the migration in a transaction",
				mig, ownTransactionNote(&mig), why)
		}
	}
	for _, sd := range m.seeds {
		if sd.noTransaction {
			return fmt.Errorf("hoist: fleet: seeder %s (%s) runs outside a transaction; %s. "+
				"Seed the fleet on a direct connection (or through session pooling) with the session lock, or run the seeder in a transaction",
				sd.name, sd.file, why)
		}
	}
	return nil
}
