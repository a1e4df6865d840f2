package schema_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/hoistdb/hoist/sdk/schema"
)

// Before: users, and posts that reference them.
type renameUser struct {
	ID    int64  `db:"id" hoist:"pk;autoincrement"`
	Email string `db:"email" hoist:"size:255;unique"`
}

func (renameUser) TableName() string { return "users" }

type renamePost struct {
	ID     int64  `db:"id" hoist:"pk;autoincrement"`
	UserID int64  `db:"user_id" hoist:"fk:users.id"`
	Title  string `db:"title" hoist:"size:100"`
}

func (renamePost) TableName() string { return "posts" }

// After: users are accounts, which they were, with a phone.
type renameAccount struct {
	ID    int64   `db:"id" hoist:"pk;autoincrement"`
	Email string  `db:"email" hoist:"size:255;unique"`
	Phone *string `db:"phone" hoist:"size:30"`
}

func (renameAccount) TableName() string   { return "accounts" }
func (renameAccount) RenamedFrom() string { return "users" }

type renamedPost struct {
	ID     int64  `db:"id" hoist:"pk;autoincrement"`
	UserID int64  `db:"user_id" hoist:"fk:accounts.id"`
	Title  string `db:"title" hoist:"size:100"`
}

func (renamedPost) TableName() string { return "posts" }

// An account without the hint.
type unhintedAccount struct {
	ID    int64   `db:"id" hoist:"pk;autoincrement"`
	Email string  `db:"email" hoist:"size:255;unique"`
	Phone *string `db:"phone" hoist:"size:30"`
}

func (unhintedAccount) TableName() string { return "accounts" }

// TestRenameTableFromHint, on each engine: a model whose RenamedFrom
// names a live table renames it (the up begins with the rename, keeps no
// create and no drop), the rows survive the up and a foreign key to it
// still holds; the models then agree with the database; the down
// renames it back, the rows still there. Without the hint, the new
// table is created and the old one kept, or dropped with DropTables.
func TestRenameTableFromHint(t *testing.T) {
	t.Parallel()
	before, err := schema.FromModels(renameUser{}, renamePost{})
	if err != nil {
		t.Fatal(err)
	}
	after, err := schema.FromModels(renameAccount{}, renamedPost{})
	if err != nil {
		t.Fatal(err)
	}
	unhinted, err := schema.FromModels(unhintedAccount{}, renamedPost{})
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range engines {
		t.Run(e.name, func(t *testing.T) {
			t.Parallel()
			db := e.open(t)
			ctx := context.Background()
			compare := func(m *schema.Models, opts schema.DiffOptions) *schema.Changeset {
				t.Helper()
				opts.Renames = m.Renames
				cs, err := schema.Compare(ctx, db.DB, e.d, m.Schema, opts)
				if err != nil {
					t.Fatal(err)
				}
				return cs
			}
			run := func(stmts []string) {
				t.Helper()
				for _, st := range stmts {
					if _, err := db.DB.ExecContext(ctx, st); err != nil {
						t.Fatalf("%v\nstatement: %s", err, st)
					}
				}
			}
			script := func(cs *schema.Changeset) *schema.Script {
				t.Helper()
				s, err := cs.Render(e.d)
				if err != nil {
					t.Fatal(err)
				}
				return s
			}
			run(script(compare(before, schema.DiffOptions{})).Up)
			run([]string{"INSERT INTO users (id, email) VALUES (1, 'ann@example.com')", "INSERT INTO posts (id, user_id, title) VALUES (1, 1, 'hello')"})

			for _, drop := range []bool{false, true} {
				cs := compare(unhinted, schema.DiffOptions{DropTables: drop})
				kinds := changeKinds(cs.Up)
				if !slices.Contains(kinds, "CreateTable accounts") || slices.Contains(kinds, "RenameTable users") || slices.Contains(kinds, "DropTable users") != drop {
					t.Errorf("without the hint (DropTables %v): %v; want accounts created, users dropped only with DropTables", drop, kinds)
				}
			}

			cs := compare(after, schema.DiffOptions{})
			kinds := changeKinds(cs.Up)
			if len(kinds) == 0 || kinds[0] != "RenameTable users" || slices.Contains(kinds, "CreateTable accounts") || slices.Contains(kinds, "DropTable users") {
				t.Fatalf("with RenamedFrom: %v; want the rename first, no create and no drop", kinds)
			}
			if !strings.Contains(strings.Join(cs.Notes, "\n"), "renamed: table users -> accounts (RenamedFrom)") {
				t.Errorf("notes %q lack the table rename", cs.Notes)
			}
			file, err := cs.SQLFile(e.d)
			if err != nil || !strings.Contains(file, "renamed: table users -> accounts") {
				t.Errorf("the SQL file (%v) does not say the table is renamed:\n%s", err, file)
			}
			sc := script(cs)
			run(sc.Up)
			var email string
			if err := db.DB.QueryRowContext(ctx, "SELECT email FROM accounts WHERE id = 1").Scan(&email); err != nil || email != "ann@example.com" {
				t.Fatalf("after the up, accounts row 1 has %q, %v; want the row of users", email, err)
			}
			run([]string{"INSERT INTO posts (id, user_id, title) VALUES (2, 1, 'again')"})
			if _, err := db.DB.ExecContext(ctx, "INSERT INTO posts (id, user_id, title) VALUES (3, 99, 'orphan')"); err == nil && e.name != "sqlite" {
				t.Error("after the rename, posts took a user_id no account has: the foreign key is gone")
			}
			if cs := compare(after, schema.DiffOptions{}); !cs.Empty() {
				t.Fatalf("after the up, the models still differ: %v", changeKinds(cs.Up))
			}
			run(sc.Down)
			if err := db.DB.QueryRowContext(ctx, "SELECT email FROM users WHERE id = 1").Scan(&email); err != nil || email != "ann@example.com" {
				t.Fatalf("after the down, users row 1 has %q, %v; want it back", email, err)
			}
			if cs := compare(before, schema.DiffOptions{DropTables: true}); !cs.Empty() {
				t.Fatalf("after the down, the first models differ: %v", changeKinds(cs.Up))
			}
		})
	}
}

// changeKinds names each change by its type and table.
func changeKinds(cs []schema.Change) []string {
	var out []string
	for _, c := range cs {
		switch c := c.(type) {
		case schema.CreateTable:
			out = append(out, "CreateTable "+c.Table.Name)
		case schema.DropTable:
			out = append(out, "DropTable "+c.Name)
		case schema.RenameTable:
			out = append(out, "RenameTable "+c.From)
		default:
			out = append(out, fmt.Sprintf("%T", c))
		}
	}
	return out
}
