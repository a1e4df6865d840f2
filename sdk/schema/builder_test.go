package schema_test

import (
	"strings"
	"testing"

	"github.com/hoistdb/hoist/sdk/schema"
)

// tokens is the example migration, minus the alter of a table
// it does not create.
func tokens(s *schema.Builder) {
	s.CreateTable("users", func(t *schema.Table) {
		t.ID()
		t.String("email", 255).Unique()
	})
	s.CreateTable("personal_access_tokens", func(t *schema.Table) {
		t.ID()
		t.BigInteger("user_id")
		t.String("value", 255).Unique()
		t.Timestamps()
		t.ForeignKey("user_id").References("users", "id").OnDelete(schema.Cascade).Alias("TokenUser").As("owner")
	})
	s.CreateTable("orders", func(t *schema.Table) {
		t.ID()
		t.Enum("status", "PENDING", "PAID", "CANCELLED").EnumName("OrderStatus").Default("PENDING")
	})
}

func TestDescribedSchema(t *testing.T) {
	t.Parallel()
	d := schema.Define(20261201090000, "create tokens", tokens)
	got, err := d.Apply(&schema.Schema{})
	if err != nil {
		t.Fatal(err)
	}
	want := `enum OrderStatus (PENDING, PAID, CANCELLED)
table orders
  id bigint auto_increment
  status enum OrderStatus (PENDING, PAID, CANCELLED) default 'PENDING'
  primary key (id)
table personal_access_tokens
  id bigint auto_increment
  user_id bigint
  value string(255)
  created_at timestamp null
  updated_at timestamp null
  primary key (id)
  unique index personal_access_tokens_value_key (value)
  foreign key personal_access_tokens_user_id_fkey (user_id) references users (id) on delete cascade alias TokenUser as owner
table users
  id bigint auto_increment
  email string(255)
  primary key (id)
  unique index users_email_key (email)
`
	if got.String() != want {
		t.Errorf("described schema:\n%s\nwant:\n%s", got, want)
	}
	if len(d.Down) != 4 {
		t.Errorf("down has %d changes, want 4 (three drops and the enum): %#v", len(d.Down), d.Down)
	}
}

// TestBuilderErrors checks each mistake the builder reports before any
// SQL runs, and that the error names the migration, table and column.
func TestBuilderErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		fn   func(s *schema.Builder)
		want string
	}{
		{"enum_name_required", func(s *schema.Builder) {
			s.CreateTable("orders", func(t *schema.Table) { t.Enum("status", "A", "B") })
		}, `schema migration 7 "m": table orders, column status: an enum needs a name`},
		{"enum_member_not_identifier", func(s *schema.Builder) {
			s.CreateTable("orders", func(t *schema.Table) { t.Enum("status", "PENDING REVIEW").EnumName("S") })
		}, `table orders, column status: enum S: member "PENDING REVIEW" is not an identifier`},
		{"enum_member_dash", func(s *schema.Builder) {
			s.CreateTable("orders", func(t *schema.Table) { t.Enum("status", "A-B").EnumName("S") })
		}, `member "A-B" is not an identifier`},
		{"enum_duplicate_member", func(s *schema.Builder) {
			s.CreateTable("orders", func(t *schema.Table) { t.Enum("status", "A", "B", "A").EnumName("S") })
		}, `enum S: member "A" is listed twice`},
		{"enum_default_not_member", func(s *schema.Builder) {
			s.CreateTable("orders", func(t *schema.Table) { t.Enum("status", "A", "B").EnumName("S").Default("C") })
		}, `column status: default "C" is not a member of enum S`},
		{"enum_default_quoted", func(s *schema.Builder) {
			s.CreateTable("orders", func(t *schema.Table) { t.Enum("status", "A", "B").EnumName("S").Default("'A'") })
		}, `default "'A'" is not a member of enum S`},
		{"enum_reused_other_members", func(s *schema.Builder) {
			s.CreateTable("orders", func(t *schema.Table) { t.Enum("status", "A", "B").EnumName("S") })
			s.CreateTable("carts", func(t *schema.Table) { t.Enum("status", "A", "C").EnumName("S") })
		}, `table carts, column status: enum S is defined again with other members`},
		{"duplicate_column", func(s *schema.Builder) {
			s.CreateTable("users", func(t *schema.Table) { t.ID(); t.Text("name"); t.Text("name") })
		}, `table users, column name: column is added twice`},
		{"index_missing_column", func(s *schema.Builder) {
			s.CreateTable("users", func(t *schema.Table) { t.ID(); t.Index("nope") })
		}, `table users, column nope: index users_nope_idx names a column the table does not have`},
		{"fk_without_references", func(s *schema.Builder) {
			s.CreateTable("users", func(t *schema.Table) { t.ID(); t.BigInteger("org_id").Foreign() })
		}, `foreign key users_org_id_fkey references nothing`},
		{"default_wrong_type", func(s *schema.Builder) {
			s.CreateTable("users", func(t *schema.Table) { t.ID(); t.Integer("age").Default("ten") })
		}, `column age: default "ten" (string) does not fit the column's type, integer`},
		{"default_too_big", func(s *schema.Builder) {
			s.CreateTable("users", func(t *schema.Table) { t.ID(); t.SmallInteger("n").Default(70000) })
		}, `default 70000 does not fit a smallint`},
		{"default_too_long", func(s *schema.Builder) {
			s.CreateTable("users", func(t *schema.Table) { t.ID(); t.String("code", 2).Default("abc") })
		}, `default "abc" is longer than the column's 2 characters`},
		{"bad_decimal", func(s *schema.Builder) {
			s.CreateTable("users", func(t *schema.Table) { t.ID(); t.Decimal("price", 2, 3) })
		}, `decimal(2,3)`},
		{"drop_in_create", func(s *schema.Builder) {
			s.CreateTable("users", func(t *schema.Table) { t.ID(); t.DropColumn("x") })
		}, `DropColumn is for AlterTable`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			d := schema.Define(7, "m", tt.fn)
			if d.Err == nil || !strings.Contains(d.Err.Error(), tt.want) {
				t.Fatalf("error = %v, want one containing %q", d.Err, tt.want)
			}
		})
	}
}

// TestPlanErrors checks the mistakes only the schema a migration runs
// on reveals.
func TestPlanErrors(t *testing.T) {
	t.Parallel()
	base := schema.Define(1, "base", func(s *schema.Builder) {
		s.CreateTable("users", func(t *schema.Table) { t.ID() })
	})
	current, err := base.Apply(&schema.Schema{})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		fn   func(s *schema.Builder)
		want string
	}{
		{"unknown_referenced_table", func(s *schema.Builder) {
			s.CreateTable("tokens", func(t *schema.Table) {
				t.ID()
				t.BigInteger("team_id").Foreign().References("teams", "id")
			})
		}, `table tokens, column team_id: foreign key tokens_team_id_fkey references table teams, which does not exist`},
		{"unknown_referenced_column", func(s *schema.Builder) {
			s.CreateTable("tokens", func(t *schema.Table) {
				t.ID()
				t.BigInteger("user_id").Foreign().References("users", "uid")
			})
		}, `references column users.uid, which does not exist`},
		{"alter_missing_table", func(s *schema.Builder) {
			s.AlterTable("teams", func(t *schema.Table) { t.Text("x").Nullable() })
		}, `table teams: there is no such table`},
		{"enum_ref_unknown", func(s *schema.Builder) {
			s.CreateTable("orders", func(t *schema.Table) { t.ID(); t.EnumRef("status", "OrderStatus") })
		}, `column status: EnumRef: there is no enum OrderStatus`},
		{"create_existing_table", func(s *schema.Builder) {
			s.CreateTable("users", func(t *schema.Table) { t.ID() })
		}, `table users: the table exists already`},
		{"index_on_missing_column", func(s *schema.Builder) {
			s.AlterTable("users", func(t *schema.Table) { t.Index("email") })
		}, `table users, column email: index users_email_idx names a column the table does not have`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			d := schema.Define(8, "m", tt.fn)
			if d.Err != nil {
				t.Fatalf("builder error %v; the mistake is for the plan to find", d.Err)
			}
			_, err := d.Apply(current)
			if err == nil || !strings.Contains(err.Error(), tt.want) || !strings.Contains(err.Error(), `migration 8 "m"`) {
				t.Fatalf("error = %v, want one naming the migration and containing %q", err, tt.want)
			}
		})
	}
}

// TestEnumRef reuses an enum defined earlier in the same migration and
// checks the default against its members.
func TestEnumRef(t *testing.T) {
	t.Parallel()
	define := func(dflt string) *schema.Definition {
		return schema.Define(1, "m", func(s *schema.Builder) {
			s.CreateTable("orders", func(t *schema.Table) { t.ID(); t.Enum("status", "PENDING", "PAID").EnumName("OrderStatus") })
			s.CreateTable("refunds", func(t *schema.Table) { t.ID(); t.EnumRef("status", "OrderStatus").Default(dflt) })
		})
	}
	got, err := define("PAID").Apply(&schema.Schema{})
	if err != nil {
		t.Fatal(err)
	}
	if c := got.Table("refunds").Column("status"); c.String() != "status enum OrderStatus (PENDING, PAID) default 'PAID'" {
		t.Errorf("refunds.status = %s", c)
	}
	if d := define("LOST"); d.Err == nil || !strings.Contains(d.Err.Error(), `default "LOST" is not a member of enum OrderStatus`) {
		t.Errorf("error = %v, want the default refused", d.Err)
	}
}

// TestIrreversible: a drop makes the derived down unknown, and an
// explicit down restores reversibility.
func TestIrreversible(t *testing.T) {
	t.Parallel()
	drop := func(s *schema.Builder) { s.DropTable("users") }
	if schema.Migration(1, "drop", drop).Reversible() {
		t.Error("a migration that drops a table is reversible, want irreversible")
	}
	withDown := schema.MigrationWithDown(1, "drop", drop, func(s *schema.Builder) {
		s.CreateTable("users", func(t *schema.Table) { t.ID() })
	})
	if !withDown.Reversible() {
		t.Error("MigrationWithDown is irreversible, want reversible")
	}
	change := func(s *schema.Builder) {
		s.AlterTable("users", func(t *schema.Table) { t.String("email", 500).Change() })
	}
	if schema.Migration(1, "change", change).Reversible() {
		t.Error("a migration that changes a column is reversible, want irreversible")
	}
	if !schema.Migration(1, "create", tokens).Reversible() {
		t.Error("a migration that creates tables is irreversible, want reversible")
	}
}

// TestRelationMetadata: the relation examples keep what no
// catalogue holds in the described model: relation names, the Go field
// name, and a unique nullable key (an optional one-to-one).
func TestRelationMetadata(t *testing.T) {
	t.Parallel()
	d := schema.Define(20261201090000, "relations", func(s *schema.Builder) {
		tokens(s)
		s.CreateTable("next_of_kins", func(t *schema.Table) { t.UUID("id"); t.Primary("id") })
		s.AlterTable("users", func(t *schema.Table) {
			t.UUID("nok_id").Nullable().Unique().Map("NokID")
			t.ForeignKey("nok_id").References("next_of_kins", "id").As("NextOfKin").InverseAlias("user")
		})
	})
	got, err := d.Apply(&schema.Schema{})
	if err != nil {
		t.Fatal(err)
	}
	users := got.Table("users")
	if c := users.Column("nok_id"); c.String() != "nok_id uuid null field NokID" {
		t.Errorf("users.nok_id = %s", c)
	}
	if fk := users.ForeignKey("users_nok_id_fkey"); fk == nil || fk.As != "NextOfKin" || fk.InverseAlias != "user" {
		t.Errorf("users foreign key = %v, want As NextOfKin, InverseAlias user", fk)
	}
	if ix := users.Index("users_nok_id_key"); ix == nil || !ix.Unique {
		t.Errorf("users_nok_id_key = %v, want a unique index (one-to-one)", ix)
	}
	fk := got.Table("personal_access_tokens").ForeignKey("personal_access_tokens_user_id_fkey")
	if fk.Alias != "TokenUser" || fk.As != "owner" || fk.OnDelete != schema.Cascade {
		t.Errorf("tokens foreign key = %s", fk)
	}
	if c := got.Catalogued(); strings.Contains(c.String(), "NokID") || strings.Contains(c.String(), "TokenUser") {
		t.Errorf("Catalogued kept names no catalogue holds:\n%s", c)
	}
}
