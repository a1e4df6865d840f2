package dialecttest

import (
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/hoistdb/hoist/dialect"
	"github.com/hoistdb/hoist/sdk/schema"
	"github.com/hoistdb/hoist/testkit"
)

// compare is migrate:generate's comparison of described with the
// database ([schema.Compare], which settles only the tables that can
// differ), checked against the diff of described settled whole: the
// same changes up and down, notes, warnings, statements and file. It
// returns Compare's changes and statements, and described settled.
func (x *differ) compare(described *schema.Schema, opts schema.DiffOptions) (*schema.Changeset, *schema.Script, *schema.Schema) {
	x.t.Helper()
	settled := x.settle(described)
	full, fullScript := x.diff(settled, opts)
	cs, err := schema.Compare(x.ctx, x.db.DB, x.d, described, opts)
	if err != nil {
		x.t.Fatalf("Compare: %v", err)
	}
	script, err := cs.Render(x.d)
	if err != nil {
		x.t.Fatal(err)
	}
	for _, c := range []struct {
		what      string
		got, want any
	}{
		{"up", cs.Up, full.Up}, {"down", cs.Down, full.Down},
		{"notes", cs.Notes, full.Notes}, {"warnings", cs.Warnings, full.Warnings},
		{"up statements", script.Up, fullScript.Up}, {"down statements", script.Down, fullScript.Down},
	} {
		if !reflect.DeepEqual(c.got, c.want) {
			x.t.Fatalf("Compare's %s differ from those of the whole schema settled:\ngot:  %s\nwant: %s", c.what, show(c.got), show(c.want))
		}
	}
	file, err := cs.SQLFile(x.d)
	if err != nil {
		x.t.Fatal(err)
	}
	if want, _ := full.SQLFile(x.d); file != want {
		x.t.Fatalf("Compare's file differs from that of the whole schema settled:\n%s", lineDiff(want, file))
	}
	return cs, script, settled
}

// show prints changes with the tables and columns they point to.
func show(v any) string {
	if changes, ok := v.([]schema.Change); ok {
		var out []string
		for _, c := range changes {
			s := fmt.Sprintf("%T%+v", c, c)
			switch c := c.(type) {
			case schema.CreateTable:
				s = "CreateTable " + c.Table.String()
			case schema.AddColumn:
				s = "AddColumn " + c.Table + "." + c.Column.String()
			case schema.ChangeColumn:
				s = "ChangeColumn " + c.Table + "." + c.Column.String()
			}
			out = append(out, s)
		}
		return strings.Join(out, "\n      ")
	}
	return fmt.Sprintf("%q", v)
}

// diffPartial: migrate:generate settles only the tables of the models
// that can differ from the database, and takes the others from the
// database; for an application's schema (keys between the tables, an
// enum, defaults of every kind) and the ways its models change, one at
// a time and all together, the changes are those of the whole schema
// settled (see differ.compare), apply, and roll back.
func diffPartial(t *testing.T, d dialect.Dialect, open func(t testing.TB) *testkit.DB) {
	app := schema.Define(1, "app", appSchema)
	base, err := app.Apply(&schema.Schema{})
	if err != nil {
		t.Fatal(err)
	}
	table := func(s *schema.Schema, name string) *schema.TableDef {
		t.Helper()
		tb := s.Table(name)
		if tb == nil {
			t.Fatalf("no table %s", name)
		}
		return tb
	}
	column := func(s *schema.Schema, tbl, name string) *schema.ColumnDef {
		t.Helper()
		c := table(s, tbl).Column(name)
		if c == nil {
			t.Fatalf("no column %s.%s", tbl, name)
		}
		return c
	}
	changes := []struct {
		name   string
		change func(s *schema.Schema)
		opts   schema.DiffOptions
	}{
		{"none", func(*schema.Schema) {}, schema.DiffOptions{}},
		{"new_column", func(s *schema.Schema) {
			tb := table(s, "users")
			tb.Columns = append(tb.Columns, &schema.ColumnDef{Name: "phone", Type: schema.TypeString, Length: 30, Nullable: true})
		}, schema.DiffOptions{}},
		{"widened_column", func(s *schema.Schema) { column(s, "posts", "title").Length = 300 }, schema.DiffOptions{}},
		{"new_index", func(s *schema.Schema) {
			tb := table(s, "comments")
			tb.Indexes = append(tb.Indexes, &schema.IndexDef{Name: "comments_created_at_idx", Columns: []string{"created_at"}})
		}, schema.DiffOptions{}},
		{"new_table", func(s *schema.Schema) {
			s.Tables = append(s.Tables, &schema.TableDef{Name: "likes", PrimaryKey: []string{"id"},
				Columns: []*schema.ColumnDef{
					{Name: "id", Type: schema.TypeBigInt, AutoIncrement: true},
					{Name: "post_id", Type: schema.TypeBigInt},
					{Name: "user_id", Type: schema.TypeBigInt},
				},
				ForeignKeys: []*schema.ForeignKeyDef{
					{Name: "likes_post_id_fkey", Columns: []string{"post_id"}, RefTable: "posts", RefColumns: []string{"id"}, OnDelete: schema.Cascade},
					{Name: "likes_user_id_fkey", Columns: []string{"user_id"}, RefTable: "users", RefColumns: []string{"id"}},
				}})
		}, schema.DiffOptions{}},
		{"enum_member", func(s *schema.Schema) {
			for _, c := range []*schema.ColumnDef{column(s, "posts", "status"), column(s, "invoices", "status")} {
				c.Values = append(slices.Clone(c.Values), "ARCHIVED")
			}
			if e := s.Enum("PostStatus"); e != nil {
				e.Values = append(e.Values, "ARCHIVED")
			}
		}, schema.DiffOptions{}},
		{"key_action", func(s *schema.Schema) { table(s, "members").ForeignKeys[0].OnDelete = schema.NoAction }, schema.DiffOptions{}},
		{"renamed_column", func(s *schema.Schema) { column(s, "teams", "name").Name = "title" },
			schema.DiffOptions{Renames: []schema.Rename{{Table: "teams", From: "name", To: "title"}}}},
		{"dropped_column_and_table", func(s *schema.Schema) {
			tb := table(s, "users")
			tb.Columns = slices.DeleteFunc(tb.Columns, func(c *schema.ColumnDef) bool { return c.Name == "bio" })
			s.Tables = slices.DeleteFunc(s.Tables, func(tb *schema.TableDef) bool { return tb.Name == "audit_log" })
		}, schema.DiffOptions{DropTables: true}},
	}
	together := slices.Clone(changes[1 : len(changes)-1]) // not the dropped table, which needs DropTables
	if d.Name() == "mysql" {
		// MySQL lets a key reference columns that an index only begins
		// with: the scratch place needs that index, and its columns.
		changes = append(changes, struct {
			name   string
			change func(s *schema.Schema)
			opts   schema.DiffOptions
		}{"key_to_an_index_prefix", func(s *schema.Schema) {
			s.Tables = append(s.Tables, &schema.TableDef{Name: "quotes", PrimaryKey: []string{"id"},
				Columns: []*schema.ColumnDef{
					{Name: "id", Type: schema.TypeBigInt, AutoIncrement: true},
					{Name: "post_title", Type: schema.TypeString, Length: 200},
				},
				ForeignKeys: []*schema.ForeignKeyDef{{Name: "quotes_post_title_fkey", Columns: []string{"post_title"}, RefTable: "posts", RefColumns: []string{"title"}}}})
		}, schema.DiffOptions{}})
	}
	all := func(s *schema.Schema) {
		for _, c := range together {
			c.change(s)
		}
	}
	changes = append(changes, struct {
		name   string
		change func(s *schema.Schema)
		opts   schema.DiffOptions
	}{"all_together", all, schema.DiffOptions{Renames: []schema.Rename{{Table: "teams", From: "name", To: "title"}}}})
	for _, c := range changes {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			x := newDiffer(t, d, open)
			x.migrate(app)
			before := x.inspect()
			described := base.Clone()
			c.change(described)
			described.Sort()
			cs, script, _ := x.compare(described, c.opts)
			if c.name == "none" {
				if !cs.Empty() {
					t.Fatalf("the schema differs from itself: %v", cs.Up)
				}
				return
			}
			if cs.Empty() {
				t.Fatal("the change gives no change")
			}
			x.exec(script.Up)
			if again, _, _ := x.compare(described, c.opts); !again.Empty() {
				t.Fatalf("after the up, Compare finds %v", again.Up)
			}
			x.exec(script.Down)
			if slices.ContainsFunc(cs.Notes, func(n string) bool { return strings.Contains(n, "cannot drop an enum member") }) {
				before = withMember(before, "PostStatus", "ARCHIVED") // as the notes say, the down leaves it
			}
			x.same(before, "after the down", true)
		})
	}
}

// withMember returns s with member appended to the named enum and to
// the columns that use it.
func withMember(s *schema.Schema, enum, member string) *schema.Schema {
	s = s.Clone()
	for _, e := range s.Enums {
		if e.Name == enum {
			e.Values = append(e.Values, member)
		}
	}
	for _, t := range s.Tables {
		for _, c := range t.Columns {
			if c.Enum == enum {
				c.Values = append(c.Values, member)
			}
		}
	}
	return s
}

// appSchema is an application's schema: organisations, users, teams
// and their members, posts with comments and tags, invoices, an audit
// log; keys between them (one to itself), a named enum two tables use,
// and defaults of every kind.
func appSchema(s *schema.Builder) {
	s.CreateTable("orgs", func(t *schema.Table) {
		t.ID()
		t.String("name", 100).Unique()
		t.Boolean("active").Default(true)
		t.Timestamp("created_at").UseCurrent()
	})
	s.CreateTable("users", func(t *schema.Table) {
		t.ID()
		t.BigInteger("org_id").Foreign().References("orgs", "id").OnDelete(schema.Cascade)
		t.String("email", 255).Unique()
		t.String("name", 100).Index()
		t.Text("bio").Nullable()
		t.SmallInteger("age").Default(0)
		t.Decimal("balance", 10, 2).Default(0)
		t.Timestamp("created_at").UseCurrent()
	})
	s.CreateTable("teams", func(t *schema.Table) {
		t.ID()
		t.BigInteger("org_id").Foreign().References("orgs", "id")
		t.String("name", 50)
		t.BigInteger("parent_id").Nullable().Foreign().References("teams", "id").OnDelete(schema.SetNull)
	})
	s.CreateTable("members", func(t *schema.Table) {
		t.ID()
		t.BigInteger("team_id").Foreign().References("teams", "id").OnDelete(schema.Cascade)
		t.BigInteger("user_id").Foreign().References("users", "id").OnDelete(schema.Cascade)
		t.String("role", 20).Default("member")
		t.Unique("team_id", "user_id").Name("members_team_user_key")
	})
	s.CreateTable("posts", func(t *schema.Table) {
		t.ID()
		t.BigInteger("user_id").Foreign().References("users", "id").OnDelete(schema.Cascade)
		t.String("title", 200)
		t.Text("body")
		t.Enum("status", "DRAFT", "PUBLISHED").EnumName("PostStatus").Default("DRAFT")
		t.Timestamp("published_at").Nullable()
		t.Index("title", "published_at")
	})
	s.CreateTable("comments", func(t *schema.Table) {
		t.ID()
		t.BigInteger("post_id").Foreign().References("posts", "id").OnDelete(schema.Cascade)
		t.BigInteger("user_id").Nullable().Foreign().References("users", "id").OnDelete(schema.SetNull)
		t.Text("body")
		t.Timestamp("created_at").UseCurrent()
	})
	s.CreateTable("tags", func(t *schema.Table) { t.ID(); t.String("label", 40).Unique() })
	s.CreateTable("post_tags", func(t *schema.Table) {
		t.BigInteger("post_id").Foreign().References("posts", "id").OnDelete(schema.Cascade)
		t.BigInteger("tag_id").Foreign().References("tags", "id").OnDelete(schema.Cascade)
		t.Primary("post_id", "tag_id")
	})
	s.CreateTable("invoices", func(t *schema.Table) {
		t.ID()
		t.BigInteger("org_id").Foreign().References("orgs", "id")
		t.Decimal("amount", 12, 2)
		t.EnumRef("status", "PostStatus").Default("DRAFT")
		t.Date("due_on").Nullable()
	})
	s.CreateTable("audit_log", func(t *schema.Table) {
		t.ID()
		t.BigInteger("user_id").Nullable()
		t.JSON("payload").Nullable()
		t.Timestamp("at").UseCurrent()
	})
}
