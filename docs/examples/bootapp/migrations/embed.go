// Package migrations holds the example's migrations, compiled into the
// binary.
package migrations

import (
	"context"
	"embed"

	"github.com/hoistdb/hoist/sdk"
)

// FS holds the SQL migrations of this directory.
//
//go:embed *.sql
var FS embed.FS

// Backfill is a migration written in Go: it gives every user without a
// display name their email address as one. It is a value, passed
// to sdk.WithMigrations; there is no registry.
var Backfill = sdk.GoMigration(20261121093000, "backfill_display_names",
	func(ctx context.Context, tx sdk.Tx) error {
		_, err := tx.ExecContext(ctx,
			"UPDATE users SET display_name = email WHERE display_name IS NULL")
		return err
	},
	func(ctx context.Context, tx sdk.Tx) error {
		_, err := tx.ExecContext(ctx, "UPDATE users SET display_name = NULL")
		return err
	})
