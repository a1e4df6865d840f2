package schema_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/hoistdb/hoist/sdk"
	"github.com/hoistdb/hoist/sdk/schema"
	"github.com/hoistdb/hoist/testkit"
)

func eachEngine(t *testing.T, f func(t *testing.T, db *testkit.DB)) {
	t.Helper()
	for _, e := range engines {
		t.Run(e.name, func(t *testing.T) {
			t.Parallel()
			f(t, e.open(t))
		})
	}
}

// The seed's relation examples, as three migrations: users and
// next_of_kins; personal access tokens owned by a user (TokenUser,
// owner, personalAccessTokens); and users' optional one-to-one next of
// kin through a unique foreign key, whose column maps to the field NokID.
var relationDefs = []*schema.Definition{
	schema.Define(1, "users", func(s *schema.Builder) {
		s.CreateTable("users", func(t *schema.Table) {
			t.ID()
			t.String("email", 255).Unique()
		})
		s.CreateTable("next_of_kins", func(t *schema.Table) {
			t.UUID("id")
			t.Primary("id")
			t.String("name", 100)
		})
	}),
	schema.Define(2, "create tokens", func(s *schema.Builder) {
		s.CreateTable("personal_access_tokens", func(t *schema.Table) {
			t.ID()
			t.BigInteger("user_id")
			t.String("value", 255).Unique()
			t.Timestamps()
			t.ForeignKey("user_id").References("users", "id").OnDelete(schema.Cascade).
				Alias("TokenUser").As("owner").InverseAlias("personalAccessTokens")
		})
	}),
	schema.Define(3, "next of kin", func(s *schema.Builder) {
		s.AlterTable("users", func(t *schema.Table) {
			t.UUID("nok_id").Nullable().Unique().Map("NokID")
			t.ForeignKey("nok_id").References("next_of_kins", "id").As("NextOfKin").InverseAlias("user")
		})
	}),
}

func migrations(defs []*schema.Definition) []sdk.Migration {
	var out []sdk.Migration
	for _, d := range defs {
		out = append(out, d.Migration())
	}
	return out
}

// described applies defs to an empty schema, as the builder describes
// them.
func described(t *testing.T, defs []*schema.Definition) *schema.Schema {
	t.Helper()
	s := &schema.Schema{}
	for _, d := range defs {
		var err error
		if s, err = d.Apply(s); err != nil {
			t.Fatal(err)
		}
	}
	return s
}

// names lists what the metadata is for in s: field names, relation
// names (by table and columns, since SQLite keeps no key names), enum
// names of columns, and enums with their members.
func names(s *schema.Schema) []string {
	var out []string
	for _, t := range s.Tables {
		for _, c := range t.Columns {
			if c.Field != "" {
				out = append(out, fmt.Sprintf("%s.%s field %s", t.Name, c.Name, c.Field))
			}
			if c.Enum != "" {
				out = append(out, fmt.Sprintf("%s.%s enum %s %v", t.Name, c.Name, c.Enum, c.Values))
			}
		}
		for _, fk := range t.ForeignKeys {
			if fk.Alias+fk.As+fk.InverseAlias != "" {
				out = append(out, fmt.Sprintf("%s(%s) alias %q as %q inverse %q", t.Name, strings.Join(fk.Columns, ","), fk.Alias, fk.As, fk.InverseAlias))
			}
		}
	}
	for _, e := range s.Enums {
		out = append(out, fmt.Sprintf("enum %s %v", e.Name, e.Values))
	}
	slices.Sort(out)
	return out
}

func inspectNames(t *testing.T, db *testkit.DB) []string {
	t.Helper()
	s, err := schema.InspectWithMetadata(context.Background(), db.DB, db.Dialect, "")
	if err != nil {
		t.Fatal(err)
	}
	return names(s)
}

func checkNames(t *testing.T, db *testkit.DB, when string, want []string) {
	t.Helper()
	if got := inspectNames(t, db); !slices.Equal(got, want) {
		t.Fatalf("%s: the names read back with the metadata are\n  %s\nwant\n  %s", when, strings.Join(got, "\n  "), strings.Join(want, "\n  "))
	}
}

func metaRows(t *testing.T, db *testkit.DB, version int64) int {
	t.Helper()
	var n int
	q := "SELECT COUNT(*) FROM " + db.Dialect.QuoteIdent("hoist_migrations_schema") + fmt.Sprintf(" WHERE version = %d", version)
	if err := db.DB.QueryRow(q).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// TestRelationMetadataKept: the relation names (Alias, As, InverseAlias) and
// field names (Map) of the seed's examples are kept with the history:
// read back after Up as the builder describes them, on every engine;
// gone with the migration that wrote them when it is rolled back; and
// cleared by ResetHistory and DeleteHistory.
func TestRelationMetadataKept(t *testing.T) {
	t.Parallel()
	eachEngine(t, func(t *testing.T, db *testkit.DB) {
		ctx := context.Background()
		m, err := sdk.New(db.DB, db.Dialect, sdk.WithMigrations(migrations(relationDefs)...))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := m.Up(ctx); err != nil {
			t.Fatal(err)
		}
		all := names(described(t, relationDefs))
		want := []string{
			`personal_access_tokens(user_id) alias "TokenUser" as "owner" inverse "personalAccessTokens"`,
			`users(nok_id) alias "" as "NextOfKin" inverse "user"`,
			`users.nok_id field NokID`,
		}
		if !slices.Equal(all, want) {
			t.Fatalf("described names %q; want %q", all, want)
		}
		checkNames(t, db, "after Up", all)
		s, err := schema.InspectWithMetadata(ctx, db.DB, db.Dialect, "")
		if err != nil {
			t.Fatal(err)
		}
		if ix := s.Table("users").Index("users_nok_id_key"); ix == nil || !ix.Unique {
			t.Fatalf("users has no unique index on nok_id: the one-to-one key is not unique:\n%s", s.Table("users"))
		}

		if _, err := m.Rollback(ctx, sdk.RollbackOptions{Steps: 1}); err != nil {
			t.Fatal(err)
		}
		checkNames(t, db, "after rolling back 3", names(described(t, relationDefs[:2])))
		if n := metaRows(t, db, 3); n != 0 {
			t.Fatalf("%d metadata rows of version 3 after its rollback; want none", n)
		}
		if _, err := m.Rollback(ctx, sdk.RollbackOptions{Steps: 1}); err != nil {
			t.Fatal(err)
		}
		checkNames(t, db, "after rolling back 2", nil)
		if _, err := m.Up(ctx); err != nil {
			t.Fatal(err)
		}
		checkNames(t, db, "after Up again", all)

		if err := m.ResetHistory(ctx); err != nil {
			t.Fatal(err)
		}
		checkNames(t, db, "after ResetHistory", nil)
		for v := int64(1); v <= 3; v++ {
			if n := metaRows(t, db, v); n != 0 {
				t.Fatalf("%d metadata rows of version %d after ResetHistory; want none", n, v)
			}
		}
		if err := m.DeleteHistory(ctx); err != nil {
			t.Fatal(err)
		}
		if s, err := schema.Inspect(ctx, db.DB, db.Dialect); err != nil {
			t.Fatal(err)
		} else if len(s.Tables) != 3 {
			t.Fatalf("after DeleteHistory: tables %v; want users, next_of_kins and personal_access_tokens only (no metadata table)", tableNames(s))
		}
		var n int
		err = db.DB.QueryRow("SELECT COUNT(*) FROM " + db.Dialect.QuoteIdent("hoist_migrations_schema")).Scan(&n)
		if err == nil || !db.Dialect.IsMissingTable(err) {
			t.Fatalf("reading the metadata table after DeleteHistory: %v; want it missing", err)
		}
	})
}

func tableNames(s *schema.Schema) []string {
	var out []string
	for _, t := range s.Tables {
		out = append(out, t.Name)
	}
	return out
}

// TestRelationMetadataRoundTrip: rolling back each of the seed's relation
// migrations restores the schema inspected before it.
func TestRelationMetadataRoundTrip(t *testing.T) {
	t.Parallel()
	eachEngine(t, func(t *testing.T, db *testkit.DB) {
		testkit.RoundTrip(t, db, sdk.WithMigrations(migrations(relationDefs)...))
	})
}

// TestRelationMetadataFollowsRenames: a later migration's renames and
// drops apply to the names an earlier one kept.
func TestRelationMetadataFollowsRenames(t *testing.T) {
	t.Parallel()
	defs := append(slices.Clone(relationDefs),
		schema.Define(4, "rename", func(s *schema.Builder) {
			s.RenameTable("personal_access_tokens", "api_tokens")
			s.AlterTable("users", func(t *schema.Table) { t.RenameColumn("nok_id", "next_of_kin_id") })
		}),
	)
	eachEngine(t, func(t *testing.T, db *testkit.DB) {
		m, err := sdk.New(db.DB, db.Dialect, sdk.WithMigrations(migrations(defs)...))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := m.Up(context.Background()); err != nil {
			t.Fatal(err)
		}
		checkNames(t, db, "after the renames", []string{
			`api_tokens(user_id) alias "TokenUser" as "owner" inverse "personalAccessTokens"`,
			`users(next_of_kin_id) alias "" as "NextOfKin" inverse "user"`,
			`users.next_of_kin_id field NokID`,
		})
	})
}

// TestRelationNamesAreIdentifiers: field and relation names become Go
// names in generated models, so anything but an identifier is refused
// before any SQL runs, naming the table, column or key.
func TestRelationNamesAreIdentifiers(t *testing.T) {
	t.Parallel()
	d := schema.Define(1, "bad names", func(s *schema.Builder) {
		s.CreateTable("users", func(t *schema.Table) { t.ID() })
		s.CreateTable("tokens", func(t *schema.Table) {
			t.ID()
			t.BigInteger("user_id").Map("User ID")
			t.ForeignKey("user_id").References("users", "id").Alias("Token-User").As("owner").InverseAlias("1tokens")
		})
	})
	for _, want := range []string{
		`table tokens, column user_id: Map("User ID"): a field name is an identifier`,
		`table tokens: foreign key tokens_user_id_fkey: Alias("Token-User"): a relation name is an identifier`,
		`table tokens: foreign key tokens_user_id_fkey: InverseAlias("1tokens"): a relation name is an identifier`,
	} {
		if d.Err == nil || !strings.Contains(d.Err.Error(), want) {
			t.Errorf("Err = %v; want it to say %q", d.Err, want)
		}
	}
	if d.Err != nil && strings.Contains(d.Err.Error(), `As("owner")`) {
		t.Errorf("Err = %v; As(\"owner\") is an identifier", d.Err)
	}
}

// TestReplayMetadata: the kept rows are replayed in order, so that a
// later migration's drop, re-creation, change or rename applies to what
// an earlier one kept, and rows of a kind this hoist does not know are
// refused rather than misread.
func TestReplayMetadata(t *testing.T) {
	t.Parallel()
	inspected := &schema.Schema{Tables: []*schema.TableDef{{
		Name: "tokens",
		Columns: []*schema.ColumnDef{
			{Name: "user_id", Type: schema.TypeBigInt},
			{Name: "kind", Type: schema.TypeEnum, Values: []string{"A", "B", "C"}},
			{Name: "code", Type: schema.TypeEnum, Values: []string{"A", "B"}},
		},
		ForeignKeys: []*schema.ForeignKeyDef{{Name: "tokens_user_id_fkey", Columns: []string{"user_id"}, RefTable: "users", RefColumns: []string{"id"}}},
	}}}
	rows := []sdk.SchemaMeta{
		// migration 1: a table whose names a later drop forgets
		{Version: 1, Kind: "column", Table: "tokens", Column: "user_id", Key: "Old"},
		{Version: 1, Kind: "relation", Table: "tokens", Column: "user_id", Key: "tokens_user_id_fkey", Value: `{"as":"old"}`},
		{Version: 1, Kind: "enum", Key: "Kind", Value: "A,B"},
		// migration 2: dropped and created again
		{Version: 2, Kind: "drop_table", Table: "tokens"},
		{Version: 2, Kind: "column", Table: "tokens", Column: "user_id", Key: "UserID"},
		{Version: 2, Kind: "column", Table: "tokens", Column: "kind", Value: "Kind"},
		{Version: 2, Kind: "column", Table: "tokens", Column: "code", Key: "Code", Value: "Kind"},
		{Version: 2, Kind: "relation", Table: "tokens", Column: "user_id", Key: "named_on_postgres", Value: `{"alias":"TokenUser","as":"owner"}`},
		// migration 3: a member added; code changed without a field name
		{Version: 3, Kind: "enum_value", Key: "Kind", Value: "C"},
		{Version: 3, Kind: "column", Table: "tokens", Column: "code", Value: "Kind"},
	}
	md, err := schema.ReplayMetadata(rows)
	if err != nil {
		t.Fatal(err)
	}
	got := names(schema.WithMetadata(inspected, md, false))
	want := []string{
		"enum Kind [A B C]",
		`tokens(user_id) alias "TokenUser" as "owner" inverse ""`,
		"tokens.kind enum Kind [A B C]",
		"tokens.user_id field UserID",
	}
	if !slices.Equal(got, want) {
		t.Fatalf("merged names\n  %s\nwant (code holds other members than Kind now, so it stays unnamed)\n  %s", strings.Join(got, "\n  "), strings.Join(want, "\n  "))
	}
	if got := names(schema.WithMetadata(inspected, md, true)); slices.Contains(got, "enum Kind [A B C]") || slices.Contains(got, "tokens.kind enum Kind [A B C]") {
		t.Fatalf("with named enums (PostgreSQL), the kept enum names were merged: %q", got)
	}
	_, err = schema.ReplayMetadata(append(rows, sdk.SchemaMeta{Version: 4, Kind: "index_hint"}))
	if err == nil || !strings.Contains(err.Error(), `migration 4: unknown kind "index_hint"`) {
		t.Fatalf("ReplayMetadata with an unknown kind: %v; want it refused, naming the migration and kind", err)
	}
}
