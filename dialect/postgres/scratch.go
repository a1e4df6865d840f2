package postgres

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"fmt"

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
	if _, err := tx.ExecContext(ctx, "CREATE SCHEMA "+name); err != nil {
		return fmt.Errorf("creating the scratch schema %s, where hoist reads a described schema back, in a transaction it rolls back (it needs the CREATE privilege on the database): %w", name, err)
	}
	if _, err := tx.ExecContext(ctx, "SET LOCAL search_path TO "+name); err != nil {
		return err
	}
	return fn(tx)
}
