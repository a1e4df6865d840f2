package dialecttest

import (
	"context"
	"strings"
	"testing"

	"github.com/hoistdb/hoist/dialect"
	"github.com/hoistdb/hoist/sdk"
	"github.com/hoistdb/hoist/sdk/schema"
	"github.com/hoistdb/hoist/testkit"
)

// RunSchema checks the schema abilities of d ([schema.Renderer] and
// [schema.Inspector]) against its real engine: a series of builder
// migrations that uses every column type, modifier, index, foreign key
// and enum rule is applied through [sdk.Migrator.Up] one migration at a
// time, and after each the inspected schema is what the builder
// describes, as the engine's catalogue keeps it
// ([schema.Inspector.Catalogued]); then each migration is rolled back
// and the inspected schema is again the one inspected before it ran.
// A migration that the plan refuses runs no SQL. testkit.RoundTrip,
// which snapshots the schema its own way, agrees. Then the cases of
// schema_alter.go, and random schemas ([RandomSchema]) built, inspected
// and rolled back.
func RunSchema(t *testing.T, d dialect.Dialect, open func(t testing.TB) *testkit.DB) {
	t.Helper()
	ins, ok := d.(schema.Inspector)
	if !ok {
		t.Fatalf("dialecttest: %s has no schema.Inspector", d.Name())
	}
	t.Run("build_inspect_rollback", func(t *testing.T) {
		t.Parallel()
		db := open(t)
		ctx := context.Background()
		defs := SchemaMigrations()
		inspect := func() *schema.Schema {
			t.Helper()
			s, err := schema.Inspect(ctx, db.DB, d)
			if err != nil {
				t.Fatal(err)
			}
			return s
		}
		described := &schema.Schema{}
		snapshots := []string{inspect().String()}
		for i, def := range defs {
			m, err := sdk.New(db.DB, d, sdk.WithMigrations(migrations(defs[:i+1])...))
			if err != nil {
				t.Fatal(err)
			}
			if _, err := m.Up(ctx); err != nil {
				t.Fatalf("migration %d: %v", def.Version, err)
			}
			if described, err = def.Apply(described); err != nil {
				t.Fatal(err)
			}
			got, want := inspect().String(), ins.Catalogued(described).String()
			if got != want {
				t.Fatalf("after migration %d %q, inspected:\n%s\nwant (described):\n%s\ndiff:\n%s", def.Version, def.Name, got, want, lineDiff(want, got))
			}
			snapshots = append(snapshots, got)
		}
		m, err := sdk.New(db.DB, d, sdk.WithMigrations(migrations(defs)...))
		if err != nil {
			t.Fatal(err)
		}
		for i := len(defs) - 1; i >= 0; i-- {
			if _, err := m.Rollback(ctx, sdk.RollbackOptions{Steps: 1}); err != nil {
				t.Fatalf("rolling back %d: %v", defs[i].Version, err)
			}
			if got := inspect().String(); got != snapshots[i] {
				t.Fatalf("after rolling back %d %q, inspected:\n%s\nwant (before it ran):\n%s\ndiff:\n%s", defs[i].Version, defs[i].Name, got, snapshots[i], lineDiff(snapshots[i], got))
			}
		}
	})
	t.Run("round_trip", func(t *testing.T) {
		t.Parallel()
		testkit.RoundTrip(t, open(t), sdk.WithMigrations(migrations(SchemaMigrations())...))
	})
	t.Run("alter", func(t *testing.T) { schemaAlter(t, d, ins, open) })
	t.Run("random", func(t *testing.T) { schemaRandom(t, d, ins, open) })
	t.Run("rebuild_referenced", func(t *testing.T) { schemaReferenced(t, d, ins, open) })
	t.Run("preview", func(t *testing.T) { schemaPreview(t, d, open) })
	t.Run("refused_before_sql", func(t *testing.T) {
		t.Parallel()
		db := open(t)
		ctx := context.Background()
		bad := schema.Migration(2, "bad", func(s *schema.Builder) {
			s.CreateTable("tags", func(t *schema.Table) { t.ID(); t.Text("label") })
			s.CreateTable("posts", func(t *schema.Table) {
				t.ID()
				t.BigInteger("author_id").Foreign().References("authors", "id")
			})
		})
		m, err := sdk.New(db.DB, d, sdk.WithMigrations(bad))
		if err != nil {
			t.Fatal(err)
		}
		_, err = m.Up(ctx)
		if err == nil || !strings.Contains(err.Error(), "table posts, column author_id: foreign key posts_author_id_fkey references table authors, which does not exist") {
			t.Fatalf("Up = %v, want the unknown table named", err)
		}
		s, err := schema.Inspect(ctx, db.DB, d)
		if err != nil {
			t.Fatal(err)
		}
		if len(s.Tables) != 0 {
			t.Fatalf("a refused migration left tables behind:\n%s", s)
		}
	})
}

func migrations(defs []*schema.Definition) []sdk.Migration {
	var ms []sdk.Migration
	for _, d := range defs {
		ms = append(ms, d.Migration())
	}
	return ms
}

// lineDiff lists the lines of want missing from got (-) and the lines
// of got not in want (+).
func lineDiff(want, got string) string {
	in := func(s, line string) bool {
		for _, l := range strings.Split(s, "\n") {
			if l == line {
				return true
			}
		}
		return false
	}
	var b strings.Builder
	for _, l := range strings.Split(want, "\n") {
		if !in(got, l) {
			b.WriteString("- " + l + "\n")
		}
	}
	for _, l := range strings.Split(got, "\n") {
		if !in(want, l) {
			b.WriteString("+ " + l + "\n")
		}
	}
	return b.String()
}
