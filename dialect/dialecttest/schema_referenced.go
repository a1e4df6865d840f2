package dialecttest

import (
	"context"
	"testing"

	"github.com/hoistdb/hoist/dialect"
	"github.com/hoistdb/hoist/sdk"
	"github.com/hoistdb/hoist/sdk/schema"
	"github.com/hoistdb/hoist/testkit"
)

// schemaReferenced alters a table that another table references, with
// rows in both, in ways SQLite makes by rebuilding the table (a foreign
// key added, a column changed, an enum member added): the same builder
// migrations apply on every engine, keep every row (no ON DELETE CASCADE
// fires), leave the reference enforced, and roll back. On SQLite the
// connection has foreign keys on, as an application that uses them
// does, and has them on again afterwards.
func schemaReferenced(t *testing.T, d dialect.Dialect, ins schema.Inspector, open func(t testing.TB) *testkit.DB) {
	t.Parallel()
	db := open(t).DB
	ctx := context.Background()
	db.SetMaxOpenConns(1) // the migration's connection is the one read after
	sqlite := d.Name() == "sqlite"
	if sqlite {
		if _, err := db.ExecContext(ctx, "PRAGMA foreign_keys = ON"); err != nil {
			t.Fatal(err)
		}
	}
	base := schema.Define(1, "base", func(s *schema.Builder) {
		s.CreateTable("orgs", func(t *schema.Table) { t.ID() })
		s.CreateTable("teams", func(t *schema.Table) {
			t.ID()
			t.BigInteger("org_id")
			t.String("name", 50)
			t.Enum("tier", "FREE", "PRO").EnumName("TeamTier").Default("FREE")
		})
		s.CreateTable("members", func(t *schema.Table) {
			t.ID()
			t.BigInteger("team_id").Foreign().References("teams", "id").OnDelete(schema.Cascade)
		})
	})
	change := schema.DefineWithDown(2, "teams", func(s *schema.Builder) {
		s.AlterTable("teams", func(t *schema.Table) {
			t.ForeignKey("org_id").References("orgs", "id")
			t.String("name", 100).Change()
		})
	}, func(s *schema.Builder) {
		s.AlterTable("teams", func(t *schema.Table) {
			t.DropForeign("teams_org_id_fkey")
			t.String("name", 50).Change()
		})
	})
	member := schema.Define(3, "tier", func(s *schema.Builder) { s.AddEnumValue("TeamTier", "TEAM") })
	m, err := sdk.New(db, d, sdk.WithMigrations(base.Migration(), change.Migration(), member.Migration()))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := m.UpTo(ctx, 1); err != nil {
		t.Fatal(err)
	}
	for _, st := range []string{
		"INSERT INTO orgs (id) VALUES (1)",
		"INSERT INTO teams (id, org_id, name) VALUES (1, 1, 'a'), (2, 1, 'b')",
		"INSERT INTO members (id, team_id) VALUES (1, 1), (2, 2), (3, 2)",
	} {
		if _, err := db.ExecContext(ctx, st); err != nil {
			t.Fatalf("%s: %v", st, err)
		}
	}
	inspect := func() string {
		t.Helper()
		s, err := schema.Inspect(ctx, db, d)
		if err != nil {
			t.Fatal(err)
		}
		return s.String()
	}
	check := func(when string) {
		t.Helper()
		var n int
		if err := db.QueryRowContext(ctx, "SELECT count(*) FROM members").Scan(&n); err != nil || n != 3 {
			t.Errorf("%s: %d members (%v); want the 3 rows kept", when, n, err)
		}
		if _, err := db.ExecContext(ctx, "INSERT INTO members (id, team_id) VALUES (9, 99)"); err == nil {
			t.Errorf("%s: a member of a missing team was accepted; want the reference enforced", when)
		}
		if sqlite {
			var on int
			if err := db.QueryRowContext(ctx, "PRAGMA foreign_keys").Scan(&on); err != nil || on != 1 {
				t.Errorf("%s: foreign_keys = %d (%v); want it on again", when, on, err)
			}
		}
	}
	before := inspect()
	if _, err := m.UpTo(ctx, 2); err != nil {
		t.Fatalf("Up to 2: %v", err)
	}
	check("after the change")
	described, err := base.Apply(&schema.Schema{})
	if err == nil {
		described, err = change.Apply(described)
	}
	if err != nil {
		t.Fatal(err)
	}
	if got, want := inspect(), ins.Catalogued(described).String(); got != want {
		t.Fatalf("inspected:\n%s\nwant (described):\n%s\ndiff:\n%s", got, want, lineDiff(want, got))
	}
	if _, err := db.ExecContext(ctx, "INSERT INTO teams (id, org_id, name) VALUES (9, 99, 'x')"); err == nil {
		t.Error("a team of a missing org was accepted; want the new key enforced")
	}
	if _, err := m.Rollback(ctx, sdk.RollbackOptions{Steps: 1}); err != nil {
		t.Fatalf("Rollback: %v", err)
	}
	check("after the rollback")
	if got := inspect(); got != before {
		t.Fatalf("after rollback:\n%s\nwant (before):\n%s\ndiff:\n%s", got, before, lineDiff(before, got))
	}
	if _, err := m.Up(ctx); err != nil {
		t.Fatalf("Up: %v", err)
	}
	check("after the member was added")
	if _, err := db.ExecContext(ctx, "UPDATE teams SET tier = 'TEAM' WHERE id = 1"); err != nil {
		t.Errorf("the added member: %v", err)
	}
}
