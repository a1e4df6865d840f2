package schema

import (
	"context"
	"database/sql"
	"slices"

	"github.com/hoistdb/hoist/dialect"
)

// settleChanged returns what [Settle] returns for desired, settling
// only what can differ from live. A table or enum that desired, as the
// catalogue would keep it ([Inspector.Catalogued]), describes exactly
// as live holds it (it prints the same, and [Diff] finds nothing
// between the two) is taken from live: settling reads back what the
// catalogue keeps, which is what live is. The rest (new tables,
// changed ones, the tables whose enum changed) is created in the
// scratch place with the enums it uses and what it references of the
// other tables (see referencedOnly: their keys, not their own foreign
// keys, so that the references stop there), and read back. On a database that matches its models but for
// a handful of tables, that is a handful of tables instead of all of
// them (every table costs the engine a file or two and a round trip),
// and no scratch place at all when nothing differs.
func settleChanged(ctx context.Context, db *sql.DB, dl dialect.Dialect, desired, live *Schema, opts DiffOptions) (*Schema, error) {
	ins, ok := dl.(Inspector)
	if !ok {
		return Settle(ctx, db, dl, desired) // which says what is missing
	}
	cat := ins.Catalogued(desired)
	changedEnums := map[string]bool{}
	for _, e := range cat.Enums {
		if l := live.Enum(e.Name); l == nil || l.String() != e.String() {
			changedEnums[e.Name] = true
		}
	}
	changed := map[string]bool{}
	for _, t := range cat.Tables {
		if !sameTable(t, live.Table(t.Name), opts) || slices.ContainsFunc(t.Columns, func(c *ColumnDef) bool { return changedEnums[c.Enum] }) {
			changed[t.Name] = true
		}
	}
	if len(changed) == len(desired.Tables) {
		return Settle(ctx, db, dl, desired)
	}

	part := &Schema{}
	referenced := map[string][]string{} // unchanged table: the columns referenced
	var order []string
	for _, t := range desired.Tables {
		if !changed[t.Name] {
			continue
		}
		part.Tables = append(part.Tables, t)
		for _, fk := range t.ForeignKeys {
			if !changed[fk.RefTable] {
				if _, ok := referenced[fk.RefTable]; !ok {
					order = append(order, fk.RefTable)
				}
				referenced[fk.RefTable] = append(referenced[fk.RefTable], fk.RefColumns...)
			}
		}
	}
	for _, name := range order {
		if rt := desired.Table(name); rt != nil {
			part.Tables = append(part.Tables, referencedOnly(rt, referenced[name]))
		}
	}
	for _, e := range desired.Enums {
		if changedEnums[e.Name] || slices.ContainsFunc(part.Tables, func(t *TableDef) bool {
			return slices.ContainsFunc(t.Columns, func(c *ColumnDef) bool { return c.Enum == e.Name })
		}) {
			part.Enums = append(part.Enums, e)
		}
	}

	settled := &Schema{}
	if len(part.Tables) > 0 || len(part.Enums) > 0 {
		var err error
		if settled, err = Settle(ctx, db, dl, part); err != nil {
			return nil, err
		}
	}
	out := &Schema{}
	for _, t := range cat.Tables {
		if changed[t.Name] {
			out.Tables = append(out.Tables, settled.Table(t.Name))
		} else {
			out.Tables = append(out.Tables, live.Table(t.Name).Clone())
		}
	}
	for _, e := range cat.Enums {
		if s := settled.Enum(e.Name); s != nil {
			out.Enums = append(out.Enums, s)
		} else {
			l := live.Enum(e.Name)
			out.Enums = append(out.Enums, &EnumDef{Name: l.Name, Values: slices.Clone(l.Values)})
		}
	}
	out.Sort()
	return out, nil
}

// referencedOnly returns what the scratch place needs of a table that
// only other tables' foreign keys need: its primary key, the referenced
// columns and the indexes on them (a key needs a unique index on the
// columns it references, MySQL any index that begins with them) with
// their columns, without self-numbering or defaults, and without
// foreign keys, checks or comments. Every index and column left out is
// a file or a statement less for the engine.
func referencedOnly(t *TableDef, columns []string) *TableDef {
	kept := append(slices.Clone(t.PrimaryKey), columns...)
	for _, ix := range t.Indexes {
		// MySQL takes any index that begins with the referenced columns,
		// such as one on (email, name) for a key to email.
		if slices.ContainsFunc(ix.Columns, func(c string) bool { return slices.Contains(columns, c) }) {
			kept = append(kept, ix.Columns...)
		}
	}
	keep := func(name string) bool { return slices.Contains(kept, name) }
	out := &TableDef{Name: t.Name, PrimaryKey: slices.Clone(t.PrimaryKey)}
	for _, c := range t.Columns {
		if keep(c.Name) {
			c = c.Clone()
			c.AutoIncrement, c.Default, c.Comment = false, nil, ""
			out.Columns = append(out.Columns, c)
		}
	}
	for _, ix := range t.Indexes {
		if !slices.ContainsFunc(ix.Columns, func(c string) bool { return !keep(c) }) {
			out.Indexes = append(out.Indexes, &IndexDef{Name: ix.Name, Columns: slices.Clone(ix.Columns), Unique: ix.Unique})
		}
	}
	return out
}

// sameTable reports whether want, a desired table as the catalogue
// would keep it, is live exactly: both print the same and Diff finds
// nothing between them (it compares an unknown type's spelling, which
// String leaves out).
func sameTable(want, live *TableDef, opts DiffOptions) bool {
	if live == nil || want.String() != live.String() {
		return false
	}
	cs, err := Diff(&Schema{Tables: []*TableDef{want}}, &Schema{Tables: []*TableDef{live}}, opts)
	return err == nil && cs.Empty()
}
