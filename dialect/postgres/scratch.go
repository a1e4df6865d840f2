package postgres

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"

	"github.com/hoistdb/hoist/sdk/schema"
)

var _ schema.Scratcher = (*Dialect)(nil)

// Scratch runs fn in a transaction that creates a schema of its own,
// puts it alone on the search path and is rolled back: nothing fn
// creates survives, and no other session ever sees it.
func (*Dialect) Scratch(ctx context.Context, db *sql.DB, fn func(q schema.Execer) error) error {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback() //nolint:errcheck // the rollback is the point
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	name := spelling.QuoteIdent("hoist_scratch_" + hex.EncodeToString(b))
	for _, st := range []string{"CREATE SCHEMA " + name, "SET LOCAL search_path TO " + name} {
		if _, err := tx.ExecContext(ctx, st); err != nil {
			return err
		}
	}
	return fn(tx)
}
