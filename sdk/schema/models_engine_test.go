package schema_test

import (
	"context"
	"strings"
	"testing"

	"github.com/hoistdb/hoist/dialect"
	"github.com/hoistdb/hoist/dialect/mysql"
	"github.com/hoistdb/hoist/dialect/postgres"
	"github.com/hoistdb/hoist/dialect/sqlite"
	"github.com/hoistdb/hoist/sdk/schema"
	"github.com/hoistdb/hoist/sdk/schema/internal/modeltest"
	"github.com/hoistdb/hoist/testkit"
)

// engines are the real engines the package's tests run on (eachEngine).
var engines = []struct {
	name string
	d    dialect.Dialect
	open func(testing.TB, ...testkit.Option) *testkit.DB
}{
	{"postgres", postgres.New(), testkit.Postgres},
	{"mysql", mysql.New(), testkit.MySQL},
	{"sqlite", sqlite.New(), testkit.SQLite},
}

// TestModelsOnEngines: the models' schema is created on an empty
// database of each engine by the diff's up, after which the models and
// the database agree; a column renamed behind the models' back comes
// back by its renamed_from hint, keeping its data.
func TestModelsOnEngines(t *testing.T) {
	t.Parallel()
	m, err := schema.FromModels(modeltest.User{}, modeltest.Post{}, modeltest.Category{})
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range engines {
		t.Run(e.name, func(t *testing.T) {
			t.Parallel()
			db := e.open(t)
			ctx := context.Background()
			apply := func(what string, opts schema.DiffOptions) *schema.Changeset {
				t.Helper()
				cs, err := schema.Compare(ctx, db.DB, e.d, m.Schema, opts)
				if err != nil {
					t.Fatalf("%s: %v", what, err)
				}
				script, err := cs.Render(e.d)
				if err != nil {
					t.Fatalf("%s: %v", what, err)
				}
				for _, st := range script.Up {
					if _, err := db.DB.ExecContext(ctx, st); err != nil {
						t.Fatalf("%s: %v\nstatement: %s", what, err, st)
					}
				}
				return cs
			}
			if cs := apply("creating", schema.DiffOptions{}); cs.Empty() {
				t.Fatal("an empty database agrees with the models")
			}
			if cs := apply("again", schema.DiffOptions{}); !cs.Empty() {
				t.Fatalf("after the up, the models still differ: %v", cs.Up)
			}
			if _, err := db.DB.ExecContext(ctx, `INSERT INTO users (email_address, name, score, ratio, token, prefs, avatar) VALUES ('ann@example.com', 'Ann', 1, 0.5, '0b9f7c9e-4a7e-4d34-9b1b-2f1a6c3e5d7a', '{}', 'x')`); err != nil {
				t.Fatal(err)
			}
			if _, err := db.DB.ExecContext(ctx, "ALTER TABLE users RENAME COLUMN email_address TO email"); err != nil {
				t.Fatal(err)
			}
			cs := apply("renaming back", schema.DiffOptions{Renames: m.Renames})
			if len(cs.Up) != 1 || !strings.Contains(strings.Join(cs.Notes, "\n"), "renamed: users.email -> users.email_address (renamed_from)") {
				t.Fatalf("up %v, notes %q; want only the hinted rename", cs.Up, cs.Notes)
			}
			var email string
			if err := db.DB.QueryRowContext(ctx, "SELECT email_address FROM users").Scan(&email); err != nil || email != "ann@example.com" {
				t.Fatalf("after the rename, email_address = %q, %v; want the row's value kept", email, err)
			}
		})
	}
}

// TestModelsReferenceUnmodelled: a model whose foreign key references a
// table that no model maps (made by a hand-written migration) is
// compared as if that table were described as it is: no error, and no
// change to it, on every engine.
func TestModelsReferenceUnmodelled(t *testing.T) {
	t.Parallel()
	type invoice struct {
		ID        int64 `db:"id" hoist:"pk;autoincrement"`
		AccountID int64 `db:"account_id" hoist:"fk:accounts.id"`
	}
	m, err := schema.FromModels(invoice{})
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range engines {
		t.Run(e.name, func(t *testing.T) {
			t.Parallel()
			db := e.open(t)
			ctx := context.Background()
			if _, err := db.DB.ExecContext(ctx, "CREATE TABLE accounts (id BIGINT NOT NULL PRIMARY KEY, name VARCHAR(40) NOT NULL)"); err != nil {
				t.Fatal(err)
			}
			cs, err := schema.Compare(ctx, db.DB, e.d, m.Schema, schema.DiffOptions{DropTables: true})
			if err != nil {
				t.Fatal(err)
			}
			if len(cs.Up) != 1 {
				t.Fatalf("changes %v, want only invoices created", cs.Up)
			}
			if c, ok := cs.Up[0].(schema.CreateTable); !ok || c.Table.Name != "invoices" {
				t.Fatalf("change %v, want invoices created", cs.Up[0])
			}
		})
	}
}
