package dialecttest

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/hoistdb/hoist/dialect"
	"github.com/hoistdb/hoist/sdk"
	"github.com/hoistdb/hoist/sdk/schema"
	"github.com/hoistdb/hoist/testkit"
)

// schemaCase is a base migration, then one under test: applied, the
// inspected schema is what the builder describes; rolled back, it is
// what was inspected before. A dialect that cannot make the change must
// refuse it with an error holding refusal, having run none of it.
type schemaCase struct {
	name    string
	base    *schema.Definition
	change  *schema.Definition
	refusal string // what a refusing dialect's error says; "" when every dialect must apply it
}

func schemaCases() []schemaCase {
	base := schema.Define(1, "base", func(s *schema.Builder) {
		s.CreateTable("teams", func(t *schema.Table) { t.ID(); t.String("name", 50) })
		s.CreateTable("members", func(t *schema.Table) {
			t.ID()
			t.BigInteger("team_id")
			t.String("email", 100).Index()
			t.Enum("role", "OWNER", "GUEST").EnumName("MemberRole").Default("GUEST")
			t.Text("bio").Nullable() // last, so that a down adding it again restores the order
		})
	})
	return []schemaCase{
		{name: "add_foreign_key_to_existing_column", base: base,
			change: schema.Define(2, "fk", func(s *schema.Builder) {
				s.AlterTable("members", func(t *schema.Table) {
					t.ForeignKey("team_id").References("teams", "id").OnDelete(schema.Restrict)
				})
			}),
			refusal: "not supported yet"},
		{name: "enum_ref_from_earlier_migration", base: base,
			change: schema.Define(2, "enum ref", func(s *schema.Builder) {
				s.CreateTable("invites", func(t *schema.Table) {
					t.ID()
					t.EnumRef("role", "MemberRole").Default("OWNER")
				})
			}),
			refusal: "EnumRef: there is no enum MemberRole"},
		{name: "drops_with_explicit_down", base: base,
			change: schema.DefineWithDown(2, "drops", func(s *schema.Builder) {
				s.AlterTable("members", func(t *schema.Table) {
					t.DropIndex("members_email_idx")
					t.DropColumn("bio")
				})
				s.DropTable("teams")
			}, func(s *schema.Builder) {
				s.CreateTable("teams", func(t *schema.Table) { t.ID(); t.String("name", 50) })
				s.AlterTable("members", func(t *schema.Table) {
					t.Text("bio").Nullable()
					t.Index("email")
				})
			})},
		{name: "integer_primary_key", base: base,
			change: schema.Define(2, "int key", func(s *schema.Builder) {
				s.CreateTable("codes", func(t *schema.Table) {
					t.Integer("id")
					t.SmallInteger("rank")
					t.Primary("id")
				})
			})},
		{name: "change_columns", base: base,
			change: schema.DefineWithDown(2, "change", func(s *schema.Builder) {
				s.AlterTable("members", func(t *schema.Table) {
					t.String("email", 200).Nullable().Default("none").Comment("contact").Change()
					t.String("bio", 500).Change()
					t.BigInteger("team_id").Nullable().Change()
				})
			}, func(s *schema.Builder) {
				s.AlterTable("members", func(t *schema.Table) {
					t.String("email", 100).Change()
					t.Text("bio").Nullable().Change()
					t.BigInteger("team_id").Change()
				})
			})},
		{name: "change_primary_key", base: schema.Define(1, "codes", func(s *schema.Builder) {
			s.CreateTable("codes", func(t *schema.Table) {
				t.String("code", 20)
				t.Integer("rev")
				t.String("label", 50).Index()
				t.Primary("code")
			})
		}),
			change: schema.DefineWithDown(2, "key", func(s *schema.Builder) {
				s.AlterTable("codes", func(t *schema.Table) {
					t.Integer("branch").Default(0)
					t.Primary("code", "rev", "branch")
				})
			}, func(s *schema.Builder) {
				s.AlterTable("codes", func(t *schema.Table) { t.Primary("code") })
				s.AlterTable("codes", func(t *schema.Table) { t.DropColumn("branch") })
			})},
		{name: "change_primary_key_after_rename", base: schema.Define(1, "codes", func(s *schema.Builder) {
			s.CreateTable("codes", func(t *schema.Table) { t.String("code", 20); t.Integer("rev"); t.Primary("code") })
		}),
			// PostgreSQL's key keeps the name codes_pkey after the rename.
			change: schema.DefineWithDown(2, "key", func(s *schema.Builder) {
				s.RenameTable("codes", "versions")
				s.AlterTable("versions", func(t *schema.Table) { t.Primary("code", "rev") })
			}, func(s *schema.Builder) {
				s.AlterTable("versions", func(t *schema.Table) { t.Primary("code") })
				s.RenameTable("versions", "codes")
			})},
		{name: "rename_and_add", base: base,
			change: schema.Define(2, "rename", func(s *schema.Builder) {
				s.RenameTable("teams", "squads")
				s.AlterTable("members", func(t *schema.Table) {
					t.RenameColumn("bio", "about")
					t.Boolean("admin").Default(false)
					t.Unique("team_id", "email").Name("members_team_email")
				})
			})},
	}
}

// schemaAlter runs the cases of schemaCases on d.
func schemaAlter(t *testing.T, d dialect.Dialect, ins schema.Inspector, open func(t testing.TB) *testkit.DB) {
	for _, tc := range schemaCases() {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			db := open(t)
			ctx := context.Background()
			inspect := func() string {
				t.Helper()
				s, err := schema.Inspect(ctx, db.DB, d)
				if err != nil {
					t.Fatal(err)
				}
				return s.String()
			}
			m, err := sdk.New(db.DB, d, sdk.WithMigrations(tc.base.Migration(), tc.change.Migration()))
			if err != nil {
				t.Fatal(err)
			}
			if _, err := m.UpTo(ctx, tc.base.Version); err != nil {
				t.Fatal(err)
			}
			before := inspect()
			_, err = m.Up(ctx)
			if err != nil {
				if tc.refusal == "" || !strings.Contains(err.Error(), tc.refusal) {
					t.Fatalf("Up: %v", err)
				}
				if got := inspect(); got != before {
					t.Fatalf("a refused migration changed the schema:\n%s\nwas:\n%s", got, before)
				}
				t.Logf("%s refuses it: %v", d.Name(), err)
				return
			}
			described, err := tc.base.Apply(&schema.Schema{})
			if err != nil {
				t.Fatal(err)
			}
			if described, err = tc.change.Apply(described); err != nil {
				t.Fatal(err)
			}
			if got, want := inspect(), ins.Catalogued(described).String(); got != want {
				t.Fatalf("inspected:\n%s\nwant (described):\n%s\ndiff:\n%s", got, want, lineDiff(want, got))
			}
			if _, err := m.Rollback(ctx, sdk.RollbackOptions{Steps: 1}); err != nil {
				t.Fatalf("Rollback: %v", err)
			}
			if got := inspect(); got != before {
				t.Fatalf("after rollback:\n%s\nwant (before):\n%s\ndiff:\n%s", got, before, lineDiff(before, got))
			}
		})
	}
	t.Run("irreversible", func(t *testing.T) {
		t.Parallel()
		db := open(t)
		ctx := context.Background()
		create := schema.Migration(1, "create", func(s *schema.Builder) {
			s.CreateTable("notes", func(t *schema.Table) { t.ID(); t.Text("body") })
		})
		drop := schema.Migration(2, "drop", func(s *schema.Builder) {
			s.AlterTable("notes", func(t *schema.Table) { t.DropColumn("body") })
		})
		m, err := sdk.New(db.DB, d, sdk.WithMigrations(create, drop))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := m.Up(ctx); err != nil {
			t.Fatal(err)
		}
		if _, err := m.Rollback(ctx, sdk.RollbackOptions{Steps: 1}); !errors.Is(err, sdk.ErrIrreversible) {
			t.Fatalf("rolling back a dropped column: %v, want ErrIrreversible", err)
		}
	})
}
