package mysql

import (
	"context"
	"crypto/rand"
	"database/sql"
	"database/sql/driver"
	"encoding/hex"
	"fmt"

	"github.com/hoistdb/hoist/sdk/schema"
)

var _ schema.Scratcher = (*Dialect)(nil)

// Scratch runs fn on a connection whose current database is a new one,
// dropped afterwards. The connection is then discarded rather than
// returned to the pool with another current database. It needs the
// CREATE and DROP privileges on that database.
func (*Dialect) Scratch(ctx context.Context, db *sql.DB, fn func(q schema.Execer) error) (err error) {
	conn, err := db.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	defer conn.Raw(func(any) error { return driver.ErrBadConn }) //nolint:errcheck // discards the connection
	name, err := newScratch(ctx, conn, "CHARACTER SET utf8mb4")
	if err != nil {
		return fmt.Errorf("creating the scratch database %s, where hoist reads a described schema back (it needs the CREATE and DROP privileges): %w", name, err)
	}
	defer func() {
		if _, derr := conn.ExecContext(context.WithoutCancel(ctx), "DROP DATABASE "+name); derr != nil && err == nil {
			err = derr
		}
	}()
	if _, err := conn.ExecContext(ctx, "USE "+name); err != nil {
		return err
	}
	return fn(conn)
}

// scratchPrefix begins the name of every scratch database.
const scratchPrefix = "hoist_scratch_"

// newScratch creates a scratch database on conn, named
// hoist_scratch_<random> (returned quoted), with options (its character
// set), by [CreateScratch].
func newScratch(ctx context.Context, conn *sql.Conn, options string) (string, error) {
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	bare := scratchPrefix + hex.EncodeToString(b)
	return spelling.QuoteIdent(bare), CreateScratch(ctx, conn, bare, options)
}

// CreateScratch creates the scratch database name (which starts with
// hoist_scratch_) on conn, with options such as a character set, under
// a user lock of the same name that conn holds until it closes: drop
// the database before closing conn. It first drops the scratch
// databases whose lock is free: those of a process killed before it
// could drop its own, since the server frees a dead session's locks.
// The lock is taken before the database exists, so a live one is never
// dropped.
func CreateScratch(ctx context.Context, conn *sql.Conn, name, options string) error {
	var got sql.NullInt64
	if err := conn.QueryRowContext(ctx, "SELECT GET_LOCK(?, 0)", name).Scan(&got); err != nil || got.Int64 != 1 {
		return fmt.Errorf("taking the lock %s: %v (GET_LOCK returned %v)", name, err, got)
	}
	// Best effort: a database the sweep could not drop now (another
	// sweeper's, or one still in use by a hoist that takes no lock) is
	// left for a later run, and must not fail this one.
	sweepScratch(ctx, conn)
	_, err := conn.ExecContext(ctx, "CREATE DATABASE "+spelling.QuoteIdent(name)+" "+options)
	return err
}

// sweepScratch drops the scratch databases that no session holds,
// skipping any it cannot list or drop.
func sweepScratch(ctx context.Context, conn *sql.Conn) {
	rows, err := conn.QueryContext(ctx,
		"SELECT SCHEMA_NAME FROM information_schema.SCHEMATA WHERE SCHEMA_NAME LIKE 'hoist\\_scratch\\_%' AND IS_FREE_LOCK(SCHEMA_NAME) = 1")
	if err != nil {
		return
	}
	var left []string
	for rows.Next() {
		var n string
		if rows.Scan(&n) == nil {
			left = append(left, n)
		}
	}
	rows.Close()
	if len(left) == 0 {
		return
	}
	// A session that still has the database open in a transaction
	// (a hoist that takes no lock) would hold DROP forever: wait 2 s.
	if _, err := conn.ExecContext(ctx, "SET @hoist_lock_wait = @@session.lock_wait_timeout, SESSION lock_wait_timeout = 2"); err != nil {
		return
	}
	defer conn.ExecContext(ctx, "SET SESSION lock_wait_timeout = @hoist_lock_wait") //nolint:errcheck // the connection is discarded after use
	for _, n := range left {
		// A database exists only once its owner holds its lock, and
		// is dropped before the owner lets the lock go: a free lock
		// means a dead owner. Another sweeper may drop it first.
		_, _ = conn.ExecContext(ctx, "DROP DATABASE IF EXISTS "+spelling.QuoteIdent(n))
	}
}
