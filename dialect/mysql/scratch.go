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
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	name := spelling.QuoteIdent("hoist_scratch_" + hex.EncodeToString(b))
	if _, err := conn.ExecContext(ctx, "CREATE DATABASE "+name+" CHARACTER SET utf8mb4"); err != nil {
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
