package mysql

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"github.com/hoistdb/hoist/dialect"
)

var _ dialect.LockWaits = (*Dialect)(nil)

// readLockWaits reads the session's two lock waits: lock_wait_timeout
// bounds waits for metadata locks (the table lock that ALTER, CREATE
// INDEX or DROP needs, and that an open transaction which read the table
// holds), innodb_lock_wait_timeout waits for row locks. Both are in
// whole seconds.
const readLockWaits = "SELECT @@SESSION.lock_wait_timeout, @@SESSION.innodb_lock_wait_timeout"

// setLockWaits sets both lock waits of the session, in seconds.
func setLockWaits(metadata, row int64) string {
	return fmt.Sprintf("SET SESSION lock_wait_timeout = %d, innodb_lock_wait_timeout = %d", metadata, row)
}

// lockWaitSeconds is d in the whole seconds the server takes, rounded up
// and at least 1 (0 would mean not to wait at all on MariaDB).
func lockWaitSeconds(d time.Duration) int64 {
	s := int64((d + time.Second - 1) / time.Second)
	return max(s, 1)
}

// LocalLockWait returns "": MySQL and MariaDB have no setting for one
// transaction (SET STATEMENT covers one statement), so the engine bounds
// the session with BoundLockWaits.
func (*Dialect) LocalLockWait(time.Duration) string { return "" }

// BoundLockWaits sets lock_wait_timeout and innodb_lock_wait_timeout of
// the session to d, rounded up to whole seconds, and returns a function
// that puts back what the session had. A migration that sets them itself
// overrides them from there on.
func (*Dialect) BoundLockWaits(ctx context.Context, conn *sql.Conn, d time.Duration) (func(context.Context) error, error) {
	var metadata, row int64
	if err := conn.QueryRowContext(ctx, readLockWaits).Scan(&metadata, &row); err != nil {
		return nil, fmt.Errorf("mysql: reading lock_wait_timeout: %w", err)
	}
	s := lockWaitSeconds(d)
	if _, err := conn.ExecContext(ctx, setLockWaits(s, s)); err != nil {
		return nil, fmt.Errorf("mysql: setting lock_wait_timeout: %w", err)
	}
	return func(ctx context.Context) error {
		if _, err := conn.ExecContext(ctx, setLockWaits(metadata, row)); err != nil {
			return fmt.Errorf("mysql: putting back lock_wait_timeout = %d, innodb_lock_wait_timeout = %d: %w", metadata, row, err)
		}
		return nil
	}, nil
}

// IsLockTimeout reports whether err is error 1205 (ER_LOCK_WAIT_TIMEOUT,
// "Lock wait timeout exceeded", which MySQL and MariaDB give for
// metadata and row locks alike) or MySQL 8's 3572 (ER_LOCK_NOWAIT, a
// NOWAIT lock that was taken). As for IsMissingTable, the message is
// what go-sql-driver's error shows.
func (*Dialect) IsLockTimeout(err error) bool {
	if err == nil {
		return false
	}
	msg := err.Error()
	for _, code := range []string{"1205", "3572"} {
		if strings.Contains(msg, "Error "+code+" (") || strings.Contains(msg, "Error "+code+":") {
			return true
		}
	}
	return false
}

// blockersQuery lists the other connections with an open InnoDB
// transaction, those whose current database is this connection's
// first (a transaction of another application on the same server is
// not likely to hold this database's tables), then oldest first. An open transaction that has read a table
// holds its metadata lock until it ends, which is what makes an ALTER
// wait; neither MySQL without performance_schema nor MariaDB without
// the metadata_lock_info plugin says which tables, so the tables stay
// unnamed. INFO is NULL while a connection is idle: its last statement
// is not shown.
const blockersQuery = `SELECT p.ID, COALESCE(p.USER, ''), COALESCE(p.HOST, ''), COALESCE(p.COMMAND, ''),
	DATE_FORMAT(UTC_TIMESTAMP() - INTERVAL TIMESTAMPDIFF(SECOND, t.trx_started, NOW()) SECOND, '%%Y-%%m-%%dT%%H:%%i:%%sZ'),
	TIMESTAMPDIFF(SECOND, t.trx_started, NOW()),
	COALESCE(p.INFO, t.trx_query, '')
FROM information_schema.INNODB_TRX t
JOIN information_schema.PROCESSLIST p ON p.ID = t.trx_mysql_thread_id
WHERE t.trx_mysql_thread_id <> CONNECTION_ID()
ORDER BY p.DB <=> DATABASE() DESC, t.trx_started, p.ID
LIMIT %d`

// LockBlockers lists connections with an open transaction, in this
// database first, oldest first: their id, user and host, whether they are busy or idle, when
// their transaction started and its age (to the second), and their
// current statement. It needs the PROCESS privilege.
func (*Dialect) LockBlockers(ctx context.Context, conn *sql.Conn, n int) ([]dialect.Blocker, error) {
	rows, err := conn.QueryContext(ctx, fmt.Sprintf(blockersQuery, n))
	if err != nil {
		return nil, fmt.Errorf("mysql: listing connections with open transactions: %w", err)
	}
	defer rows.Close()
	var out []dialect.Blocker
	for rows.Next() {
		var (
			id                     int64
			user, host, command, q string
			since                  sql.NullString
			age                    sql.NullInt64
		)
		if err := rows.Scan(&id, &user, &host, &command, &since, &age, &q); err != nil {
			return nil, fmt.Errorf("mysql: listing connections with open transactions: %w", err)
		}
		b := dialect.Blocker{Session: fmt.Sprintf("connection %d", id), Query: q, Age: time.Duration(age.Int64) * time.Second}
		if user != "" || host != "" {
			b.Session += " (" + user + "@" + host + ")"
		}
		b.State = "active in transaction"
		if command == "Sleep" {
			b.State = "idle in transaction"
		}
		if t, err := time.Parse(time.RFC3339, since.String); err == nil {
			b.Since = t
		}
		out = append(out, b)
	}
	return out, rows.Err()
}
