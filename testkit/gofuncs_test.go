package testkit_test

import (
	"context"
	"strings"
	"testing"

	"github.com/hoistdb/hoist/sdk"
	"github.com/hoistdb/hoist/testkit"
)

// tablesOf returns which of the names are tables in db.
func tablesOf(t *testing.T, db *testkit.DB, names ...string) []string {
	t.Helper()
	var have []string
	for _, name := range names {
		if _, err := db.DB.ExecContext(context.Background(), "SELECT COUNT(*) FROM "+name); err == nil {
			have = append(have, name)
		}
	}
	return have
}

func createTable(table string) func(context.Context, sdk.Tx) error {
	return func(ctx context.Context, tx sdk.Tx) error {
		_, err := tx.ExecContext(ctx, "CREATE TABLE "+table+" (id INTEGER)")
		return err
	}
}

// Two sets of Go migrations alike in versions and names but not in
// code each get the database their own functions make.
func TestMigratedTellsGoMigrationsApart(t *testing.T) {
	t.Parallel()
	for _, e := range engines {
		t.Run(e.name, func(t *testing.T) {
			t.Parallel()
			name := "create_" + strings.NewReplacer(" ", "_", "/", "_").Replace(newSalt(t))
			t.Run("different_functions", func(t *testing.T) {
				alpha := []sdk.Option{sdk.WithMigrations(sdk.GoMigration(1, name, func(ctx context.Context, tx sdk.Tx) error {
					_, err := tx.ExecContext(ctx, "CREATE TABLE alpha (id INTEGER)")
					return err
				}, nil))}
				beta := []sdk.Option{sdk.WithMigrations(sdk.GoMigration(1, name, func(ctx context.Context, tx sdk.Tx) error {
					_, err := tx.ExecContext(ctx, "CREATE TABLE beta (id INTEGER)")
					return err
				}, nil))}
				testkit.DropTemplateAtEnd(t, e.name, alpha...)
				testkit.DropTemplateAtEnd(t, e.name, beta...)
				for _, c := range []struct {
					opts []sdk.Option
					want string
				}{{alpha, "alpha"}, {beta, "beta"}, {alpha, "alpha"}} {
					db := testkit.Migrated(t, e.open, c.opts...)
					if got := tablesOf(t, db, "alpha", "beta"); len(got) != 1 || got[0] != c.want {
						t.Errorf("the set that creates %s gave a database with tables %v", c.want, got)
					}
				}
				// Functions that capture nothing are cached: one
				// template each, built once.
				for _, opts := range [][]sdk.Option{alpha, beta} {
					if got := testkit.TemplateBuilds(t, e.name, opts...); got != 1 {
						t.Errorf("template built %d times, want 1", got)
					}
				}
			})
			t.Run("closures_of_one_literal", func(t *testing.T) {
				gamma := []sdk.Option{sdk.WithMigrations(sdk.GoMigration(1, name, createTable("gamma"), nil))}
				delta := []sdk.Option{sdk.WithMigrations(sdk.GoMigration(1, name, createTable("delta"), nil))}
				for _, c := range []struct {
					opts []sdk.Option
					want string
				}{{gamma, "gamma"}, {delta, "delta"}} {
					db := testkit.Migrated(t, e.open, c.opts...)
					if got := tablesOf(t, db, "gamma", "delta"); len(got) != 1 || got[0] != c.want {
						t.Errorf("the set that creates %s gave a database with tables %v", c.want, got)
					}
					// One code, values the key cannot see: no template.
					if got := testkit.TemplateBuilds(t, e.name, c.opts...); got != 0 {
						t.Errorf("a set of closures got a template (built %d times)", got)
					}
				}
			})
		})
	}
}
