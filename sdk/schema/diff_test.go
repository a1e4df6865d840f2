package schema_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/hoistdb/hoist/sdk/schema"
)

// users builds a one-table schema of the given columns, keyed by id.
func users(cols ...*schema.ColumnDef) *schema.Schema {
	all := append([]*schema.ColumnDef{{Name: "id", Type: schema.TypeBigInt, AutoIncrement: true}}, cols...)
	return &schema.Schema{Tables: []*schema.TableDef{{Name: "users", Columns: all, PrimaryKey: []string{"id"}}}}
}

func str(name string, n int, nullable bool) *schema.ColumnDef {
	return &schema.ColumnDef{Name: name, Type: schema.TypeString, Length: n, Nullable: nullable}
}

func kinds(cs []schema.Change) string {
	var out []string
	for _, c := range cs {
		out = append(out, strings.TrimPrefix(fmt.Sprintf("%T", c), "schema."))
	}
	return strings.Join(out, " ")
}

// TestDiffRenameRules: a stated rename with a new definition renames
// then changes; a stale hint (already applied) is ignored; two dropped
// and two added alike are never guessed at.
func TestDiffRenameRules(t *testing.T) {
	live := users(str("email", 100, false), str("a", 10, true), str("b", 10, true))
	want := users(str("mail", 200, false), str("x", 10, true), str("y", 10, true))
	cs, err := schema.Diff(want, live, schema.DiffOptions{Renames: []schema.Rename{{Table: "users", From: "email", To: "mail"}}})
	if err != nil {
		t.Fatal(err)
	}
	if got, w := kinds(cs.Up), "RenameColumn AddColumn AddColumn ChangeColumn DropColumn DropColumn"; got != w {
		t.Fatalf("up %s, want %s", got, w)
	}
	if got, w := kinds(cs.Down), "AddColumn AddColumn ChangeColumn DropColumn DropColumn RenameColumn"; got != w {
		t.Fatalf("down %s, want %s", got, w)
	}
	stale := []schema.Rename{{Table: "users", From: "gone", To: "email"}}
	if cs, err := schema.Diff(live, live, schema.DiffOptions{Renames: stale}); err != nil || !cs.Empty() {
		t.Fatalf("a hint already applied: %v, %v; want no change", cs, err)
	}
}

// TestDiffWarnings: drops, narrowing and NOT NULL are warned about;
// widening is not.
func TestDiffWarnings(t *testing.T) {
	live := users(str("name", 100, true), str("code", 10, false), &schema.ColumnDef{Name: "n", Type: schema.TypeInteger}, str("bio", 10, true))
	want := users(str("name", 50, false), str("code", 20, false), &schema.ColumnDef{Name: "n", Type: schema.TypeBigInt})
	cs, err := schema.Diff(want, live, schema.DiffOptions{NoRenameDetection: true})
	if err != nil {
		t.Fatal(err)
	}
	got := strings.Join(cs.Warnings, "\n")
	w := "changes column users.name from string(100) null to string(50): NOT NULL fails if a row holds NULL; narrower, longer values are cut or refused\ndrops column users.bio and its data"
	if got != w {
		t.Fatalf("warnings:\n%s\nwant:\n%s", got, w)
	}
}

// TestDiffRefuses: what no engine changes safely in place is an error
// that says so.
func TestDiffRefuses(t *testing.T) {
	base := users(str("name", 10, false))
	noPK := users(str("name", 10, false))
	noPK.Tables[0].PrimaryKey = []string{"id", "name"}
	notAuto := users(str("name", 10, false))
	notAuto.Tables[0].Columns[0].AutoIncrement = false
	for _, c := range []struct {
		want *schema.Schema
		err  string
	}{
		{noPK, "table users: the primary key changes from (id) to (id, name); hoist cannot change a primary key"},
		{notAuto, "table users, column id: the column stops being self-numbering"},
	} {
		if _, err := schema.Diff(c.want, base, schema.DiffOptions{}); err == nil || !strings.Contains(err.Error(), c.err) {
			t.Errorf("Diff = %v, want %q", err, c.err)
		}
	}
}
