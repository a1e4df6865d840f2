package postgres

import (
	"context"
	"crypto/rand"
	"database/sql"
	"database/sql/driver"
	"encoding/hex"
	"errors"
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

// ScratchReplay runs fn on one connection whose search path is a schema
// of its own, hoist_scratch_<random>, alone, so that what the replayed
// migrations create goes there and an unqualified name never reaches
// another schema. The schema is made in a transaction that is rolled
// back, so that nothing of it can outlive the call, even a killed
// process; with outside set (a migration that runs outside a
// transaction, such as CREATE INDEX CONCURRENTLY) it is committed
// instead and dropped with CASCADE afterwards. A name qualified with
// another schema (public.users) reaches that schema: in the transaction
// a change there is rolled back, outside it is not. The connection is
// discarded afterwards rather than returned to the pool with another
// search path. It needs the CREATE privilege on the database.
func (*Dialect) ScratchReplay(ctx context.Context, db *sql.DB, outside bool, fn func(q sdk.Tx, conn *sql.Conn) error) (err error) {
	conn, err := db.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	defer conn.Raw(func(any) error { return driver.ErrBadConn }) //nolint:errcheck // discards the connection
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	name := spelling.QuoteIdent("hoist_scratch_" + hex.EncodeToString(b))
	var q sdk.Tx = conn
	if !outside {
		tx, err := conn.BeginTx(ctx, nil)
		if err != nil {
			return err
		}
		defer tx.Rollback() //nolint:errcheck // the rollback is the point
		q = tx
	}
	if _, err := q.ExecContext(ctx, "CREATE SCHEMA "+name); err != nil {
		return fmt.Errorf("creating the scratch schema %s, where hoist replays the migrations (it needs the CREATE privilege on the database): %w", name, err)
	}
	// Dropped also in the transaction's case, in case a migration
	// committed it (a COMMIT in a Go migration).
	defer func() {
		if tx, ok := q.(*sql.Tx); ok {
			_ = tx.Rollback()
		}
		if _, derr := conn.ExecContext(context.WithoutCancel(ctx), "DROP SCHEMA IF EXISTS "+name+" CASCADE"); derr != nil && err == nil {
			err = fmt.Errorf("dropping the scratch schema %s: %w", name, derr)
		}
	}()
	if _, err := q.ExecContext(ctx, "SET search_path TO "+name); err != nil {
		return err
	}
	if !outside {
		return notOnPath(fn(q, nil))
	}
	return notOnPath(fn(q, conn))
}

// notOnPath adds to a replay that failed for a name the engine could
// not find (undefined_table, undefined_function, undefined_object) why
// that may be: the scratch schema is alone on the search path.
func notOnPath(err error) error {
	var coded interface{ SQLState() string }
	if err == nil || !errors.As(err, &coded) {
		return err
	}
	switch coded.SQLState() {
	case sqlStateUndefinedTable, "42883", "42704":
		return fmt.Errorf("%w\n(the migrations are replayed in a schema of their own, alone on the search path: a table made outside the migrations, or a function or type of an extension installed in another schema, is found there only when qualified with its schema, such as public.uuid_generate_v4())", err)
	}
	return err
}
