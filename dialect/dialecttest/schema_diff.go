package dialecttest

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/hoistdb/hoist/dialect"
	"github.com/hoistdb/hoist/sdk"
	"github.com/hoistdb/hoist/sdk/schema"
	"github.com/hoistdb/hoist/testkit"
)

// RunSchemaDiff checks [schema.Diff], [schema.Settle] and
// [schema.Changeset.Render] of d against its real engine: a schema
// diffs to nothing against itself once both are read back; the traced
// example (widen a column, add one, add a table) applies, diffs to
// nothing afterwards, and its down restores the schema; renames are
// detected only when unambiguous and hints override; enums grow and
// refuse to shrink; indexes, unique indexes and foreign key actions
// change; tables are dropped only when asked; random changes of
// random schemas apply and roll back (see diffRandom); and
// [schema.Compare], which settles only the tables that can differ,
// finds exactly what settling the whole schema finds (diffPartial).
func RunSchemaDiff(t *testing.T, d dialect.Dialect, open func(t testing.TB) *testkit.DB) {
	t.Helper()
	t.Run("identical", func(t *testing.T) { t.Parallel(); diffIdentical(t, d, open) })
	t.Run("traced_example", func(t *testing.T) { t.Parallel(); diffTraced(t, d, open) })
	t.Run("renames", func(t *testing.T) { t.Parallel(); diffRenames(t, d, open) })
	t.Run("enums", func(t *testing.T) { t.Parallel(); diffEnums(t, d, open) })
	t.Run("keys", func(t *testing.T) { t.Parallel(); diffKeys(t, d, open) })
	t.Run("drop_tables", func(t *testing.T) { t.Parallel(); diffDropTables(t, d, open) })
	t.Run("inline_unique", func(t *testing.T) { t.Parallel(); diffInlineUnique(t, d, open) })
	t.Run("cycle", func(t *testing.T) { t.Parallel(); diffCycle(t, d, open) })
	t.Run("random", func(t *testing.T) { t.Parallel(); diffRandom(t, d, open) })
	t.Run("partial_settle", func(t *testing.T) { t.Parallel(); diffPartial(t, d, open) })
}

// differ runs the steps of a diff test on one database.
type differ struct {
	t   *testing.T
	d   dialect.Dialect
	db  *testkit.DB
	ctx context.Context
}

func newDiffer(t *testing.T, d dialect.Dialect, open func(t testing.TB) *testkit.DB) *differ {
	return &differ{t: t, d: d, db: open(t), ctx: context.Background()}
}

// migrate runs def's up through the Migrator, as an application would.
func (x *differ) migrate(defs ...*schema.Definition) {
	x.t.Helper()
	m, err := sdk.New(x.db.DB, x.d, sdk.WithMigrations(migrations(defs)...))
	if err != nil {
		x.t.Fatal(err)
	}
	if _, err := m.Up(x.ctx); err != nil {
		x.t.Fatal(err)
	}
}

func (x *differ) inspect() *schema.Schema {
	x.t.Helper()
	s, err := schema.Inspect(x.ctx, x.db.DB, x.d)
	if err != nil {
		x.t.Fatal(err)
	}
	return s
}

// desired describes a schema with the builder and settles it.
func (x *differ) desired(fn func(s *schema.Builder)) *schema.Schema {
	x.t.Helper()
	s, err := schema.Define(1, "desired", fn).Apply(&schema.Schema{})
	if err != nil {
		x.t.Fatal(err)
	}
	return x.settle(s)
}

func (x *differ) settle(s *schema.Schema) *schema.Schema {
	x.t.Helper()
	settled, err := schema.Settle(x.ctx, x.db.DB, x.d, s)
	if err != nil {
		x.t.Fatal(err)
	}
	return settled
}

func (x *differ) diff(desired *schema.Schema, opts schema.DiffOptions) (*schema.Changeset, *schema.Script) {
	x.t.Helper()
	cs, err := schema.Diff(desired, x.inspect(), opts)
	if err != nil {
		x.t.Fatal(err)
	}
	script, err := cs.Render(x.d)
	if err != nil {
		x.t.Fatal(err)
	}
	return cs, script
}

func (x *differ) exec(stmts []string) {
	x.t.Helper()
	for _, st := range stmts {
		if _, err := x.db.DB.ExecContext(x.ctx, st); err != nil {
			x.t.Fatalf("%v\nstatement: %s", err, st)
		}
	}
}

// same fails unless the database's schema diffs to nothing against
// want, and prints the same (column order included) unless loose.
func (x *differ) same(want *schema.Schema, what string, loose bool) {
	x.t.Helper()
	got := x.inspect()
	cs, err := schema.Diff(want, got, schema.DiffOptions{DropTables: true, NoRenameDetection: true})
	if err != nil {
		x.t.Fatalf("%s: %v", what, err)
	}
	if !cs.Empty() {
		x.t.Fatalf("%s: the schema differs from the one wanted by %v\ngot:\n%s\nwant:\n%s", what, cs.Up, got, want)
	}
	if !loose && got.String() != want.String() {
		x.t.Fatalf("%s: inspected:\n%s\nwant:\n%s\ndiff:\n%s", what, got, want, lineDiff(want.String(), got.String()))
	}
}

func joined(stmts []string) string { return strings.Join(stmts, ";\n") }

// diffIdentical: every random schema of RunSchema, migrated, diffs to
// nothing against its description settled in a scratch place.
func diffIdentical(t *testing.T, d dialect.Dialect, open func(t testing.TB) *testkit.DB) {
	const cases = 12
	for i := range cases {
		x := newDiffer(t, d, open)
		def := RandomSchema(uint64(100 + i))
		x.migrate(def)
		described, err := def.Apply(&schema.Schema{})
		if err != nil {
			t.Fatal(err)
		}
		cs, script, _ := x.compare(described, schema.DiffOptions{DropTables: true})
		if !cs.Empty() || len(script.Up) > 0 || len(script.Down) > 0 {
			t.Fatalf("case %d: identical schemas differ: %v\nup:\n%s", i, cs.Up, joined(script.Up))
		}
	}
	t.Logf("%d random schemas diffed to nothing against themselves on %s", cases, d.Name())
}

// diffTraced is the seed's traced example: users(id, name, email
// varchar 255); the models add a nullable phone, widen email to 500 and
// add posts. One up creates posts, adds phone, widens email; afterwards
// there is nothing to do; the down restores the first schema.
func diffTraced(t *testing.T, d dialect.Dialect, open func(t testing.TB) *testkit.DB) {
	x := newDiffer(t, d, open)
	usersDef := schema.Define(1, "users", func(s *schema.Builder) {
		s.CreateTable("users", func(t *schema.Table) { t.ID(); t.String("name", 100); t.String("email", 255) })
	})
	x.migrate(usersDef)
	before := x.inspect()
	want := x.desired(func(s *schema.Builder) {
		s.CreateTable("users", func(t *schema.Table) {
			t.ID()
			t.String("name", 100)
			t.String("email", 500)
			t.String("phone", 30).Nullable()
		})
		s.CreateTable("posts", func(t *schema.Table) {
			t.ID()
			t.BigInteger("user_id").Foreign().References("users", "id").OnDelete(schema.Cascade)
			t.String("title", 200)
		})
	})
	cs, script := x.diff(want, schema.DiffOptions{})
	kinds := fmt.Sprintf("%T", cs.Up)
	var got []string
	for _, c := range cs.Up {
		got = append(got, fmt.Sprintf("%T", c))
	}
	if w := "schema.AddColumn schema.ChangeColumn schema.CreateTable"; strings.Join(got, " ") != w {
		t.Fatalf("up changes %s %v, want %s", kinds, got, w)
	}
	if len(cs.Warnings) != 0 {
		t.Errorf("warnings %q, want none: nothing narrows or drops", cs.Warnings)
	}
	x.exec(script.Up)
	x.same(want, "after the up", false)
	if cs, _ := x.diff(want, schema.DiffOptions{}); !cs.Empty() {
		t.Fatalf("after the up, a second diff finds %v, want nothing", cs.Up)
	}
	x.exec(script.Down)
	x.same(before, "after the down", false)

	// The same changes as the file migrate:generate writes, run by the
	// Migrator as an ordinary SQL migration, up and rolled back.
	file, err := cs.SQLFile(d)
	if err != nil {
		t.Fatal(err)
	}
	fsys := fstest.MapFS{"20261202120000_generated.sql": {Data: []byte(file)}}
	m, err := sdk.New(x.db.DB, d, sdk.WithFS(fsys), sdk.WithMigrations(migrations([]*schema.Definition{usersDef})...))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := m.Up(x.ctx); err != nil {
		t.Fatalf("the generated file:\n%s\n%v", file, err)
	}
	x.same(want, "after the generated file's up", false)
	if _, err := m.Rollback(x.ctx, sdk.RollbackOptions{Steps: 1}); err != nil {
		t.Fatalf("rolling back the generated file:\n%s\n%v", file, err)
	}
	x.same(before, "after the generated file's down", false)
}

// diffRenames: one dropped and one added column alike are a rename
// (detected, and said so), and a row's value survives; two of each
// alike are not guessed at, but hints rename them; detection can be
// turned off.
func diffRenames(t *testing.T, d dialect.Dialect, open func(t testing.TB) *testkit.DB) {
	x := newDiffer(t, d, open)
	x.migrate(schema.Define(1, "users", func(s *schema.Builder) {
		s.CreateTable("users", func(t *schema.Table) {
			t.ID()
			t.String("email", 255).Unique()
			t.String("a", 20).Nullable()
			t.String("b", 20).Nullable()
		})
	}))
	before := x.inspect()
	x.exec([]string{"INSERT INTO users (email, a, b) VALUES ('ann@example.com', 'A', 'B')"})
	want := x.desired(func(s *schema.Builder) {
		s.CreateTable("users", func(t *schema.Table) {
			t.ID()
			t.String("email_address", 255)
			t.String("x", 20).Nullable()
			t.String("y", 20).Nullable()
			t.Unique("email_address").Name("users_email_key")
		})
	})
	cs, _ := x.diff(want, schema.DiffOptions{})
	if len(cs.Notes) != 1 || cs.Notes[0] != "renamed: users.email -> users.email_address (detected; use renamed_from to state it)" {
		t.Fatalf("notes %q, want the detected rename of email only", cs.Notes)
	}
	if n := len(cs.Warnings); n != 2 {
		t.Errorf("warnings %q, want the two ambiguous drops (a, b)", cs.Warnings)
	}
	if off, _ := x.diff(want, schema.DiffOptions{NoRenameDetection: true}); len(off.Notes) != 0 {
		t.Fatalf("with detection off, notes %q, want none", off.Notes)
	}
	hints := []schema.Rename{{Table: "users", From: "a", To: "y"}, {Table: "users", From: "b", To: "x"}}
	cs, script := x.diff(want, schema.DiffOptions{Renames: hints})
	if len(cs.Warnings) != 0 {
		t.Fatalf("with hints, warnings %q, want none: nothing is dropped", cs.Warnings)
	}
	if !strings.Contains(joined(script.Up), "RENAME COLUMN") {
		t.Fatalf("up does not rename:\n%s", joined(script.Up))
	}
	x.exec(script.Up)
	x.same(want, "after the renames", true)
	var email, xv, yv string
	if err := x.db.DB.QueryRowContext(x.ctx, "SELECT email_address, x, y FROM users").Scan(&email, &xv, &yv); err != nil {
		t.Fatal(err)
	}
	if email != "ann@example.com" || xv != "B" || yv != "A" {
		t.Fatalf("after the renames the row holds %q, %q, %q; want ann@example.com, B, A", email, xv, yv)
	}
	x.exec(script.Down)
	x.same(before, "after the down", false)
}

// diffEnums: a member appended is added (PostgreSQL: ALTER TYPE; MySQL
// and SQLite: the column redefined); a member removed or moved is an
// error that says which and why.
func diffEnums(t *testing.T, d dialect.Dialect, open func(t testing.TB) *testkit.DB) {
	x := newDiffer(t, d, open)
	orders := func(members ...string) func(s *schema.Builder) {
		return func(s *schema.Builder) {
			s.CreateTable("orders", func(t *schema.Table) {
				t.ID()
				t.Enum("status", members...).EnumName("OrderStatus").Default("PENDING")
			})
		}
	}
	x.migrate(schema.Define(1, "orders", orders("PENDING", "PAID")))
	for _, c := range []struct {
		members []string
		err     string
	}{
		{[]string{"PENDING"}, "member PAID was removed"},
		{[]string{"PAID", "PENDING"}, "members were reordered"},
	} {
		_, err := schema.Diff(x.desired(orders(c.members...)), x.inspect(), schema.DiffOptions{})
		if err == nil || !strings.Contains(err.Error(), c.err) {
			t.Errorf("members %v: Diff = %v, want an error saying %q", c.members, err, c.err)
		}
	}
	want := x.desired(orders("PENDING", "PAID", "REFUNDED"))
	cs, script := x.diff(want, schema.DiffOptions{})
	if cs.Empty() {
		t.Fatal("an appended member gives no change")
	}
	x.exec(script.Up)
	x.same(want, "after adding a member", false)
	x.exec([]string{"INSERT INTO orders (status) VALUES ('REFUNDED')"})
}

// diffKeys: an index added, a unique index made plain, a foreign key's
// action changed, a foreign key and its column added; the down undoes
// each.
func diffKeys(t *testing.T, d dialect.Dialect, open func(t testing.TB) *testkit.DB) {
	x := newDiffer(t, d, open)
	x.migrate(schema.Define(1, "base", func(s *schema.Builder) {
		s.CreateTable("teams", func(t *schema.Table) { t.ID(); t.String("name", 50).Unique() })
		s.CreateTable("members", func(t *schema.Table) {
			t.ID()
			t.BigInteger("team_id").Foreign().References("teams", "id").OnDelete(schema.Cascade)
			t.String("email", 100)
		})
	}))
	before := x.inspect()
	want := x.desired(func(s *schema.Builder) {
		s.CreateTable("teams", func(t *schema.Table) {
			t.ID()
			t.String("name", 50)
			t.Index("name").Name("teams_name_key")
		})
		s.CreateTable("members", func(t *schema.Table) {
			t.ID()
			t.BigInteger("team_id").Foreign().References("teams", "id").OnDelete(schema.Restrict)
			t.String("email", 100).Index()
			t.BigInteger("mentor_id").Nullable().Foreign().References("members", "id").OnDelete(schema.SetNull)
		})
	})
	cs, script := x.diff(want, schema.DiffOptions{})
	if cs.Empty() {
		t.Fatal("no changes found")
	}
	x.exec(script.Up)
	x.same(want, "after the up", false)
	x.exec(script.Down)
	x.same(before, "after the down", true)
}

// diffDropTables: a live table the desired schema lacks stays unless
// DropTables, which drops it with a warning; the down creates it again.
func diffDropTables(t *testing.T, d dialect.Dialect, open func(t testing.TB) *testkit.DB) {
	x := newDiffer(t, d, open)
	x.migrate(schema.Define(1, "base", func(s *schema.Builder) {
		s.CreateTable("teams", func(t *schema.Table) { t.ID(); t.String("name", 50).Index() })
		s.CreateTable("logs", func(t *schema.Table) {
			t.ID()
			t.BigInteger("team_id").Foreign().References("teams", "id")
		})
	}))
	before := x.inspect()
	want := x.desired(func(s *schema.Builder) {
		s.CreateTable("teams", func(t *schema.Table) { t.ID(); t.String("name", 50).Index() })
	})
	if cs, _ := x.diff(want, schema.DiffOptions{}); !cs.Empty() {
		t.Fatalf("without DropTables, changes %v, want none", cs.Up)
	}
	cs, script := x.diff(want, schema.DiffOptions{DropTables: true})
	if len(cs.Warnings) != 1 || cs.Warnings[0] != "drops table logs and its rows" {
		t.Fatalf("warnings %q, want the drop of logs", cs.Warnings)
	}
	x.exec(script.Up)
	x.same(want, "after the up", false)
	x.exec(script.Down)
	x.same(before, "after the down", false)
}

// diffInlineUnique: a UNIQUE written inline in a hand-made CREATE TABLE
// (an index the engine names: sqlite_autoindex_tags_1, label, tags_label_key)
// is the unique index the builder names tags_label_key: no change.
func diffInlineUnique(t *testing.T, d dialect.Dialect, open func(t testing.TB) *testkit.DB) {
	x := newDiffer(t, d, open)
	x.exec([]string{"CREATE TABLE tags (id BIGINT NOT NULL PRIMARY KEY, label VARCHAR(40) NOT NULL UNIQUE)"})
	want := x.desired(func(s *schema.Builder) {
		s.CreateTable("tags", func(t *schema.Table) { t.BigInteger("id"); t.Primary("id"); t.String("label", 40).Unique() })
	})
	if cs, _ := x.diff(want, schema.DiffOptions{}); !cs.Empty() {
		t.Fatalf("an inline UNIQUE differs from the builder's unique index: %v\nlive:\n%s", cs.Up, x.inspect())
	}
}

// diffCycle: two new tables that reference each other are created, the
// key that closes the circle added afterwards; the down drops them. On
// SQLite, adding that key rebuilds a referenced table (see
// dialect/sqlite/foreignkeys.go), here on a connection with foreign keys
// off.
func diffCycle(t *testing.T, d dialect.Dialect, open func(t testing.TB) *testkit.DB) {
	x := newDiffer(t, d, open)
	before := x.inspect()
	described := &schema.Schema{Tables: []*schema.TableDef{
		{Name: "authors", PrimaryKey: []string{"id"}, Columns: []*schema.ColumnDef{
			{Name: "id", Type: schema.TypeBigInt}, {Name: "best_book_id", Type: schema.TypeBigInt, Nullable: true}},
			ForeignKeys: []*schema.ForeignKeyDef{{Name: "authors_best_book_id_fkey", Columns: []string{"best_book_id"}, RefTable: "books", RefColumns: []string{"id"}}}},
		{Name: "books", PrimaryKey: []string{"id"}, Columns: []*schema.ColumnDef{
			{Name: "id", Type: schema.TypeBigInt}, {Name: "author_id", Type: schema.TypeBigInt}},
			ForeignKeys: []*schema.ForeignKeyDef{{Name: "books_author_id_fkey", Columns: []string{"author_id"}, RefTable: "authors", RefColumns: []string{"id"}}}},
	}}
	cs, err := schema.Diff(described, before, schema.DiffOptions{})
	if err != nil {
		t.Fatal(err)
	}
	script, err := cs.Render(d)
	if err != nil {
		t.Fatal(err)
	}
	x.exec(script.Up)
	want := x.settle(described)
	x.same(want, "after the up", false)
	x.exec(script.Down)
	x.same(before, "after the down", false)
}
