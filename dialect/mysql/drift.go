package mysql

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"fmt"

	"github.com/hoistdb/hoist/sdk"
	"github.com/hoistdb/hoist/sdk/schema"
)

var (
	_ sdk.DriftChecker = (*Dialect)(nil)
	_ schema.Replayer  = (*Dialect)(nil)
)

// CheckDrift compares db with what r replays, for [sdk.Migrator.Drift];
// see [schema.CheckDrift].
func (d *Dialect) CheckDrift(ctx context.Context, db *sql.DB, r *sdk.DriftReplay) (*sdk.Drift, error) {
	return schema.CheckDrift(ctx, db, d, r)
}

// ScratchReplay runs fn on one connection whose current database is a
// new one, hoist_scratch_<random>, with the character set and collation
// of db's (so that columns there take the same defaults), dropped
// afterwards. MySQL commits DDL as it goes, so outside changes nothing.
// A name qualified with another database reaches that database. The
// connection is then discarded rather than returned to the pool with
// another current database. It needs the CREATE and DROP privileges on
// that database.
func (*Dialect) ScratchReplay(ctx context.Context, db *sql.DB, _ bool, fn func(q sdk.Tx, conn *sql.Conn) error) (err error) {
	conn, err := db.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	defer conn.Raw(func(any) error { return driver.ErrBadConn }) //nolint:errcheck // discards the connection
	var charset, collation string
	if err := conn.QueryRowContext(ctx, "SELECT @@character_set_database, @@collation_database").Scan(&charset, &collation); err != nil {
		return err
	}
	name, err := newScratch(ctx, conn, "CHARACTER SET "+charset+" COLLATE "+collation)
	if err != nil {
		return fmt.Errorf("creating the scratch database %s, where hoist replays the migrations (it needs the CREATE and DROP privileges): %w", name, err)
	}
	defer func() {
		if _, derr := conn.ExecContext(context.WithoutCancel(ctx), "DROP DATABASE IF EXISTS "+name); derr != nil && err == nil {
			err = fmt.Errorf("dropping the scratch database %s: %w", name, derr)
		}
	}()
	if _, err := conn.ExecContext(ctx, "USE "+name); err != nil {
		return err
	}
	return fn(conn, conn)
}
