package dialecttest

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/hoistdb/hoist/dialect"
	"github.com/hoistdb/hoist/sdk/schema"
	"github.com/hoistdb/hoist/testkit"
)

// diffCases is how many random pairs diffRandom applies per engine.
const diffCases = 20

// diffRandom is the property test of the diff: for random pairs A, B
// (A a random schema, B A changed at random by mutate), with A migrated,
// the up of Diff(B, A) applies and leaves B, which then diffs to
// nothing; its down applies and leaves A. The diff is [schema.Compare]'s,
// which settles only what differs, and must be that of B settled whole.
func diffRandom(t *testing.T, d dialect.Dialect, open func(t testing.TB) *testkit.DB) {
	changes := 0
	for i := range diffCases {
		x := newDiffer(t, d, open)
		def := RandomSchema(uint64(200 + i))
		x.migrate(def)
		a := x.inspect()
		described, err := def.Apply(&schema.Schema{})
		if err != nil {
			t.Fatal(err)
		}
		// SQLite rebuilds a table to change a column or key, and hoist
		// refuses to rebuild one that others reference (docs/schema.md).
		// Through migrate:generate's Compare, checked against the diff
		// of the whole schema settled.
		cs, script, b := x.compare(mutate(described, uint64(i), d.Name() == "sqlite"), schema.DiffOptions{DropTables: true})
		if cs.Empty() {
			t.Fatalf("case %d: the changed schema diffs to nothing", i)
		}
		changes += len(cs.Up)
		x.exec(script.Up)
		x.same(b, fmt.Sprintf("case %d, after the up %v", i, cs.Up), true)
		if again, _ := x.diff(b, schema.DiffOptions{DropTables: true}); !again.Empty() {
			t.Fatalf("case %d: after the up, a second diff finds %v", i, again.Up)
		}
		x.exec(script.Down)
		x.same(a, fmt.Sprintf("case %d, after the down %v\n%s", i, cs.Down, joined(script.Down)), true)
	}
	t.Logf("%d random schema pairs (%d changes) diffed, applied and rolled back on %s", diffCases, changes, d.Name())
}

// mutate returns s changed at random in the ways a model changes: a
// column added, dropped (with its indexes and keys), widened or made
// nullable, an index added or dropped, a foreign key's action changed,
// a table added or one nothing references dropped. With
// keepReferenced, the columns and keys of referenced tables stay.
func mutate(s *schema.Schema, seed uint64, keepReferenced bool) *schema.Schema {
	r := rand.New(rand.NewPCG(seed, 0xd1ff))
	s = s.Clone()
	referenced := func(t *schema.TableDef) bool {
		return slices.ContainsFunc(s.Tables, func(o *schema.TableDef) bool {
			return o != t && slices.ContainsFunc(o.ForeignKeys, func(fk *schema.ForeignKeyDef) bool { return fk.RefTable == t.Name })
		})
	}
	for ti, t := range s.Tables {
		frozen := keepReferenced && referenced(t)
		switch r.IntN(4) {
		case 0:
			t.Columns = append(t.Columns, &schema.ColumnDef{Name: fmt.Sprintf("added_%d", ti), Type: schema.TypeString, Length: 40, Nullable: true})
		case 1:
			if len(t.Columns) > 1 {
				gone := t.Columns[1+r.IntN(len(t.Columns)-1)].Name
				t.Columns = slices.DeleteFunc(t.Columns, func(c *schema.ColumnDef) bool { return c.Name == gone })
				t.Indexes = slices.DeleteFunc(t.Indexes, func(ix *schema.IndexDef) bool { return slices.Contains(ix.Columns, gone) })
				t.ForeignKeys = slices.DeleteFunc(t.ForeignKeys, func(fk *schema.ForeignKeyDef) bool { return slices.Contains(fk.Columns, gone) })
			}
		}
		for _, c := range t.Columns[1:] {
			switch {
			case frozen:
			case c.Type == schema.TypeString && r.IntN(2) == 0:
				c.Length += 10
			case !c.Nullable && r.IntN(3) == 0:
				c.Nullable = true
			}
		}
		if len(t.Indexes) > 0 && r.IntN(3) == 0 {
			t.Indexes = t.Indexes[1:]
		} else if i := slices.IndexFunc(t.Columns, func(c *schema.ColumnDef) bool { return c.Type == schema.TypeInteger || c.Type == schema.TypeBigInt }); i > 0 && r.IntN(2) == 0 {
			t.Indexes = append(t.Indexes, &schema.IndexDef{Name: t.Name + "_mut_idx", Columns: []string{t.Columns[i].Name}})
		}
		for _, fk := range t.ForeignKeys {
			if !frozen && r.IntN(2) == 0 {
				fk.OnDelete = map[schema.Action]schema.Action{schema.Cascade: schema.NoAction}[fk.OnDelete]
				if fk.OnDelete == schema.NoAction && r.IntN(2) == 0 {
					fk.OnDelete = schema.Cascade
				}
			}
		}
	}
	if r.IntN(2) == 0 && len(s.Tables) > 0 {
		ref := s.Tables[r.IntN(len(s.Tables))].Name
		s.Tables = append(s.Tables, &schema.TableDef{Name: fmt.Sprintf("new_%d", seed),
			Columns: []*schema.ColumnDef{
				{Name: "id", Type: schema.TypeBigInt, AutoIncrement: true},
				{Name: "ref_id", Type: schema.TypeBigInt, Nullable: true},
			},
			PrimaryKey:  []string{"id"},
			ForeignKeys: []*schema.ForeignKeyDef{{Name: fmt.Sprintf("new_%d_ref_id_fkey", seed), Columns: []string{"ref_id"}, RefTable: ref, RefColumns: []string{"id"}, OnDelete: schema.SetNull}},
		})
	}
	if r.IntN(3) == 0 {
		for i, t := range s.Tables {
			if !referenced(t) {
				s.Tables = slices.Delete(s.Tables, i, i+1)
				break
			}
		}
	}
	s.Sort()
	return s
}
