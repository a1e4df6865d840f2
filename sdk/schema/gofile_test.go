package schema_test

import (
	"context"
	"database/sql"
	"flag"
	"os"
	"testing"

	"github.com/hoistdb/hoist/sdk"
	"github.com/hoistdb/hoist/sdk/schema"
	"github.com/hoistdb/hoist/sdk/schema/internal/gentest"
)

var updateGo = flag.Bool("update-go", false, "rewrite internal/gentest's generated migrations")

type tracedUser struct {
	ID    int64          `db:"id" hoist:"pk;autoincrement"`
	Name  string         `db:"name" hoist:"size:100"`
	Email string         `db:"email" hoist:"size:500"`
	Phone sql.NullString `db:"phone" hoist:"size:30"`
	Level string         `db:"level" hoist:"type:decimal(4,1);default:1.5"`
	Mood  gentestMood    `db:"mood" hoist:"default:HAPPY"`
}

func (tracedUser) TableName() string { return "users" }

type gentestMood string

func (gentestMood) Values() []string { return []string{"HAPPY", "SAD"} }

type tracedPost struct {
	ID        int64  `db:"id" hoist:"pk;autoincrement"`
	UserID    int64  `db:"user_id" hoist:"fk:users.id;ondelete:cascade"`
	Title     string `db:"title" hoist:"size:200;index"`
	Published bool   `db:"published" hoist:"default:false"`
}

func (tracedPost) TableName() string { return "posts" }

var tracedBase = schema.Migration(1, "users", func(s *schema.Builder) {
	s.CreateTable("users", func(t *schema.Table) { t.ID(); t.String("name", 100); t.String("email", 255) })
})

// TestGoFile: the traced example written as a Go builder migration is
// internal/gentest/traced.go byte for byte on every engine, and that
// compiled migration, run by the Migrator, makes the database match the
// models; rolled back, it restores the first schema.
func TestGoFile(t *testing.T) {
	t.Parallel()
	m, err := schema.FromModels(tracedUser{}, tracedPost{})
	if err != nil {
		t.Fatal(err)
	}
	want, err := os.ReadFile("internal/gentest/traced.go")
	if err != nil && !*updateGo {
		t.Fatal(err)
	}
	for _, e := range engines {
		t.Run(e.name, func(t *testing.T) {
			t.Parallel()
			db := e.open(t)
			ctx := context.Background()
			mig, err := sdk.New(db.DB, e.d, sdk.WithMigrations(tracedBase))
			if err != nil {
				t.Fatal(err)
			}
			if _, err := mig.Up(ctx); err != nil {
				t.Fatal(err)
			}
			before, err := schema.Inspect(ctx, db.DB, e.d)
			if err != nil {
				t.Fatal(err)
			}
			cs, err := schema.Compare(ctx, db.DB, e.d, m.Schema, schema.DiffOptions{})
			if err != nil {
				t.Fatal(err)
			}
			src, err := cs.GoFile("gentest", "Traced", 20261202120000, "add phone to users", m.Schema)
			if err != nil {
				t.Fatal(err)
			}
			if *updateGo && e.name == "postgres" {
				if err := os.WriteFile("internal/gentest/traced.go", []byte(src), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			if src != string(want) {
				t.Fatalf("GoFile wrote:\n%s\nwant internal/gentest/traced.go:\n%s", src, want)
			}
			mig, err = sdk.New(db.DB, e.d, sdk.WithMigrations(tracedBase, gentest.Traced))
			if err != nil {
				t.Fatal(err)
			}
			if _, err := mig.Up(ctx); err != nil {
				t.Fatal(err)
			}
			if cs, err := schema.Compare(ctx, db.DB, e.d, m.Schema, schema.DiffOptions{}); err != nil || !cs.Empty() {
				t.Fatalf("after the generated Go migration, the models differ: %v, %v", cs.Up, err)
			}
			if _, err := mig.Rollback(ctx, sdk.RollbackOptions{Steps: 1}); err != nil {
				t.Fatal(err)
			}
			after, err := schema.Inspect(ctx, db.DB, e.d)
			if err != nil {
				t.Fatal(err)
			}
			if after.String() != before.String() {
				t.Fatalf("after the rollback:\n%s\nwant:\n%s", after, before)
			}
		})
	}
}
