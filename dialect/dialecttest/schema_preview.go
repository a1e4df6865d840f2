package dialecttest

import (
	"context"
	"database/sql"
	"strings"
	"testing"

	"github.com/hoistdb/hoist/dialect"
	"github.com/hoistdb/hoist/sdk"
	"github.com/hoistdb/hoist/sdk/schema"
	"github.com/hoistdb/hoist/testkit"
)

// schemaPreview checks the SQL that dry runs show for schema migrations:
// Plan runs nothing; the statements it shows for pending schema
// migrations, each rendered against the schema the earlier ones would
// leave, make (run by hand on an empty database) the schema that Up
// makes; a rollback's dry run shows downs that undo it; and a schema
// migration after a pending Go migration, whose effect no dry run can
// know, shows a note instead of SQL.
func schemaPreview(t *testing.T, d dialect.Dialect, open func(t testing.TB) *testkit.DB) {
	t.Parallel()
	ctx := context.Background()
	db := open(t).DB
	base := schema.Migration(1, "base", func(s *schema.Builder) {
		s.CreateTable("teams", func(t *schema.Table) { t.ID(); t.String("name", 50) })
		s.CreateTable("members", func(t *schema.Table) {
			t.ID()
			t.BigInteger("team_id")
			t.Enum("role", "OWNER", "GUEST").EnumName("MemberRole").Default("GUEST")
		})
	})
	// Needs members and teams from 1: rendered against the empty
	// database it would fail, so its SQL shows that 1 was applied in
	// memory. On SQLite the key rebuilds members.
	alter := schema.Migration(2, "alter", func(s *schema.Builder) {
		s.AlterTable("members", func(t *schema.Table) {
			t.String("email", 100).Nullable().Index()
			t.ForeignKey("team_id").References("teams", "id")
		})
	})
	nothing := func(context.Context, sdk.Tx) error { return nil }
	goMig := sdk.GoMigration(3, "go", nothing, nothing)
	after := schema.Migration(4, "after go", func(s *schema.Builder) {
		s.CreateTable("notes", func(t *schema.Table) { t.ID(); t.Text("body") })
	})
	m, err := sdk.New(db, d, sdk.WithMigrations(base, alter, goMig, after))
	if err != nil {
		t.Fatal(err)
	}
	inspect := func(q schema.Querier) string {
		t.Helper()
		s, err := schema.Inspect(ctx, q, d)
		if err != nil {
			t.Fatal(err)
		}
		return s.String()
	}
	empty := inspect(db)

	plan, err := m.Plan(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if got := inspect(db); got != empty {
		t.Fatalf("Plan changed the schema:\n%s", got)
	}
	if len(plan.Applied) != 4 {
		t.Fatalf("Plan lists %d migrations, want 4:\n%s", len(plan.Applied), plan)
	}
	for i, a := range plan.Applied[:2] {
		if len(a.SQL) == 0 || a.Note != "" {
			t.Fatalf("Plan, migration %d: SQL %q, note %q; want its SQL:\n%s", i+1, a.SQL, a.Note, plan)
		}
	}
	if a := plan.Applied[3]; len(a.SQL) != 0 || !strings.Contains(a.Note, "SQL not shown") || !strings.Contains(a.Note, "3 go") {
		t.Fatalf("Plan, migration 4 after a pending Go migration: SQL %q, note %q; want a note naming migration 3", a.SQL, a.Note)
	}
	if !strings.Contains(plan.String(), "-- SQL not shown") {
		t.Errorf("Plan's String() leaves the note out:\n%s", plan)
	}
	// The statements shown, run by hand, make what Up makes.
	byHand := open(t).DB
	for _, a := range plan.Applied[:2] {
		execAllIn(t, byHand, a.SQL)
	}
	if _, err := m.UpTo(ctx, 2); err != nil {
		t.Fatal(err)
	}
	if got, want := inspect(byHand), inspect(db); got != want {
		t.Fatalf("the SQL Plan showed made:\n%s\nUp made:\n%s\ndiff:\n%s", got, want, lineDiff(want, got))
	}

	// Once the Go migration ran, the schema is read again: 4 has SQL.
	if _, err := m.UpTo(ctx, 3); err != nil {
		t.Fatal(err)
	}
	plan, err = m.Plan(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(plan.Applied) != 1 || len(plan.Applied[0].SQL) == 0 {
		t.Fatalf("Plan after the Go migration ran: %s; want the SQL of migration 4", plan)
	}

	// A rollback's dry run of 3, 2 and 1: 3 is Go, so 2 and 1 say so.
	back, err := m.Rollback(ctx, sdk.RollbackOptions{Steps: 3, DryRun: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(back.Applied) != 3 || back.Applied[1].Note == "" || len(back.Applied[1].SQL) != 0 || back.Applied[2].Note == "" {
		t.Fatalf("rollback dry run past a Go migration:\n%s\nwant notes for 2 and 1", back)
	}
	// Without the Go migration in the way, the downs shown undo 2 and 1.
	if _, err := m.Rollback(ctx, sdk.RollbackOptions{Steps: 1}); err != nil {
		t.Fatal(err)
	}
	back, err = m.Rollback(ctx, sdk.RollbackOptions{Steps: 2, DryRun: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(back.Applied) != 2 {
		t.Fatalf("rollback dry run of 2 and 1:\n%s", back)
	}
	for _, a := range back.Applied {
		if len(a.SQL) == 0 || a.Note != "" {
			t.Fatalf("rollback dry run, migration %d: SQL %q, note %q; want its SQL", a.Version, a.SQL, a.Note)
		}
		execAllIn(t, db, a.SQL)
	}
	if got := inspect(db); got != empty {
		t.Fatalf("the downs the dry run showed left:\n%s\nwant the empty schema", got)
	}
}

func execAllIn(t *testing.T, db *sql.DB, stmts []string) {
	t.Helper()
	for _, s := range stmts {
		if _, err := db.ExecContext(context.Background(), s); err != nil {
			t.Fatalf("%s: %v", s, err)
		}
	}
}
