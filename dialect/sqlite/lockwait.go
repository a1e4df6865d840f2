package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/hoistdb/hoist/dialect"
)

var _ dialect.LockWaits = (*Dialect)(nil)

// setBusyTimeout sets the connection's busy_timeout in milliseconds.
func setBusyTimeout(ms int64) string { return fmt.Sprintf("PRAGMA busy_timeout = %d", ms) }

// LocalLockWait returns "": busy_timeout belongs to the connection.
func (*Dialect) LocalLockWait(time.Duration) string { return "" }

// BoundLockWaits sets the connection's busy_timeout to d (at least a
// millisecond) and returns a function that puts back what it had. SQLite
// locks the whole database, not a table: a migration waits for another
// connection's write transaction, and in rollback-journal mode, once it
// is about to write, readers wait for it. The busy_timeout bounds both.
func (*Dialect) BoundLockWaits(ctx context.Context, conn *sql.Conn, d time.Duration) (func(context.Context) error, error) {
	var old int64
	if err := conn.QueryRowContext(ctx, "PRAGMA busy_timeout").Scan(&old); err != nil {
		return nil, fmt.Errorf("sqlite: reading busy_timeout: %w", err)
	}
	if _, err := conn.ExecContext(ctx, setBusyTimeout(max(d.Milliseconds(), 1))); err != nil {
		return nil, fmt.Errorf("sqlite: setting busy_timeout: %w", err)
	}
	return func(ctx context.Context) error {
		if _, err := conn.ExecContext(ctx, setBusyTimeout(old)); err != nil {
			return fmt.Errorf("sqlite: putting back busy_timeout = %d: %w", old, err)
		}
		return nil
	}, nil
}

// IsLockTimeout is [Dialect.IsBusy]: SQLITE_BUSY is what a statement
// gets when the busy_timeout passed.
func (d *Dialect) IsLockTimeout(err error) bool { return d.IsBusy(err) }

// LockBlockers returns nothing: SQLite does not say which connection, or
// which process, holds the database's locks.
func (*Dialect) LockBlockers(context.Context, *sql.Conn, int) ([]dialect.Blocker, error) {
	return nil, nil
}
