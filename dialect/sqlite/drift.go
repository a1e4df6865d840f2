package sqlite

import (
	"context"
	"database/sql"

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

// ScratchReplay runs fn on one connection to a :memory: database opened
// with db's driver, which is gone once closed: nothing is left on disk,
// even after a kill. Statements run in autocommit, so outside changes
// nothing.
func (d *Dialect) ScratchReplay(ctx context.Context, db *sql.DB, _ bool, fn func(q sdk.Tx, conn *sql.Conn) error) error {
	mem, err := memoryDB(db)
	if err != nil {
		return err
	}
	defer mem.Close()
	conn, err := mem.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	return fn(conn, conn)
}
