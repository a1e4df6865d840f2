package schema

import (
	"errors"
	"fmt"
	"slices"
	"strings"
)

// DiffOptions tune [Diff].
type DiffOptions struct {
	// DropTables drops the live tables the desired schema lacks. Off by
	// default: a table missing from the models is more often a model not
	// passed in than a table to destroy.
	DropTables bool
	// NoRenameDetection turns off the guess that one dropped and one
	// added column of the same definition are a rename; hints still
	// apply.
	NoRenameDetection bool
	// Renames state renames ([Rename]); they override detection.
	Renames []Rename
}

// Rename says that column From of Table is called To in the desired
// schema (a model's renamed_from), or, with Table empty, that table From
// is (a model's RenamedFrom method). A hint whose From is gone and whose
// To exists is already applied and ignored; so is a table hint whose
// From is still desired or whose To already exists. Tables are renamed
// only from a hint, never guessed: a table missing and one new are a
// creation (and a drop, with DropTables).
type Rename struct{ Table, From, To string }

// Changeset is what [Diff] found: the changes that make the live schema
// the desired one, in the order they must run, and the changes that undo
// them, in theirs.
type Changeset struct {
	Up, Down []Change
	// Notes say what was guessed (detected renames) or left out of the
	// down (PostgreSQL cannot drop an enum member).
	Notes []string
	// Warnings name the changes that lose data or may fail on existing
	// rows: drops, narrowing type changes, NOT NULL on a nullable column.
	Warnings []string

	desired, live *Schema
}

// Empty reports whether the schemas agree.
func (c *Changeset) Empty() bool { return len(c.Up) == 0 }

// Diff compares desired with live and returns the changes that make live
// desired, and their inverse. Both are compared as they are: give it two
// schemas read by the same inspector ([Settle] reads a described schema
// back through a scratch database) so that spelling differences do not
// show as changes. Comments and check constraints are not compared (a
// model cannot state them); a changed primary key or self-numbering
// column is an error, as is an enum member removed or moved.
func Diff(desired, live *Schema, opts DiffOptions) (*Changeset, error) {
	d := &differ{desired: desired, live: live, opts: opts}
	d.enums()
	// The changeset keeps the live schema as it is, since its up begins
	// with the renames; the tables compare under their new names.
	full := live
	live = d.renameTables(live)
	var created, dropped []*TableDef
	for _, t := range desired.Tables {
		if lt := live.Table(t.Name); lt == nil {
			created = append(created, t)
		} else {
			d.table(t, lt)
		}
	}
	for _, t := range live.Tables {
		if desired.Table(t.Name) == nil && opts.DropTables {
			dropped = append(dropped, t)
		}
	}
	order, deferred := tableOrder(created)
	for _, t := range order {
		c := withoutImplicit(t)
		c.ForeignKeys = slices.DeleteFunc(c.ForeignKeys, func(fk *ForeignKeyDef) bool {
			return slices.ContainsFunc(deferred, func(x *ForeignKeyDef) bool { return x.Name == fk.Name && tableOf(desired, x) == t.Name })
		})
		d.creates = append(d.creates, pair{CreateTable{Table: c}, DropTable{Name: t.Name}})
	}
	for _, fk := range deferred {
		t := tableOf(desired, fk)
		d.lateFKs = append(d.lateFKs, pair{AddForeignKey{Table: t, ForeignKey: fk}, DropForeignKey{Table: t, Name: fk.Name, Columns: fk.Columns}})
	}
	order, deferred = tableOrder(dropped)
	for _, fk := range deferred {
		t := tableOf(live, fk)
		d.dropFKs = append(d.dropFKs, pair{DropForeignKey{Table: t, Name: fk.Name, Columns: fk.Columns}, AddForeignKey{Table: t, ForeignKey: fk}})
	}
	for i := len(order) - 1; i >= 0; i-- {
		t := withoutImplicit(order[i])
		t.ForeignKeys = slices.DeleteFunc(t.ForeignKeys, func(fk *ForeignKeyDef) bool {
			return slices.ContainsFunc(deferred, func(x *ForeignKeyDef) bool { return x.Name == fk.Name && tableOf(live, x) == t.Name })
		})
		d.dropTables = append(d.dropTables, pair{DropTable{Name: t.Name}, CreateTable{Table: t}})
		d.warn("drops table %s and its rows", t.Name)
	}
	for _, e := range live.Enums {
		if desired.Enum(e.Name) == nil {
			d.dropEnums = append(d.dropEnums, pair{DropEnum{Name: e.Name}, CreateEnum{Enum: e}})
		}
	}
	if len(d.errs) > 0 {
		return nil, errors.Join(d.errs...)
	}
	cs := &Changeset{Notes: d.notes, Warnings: d.warnings, desired: desired, live: full}
	// Existing tables change before new ones are created, so that a
	// table SQLite must rebuild is not yet referenced by a new one; keys
	// to new tables follow their creation.
	for _, group := range [][]pair{d.newEnums, d.renames, d.dropFKs, d.dropIndexes, d.addColumns, d.changes,
		d.addIndexes, d.addFKs, d.creates, d.lateFKs, d.dropColumns, d.dropTables, d.dropEnums} {
		for _, p := range group {
			cs.Up = append(cs.Up, p.up)
			if p.down != nil {
				cs.Down = append(cs.Down, p.down)
			}
		}
	}
	slices.Reverse(cs.Down)
	return cs, nil
}

// pair is a change and the one that undoes it (nil when none can).
type pair struct{ up, down Change }

type differ struct {
	desired, live *Schema
	opts          DiffOptions

	newEnums, renames, dropFKs, dropIndexes, creates, addColumns, changes,
	addIndexes, addFKs, lateFKs, dropColumns, dropTables, dropEnums []pair

	notes, warnings []string
	errs            []error
}

func (d *differ) fail(table, column, format string, args ...any) {
	d.errs = append(d.errs, &Error{Table: table, Column: column, Msg: fmt.Sprintf(format, args...)})
}

func (d *differ) warn(format string, args ...any) {
	d.warnings = append(d.warnings, fmt.Sprintf(format, args...))
}

// enums creates the named enums the live schema lacks and appends the
// members it lacks. A member cannot be removed or moved: PostgreSQL has
// no statement for either, and rows may hold it.
func (d *differ) enums() {
	for _, e := range d.desired.Enums {
		l := d.live.Enum(e.Name)
		if l == nil {
			d.newEnums = append(d.newEnums, pair{CreateEnum{Enum: e}, DropEnum{Name: e.Name}})
			continue
		}
		if msg := enumGrowth(l.Values, e.Values); msg != "" {
			d.fail("", "", "enum %s: %s", e.Name, msg)
			continue
		}
		for _, v := range e.Values[len(l.Values):] {
			d.newEnums = append(d.newEnums, pair{AddEnumValue{Enum: e.Name, Value: v}, nil})
			d.notes = append(d.notes, fmt.Sprintf("the down leaves member %s in enum %s: PostgreSQL cannot drop an enum member", v, e.Name))
		}
	}
}

// enumGrowth says why want is not live with members appended, or "".
func enumGrowth(live, want []string) string {
	for _, v := range live {
		if !slices.Contains(want, v) {
			return fmt.Sprintf("member %s was removed (database %v, wanted %v); rows may hold it and PostgreSQL cannot drop a member: write this migration by hand", v, live, want)
		}
	}
	if len(want) < len(live) || !slices.Equal(want[:len(live)], live) {
		return fmt.Sprintf("members were reordered (database %v, wanted %v); only appending members is supported, since the order is the sort order of existing rows", live, want)
	}
	return ""
}

// table compares one table present on both sides.
func (d *differ) table(want, live *TableDef) {
	name := want.Name
	if !slices.Equal(want.PrimaryKey, live.PrimaryKey) {
		d.fail(name, "", "the primary key changes from (%s) to (%s); hoist cannot change a primary key: write this migration by hand",
			strings.Join(live.PrimaryKey, ", "), strings.Join(want.PrimaryKey, ", "))
		return
	}
	var added, gone []*ColumnDef
	for _, c := range want.Columns {
		if live.Column(c.Name) == nil {
			added = append(added, c)
		}
	}
	for _, c := range live.Columns {
		if want.Column(c.Name) == nil {
			gone = append(gone, c)
		}
	}
	renamed := d.matchRenames(name, added, gone)
	for _, c := range want.Columns {
		from := c.Name
		if r, ok := renamed[c.Name]; ok {
			from = r
		} else if slices.Contains(added, c) {
			d.addColumns = append(d.addColumns, pair{AddColumn{Table: name, Column: c}, DropColumn{Table: name, Column: c.Name}})
			if !c.Nullable && c.Default == nil && !c.AutoIncrement {
				d.warn("adds column %s.%s NOT NULL without a default, which fails if the table has rows", name, c.Name)
			}
			continue
		}
		lc := live.Column(from)
		if sameColumn(c, lc) {
			continue
		}
		if c.AutoIncrement != lc.AutoIncrement {
			d.fail(name, c.Name, "the column %s self-numbering; hoist cannot change that: write this migration by hand", map[bool]string{false: "stops being", true: "becomes"}[c.AutoIncrement])
			continue
		}
		if c.Type == TypeEnum && lc.Type == TypeEnum && c.Enum == "" && lc.Enum == "" {
			if msg := enumGrowth(lc.Values, c.Values); msg != "" {
				d.fail(name, c.Name, "enum column: %s", msg)
				continue
			}
		}
		old := lc.Clone()
		old.Name = c.Name
		d.changes = append(d.changes, pair{ChangeColumn{Table: name, Column: c}, ChangeColumn{Table: name, Column: old}})
		if why := narrowing(lc, c); why != "" {
			d.warn("changes column %s.%s from %s to %s: %s", name, c.Name, columnSpec(lc), columnSpec(c), why)
		}
	}
	for _, c := range gone {
		if slices.Contains(slices.Collect(mapValues(renamed)), c.Name) {
			continue
		}
		d.dropColumns = append(d.dropColumns, pair{DropColumn{Table: name, Column: c.Name}, AddColumn{Table: name, Column: c}})
		d.warn("drops column %s.%s and its data", name, c.Name)
	}
	d.indexes(want, live, renamed)
	d.foreignKeys(want, live, renamed)
}

// renameTables renames the tables that the table hints of d.opts.Renames
// name, where they apply, and returns live with those tables under their
// new names, the foreign keys that refer to them too; live itself when
// no hint applies. The engines carry the references along with the
// table, so the keys are not changes.
func (d *differ) renameTables(live *Schema) *Schema {
	out := live
	for _, r := range d.opts.Renames {
		if r.Table != "" || r.From == "" || r.To == "" || r.From == r.To ||
			out.Table(r.From) == nil || out.Table(r.To) != nil || d.desired.Table(r.To) == nil || d.desired.Table(r.From) != nil {
			continue
		}
		if out == live {
			out = live.Clone()
		}
		out.Table(r.From).Name = r.To
		for _, t := range out.Tables {
			for _, fk := range t.ForeignKeys {
				if fk.RefTable == r.From {
					fk.RefTable = r.To
				}
			}
		}
		d.renames = append(d.renames, pair{RenameTable{From: r.From, To: r.To}, RenameTable{From: r.To, To: r.From}})
		d.notes = append(d.notes, fmt.Sprintf("renamed: table %s -> %s (RenamedFrom)", r.From, r.To))
	}
	return out
}

// matchRenames returns the renames of one table, new name to old: the
// hints that apply, then, unless turned off, each added column whose
// definition only one dropped column has, and that dropped column only
// that added one.
func (d *differ) matchRenames(table string, added, gone []*ColumnDef) map[string]string {
	out := map[string]string{}
	taken := map[string]bool{}
	has := func(list []*ColumnDef, name string) bool {
		return slices.ContainsFunc(list, func(c *ColumnDef) bool { return c.Name == name })
	}
	for _, r := range d.opts.Renames {
		if r.Table == table && has(gone, r.From) && has(added, r.To) && !taken[r.From] {
			out[r.To], taken[r.From] = r.From, true
			d.renames = append(d.renames, pair{RenameColumn{Table: table, From: r.From, To: r.To}, RenameColumn{Table: table, From: r.To, To: r.From}})
			d.notes = append(d.notes, fmt.Sprintf("renamed: %s.%s -> %s.%s (renamed_from)", table, r.From, table, r.To))
		}
	}
	if d.opts.NoRenameDetection {
		return out
	}
	for _, a := range added {
		if _, ok := out[a.Name]; ok {
			continue
		}
		var from []*ColumnDef
		for _, g := range gone {
			if !taken[g.Name] && renameKey(g) == renameKey(a) {
				from = append(from, g)
			}
		}
		if len(from) != 1 {
			continue
		}
		rivals := 0
		for _, o := range added {
			if _, ok := out[o.Name]; !ok && renameKey(o) == renameKey(a) {
				rivals++
			}
		}
		if rivals != 1 {
			continue
		}
		g := from[0]
		out[a.Name], taken[g.Name] = g.Name, true
		d.renames = append(d.renames, pair{RenameColumn{Table: table, From: g.Name, To: a.Name}, RenameColumn{Table: table, From: a.Name, To: g.Name}})
		d.notes = append(d.notes, fmt.Sprintf("renamed: %s.%s -> %s.%s (detected; use renamed_from to state it)", table, g.Name, table, a.Name))
	}
	return out
}

// renameKey is what a dropped and an added column must share to be
// taken for a rename: everything but the name.
func renameKey(c *ColumnDef) string {
	x := c.Clone()
	x.Name, x.Field, x.Comment, x.Raw = "", "", "", ""
	if x.Type == TypeOther {
		x.Raw = c.Raw
	}
	return x.String()
}

// sameColumn compares two columns as Diff does: not their names,
// comments or Go field names, nor an enum's members when both name the
// same enum (the enum's own change carries those).
func sameColumn(a, b *ColumnDef) bool {
	if a.Type != b.Type || a.Length != b.Length || a.Precision != b.Precision || a.Scale != b.Scale ||
		a.Nullable != b.Nullable || a.AutoIncrement != b.AutoIncrement || a.Enum != b.Enum {
		return false
	}
	if (a.Default == nil) != (b.Default == nil) || a.Default != nil && *a.Default != *b.Default {
		return false
	}
	if a.Type == TypeOther && a.Raw != b.Raw {
		return false
	}
	if a.Type == TypeEnum && a.Enum == "" && !slices.Equal(a.Values, b.Values) {
		return false
	}
	return true
}

// narrowing says how changing a column from old to new may lose data or
// fail on existing rows, or "".
func narrowing(old, new *ColumnDef) string {
	var why []string
	if old.Nullable && !new.Nullable {
		why = append(why, "NOT NULL fails if a row holds NULL")
	}
	wider := map[[2]Type]bool{
		{TypeSmallInt, TypeInteger}: true, {TypeSmallInt, TypeBigInt}: true, {TypeInteger, TypeBigInt}: true,
		{TypeString, TypeText}: true, {TypeFloat, TypeDouble}: true,
	}
	switch {
	case old.Type == TypeString && new.Type == TypeString && new.Length < old.Length:
		why = append(why, "narrower, longer values are cut or refused")
	case old.Type == TypeDecimal && new.Type == TypeDecimal && (new.Precision-new.Scale < old.Precision-old.Scale || new.Scale < old.Scale):
		why = append(why, "narrower, values may be rounded or refused")
	case old.Type != new.Type && !wider[[2]Type{old.Type, new.Type}] && !(old.Type == TypeEnum && new.Type == TypeEnum):
		why = append(why, "a type change, values are converted and may be refused or lose precision")
	}
	return strings.Join(why, "; ")
}

func columnSpec(c *ColumnDef) string {
	s := c.TypeString()
	if c.Nullable {
		s += " null"
	}
	return s
}

// indexes drops the live indexes the desired table lacks and adds the
// desired ones the live table lacks. An index is matched by its columns
// and uniqueness, then by name: the engines name the indexes of inline
// UNIQUE constraints their own way (SQLite sqlite_autoindex_*, MySQL
// after the column), and a hand-written migration should not make every
// diff drop and re-create them. MySQL's index for a foreign key (named
// after it) comes and goes with the key, so it is left out.
func (d *differ) indexes(want, live *TableDef, renamed map[string]string) {
	same := func(a, b *IndexDef, bCols []string) bool {
		return a.Unique == b.Unique && slices.Equal(a.Columns, bCols)
	}
	for _, ix := range live.Indexes {
		cols := renamedCols(ix.Columns, renamed)
		if implicitIndex(live, ix) || slices.ContainsFunc(want.Indexes, func(w *IndexDef) bool { return same(w, ix, cols) }) {
			continue
		}
		d.dropIndexes = append(d.dropIndexes, pair{DropIndex{Table: live.Name, Name: ix.Name}, AddIndex{Table: live.Name, Index: renamedIndex(ix, renamed)}})
	}
	for _, ix := range want.Indexes {
		if implicitIndex(want, ix) || slices.ContainsFunc(live.Indexes, func(l *IndexDef) bool { return same(ix, l, renamedCols(l.Columns, renamed)) }) {
			continue
		}
		d.addIndexes = append(d.addIndexes, pair{AddIndex{Table: want.Name, Index: ix}, DropIndex{Table: want.Name, Name: ix.Name}})
	}
}

// foreignKeys drops the live keys the desired table lacks or defines
// otherwise (columns, referenced table and columns, actions) and adds
// the desired ones. A key is matched by its definition, not its name:
// SQLite keeps no names and derives them from the columns, so a renamed
// column would otherwise look like a new key.
func (d *differ) foreignKeys(want, live *TableDef, renamed map[string]string) {
	same := func(a, b *ForeignKeyDef, bCols []string) bool {
		return a.RefTable == b.RefTable && slices.Equal(a.RefColumns, b.RefColumns) && a.OnDelete == b.OnDelete &&
			a.OnUpdate == b.OnUpdate && slices.Equal(a.Columns, bCols)
	}
	for _, fk := range live.ForeignKeys {
		cols := renamedCols(fk.Columns, renamed)
		if !slices.ContainsFunc(want.ForeignKeys, func(w *ForeignKeyDef) bool { return same(w, fk, cols) }) {
			old := *fk
			old.Columns = cols
			d.dropFKs = append(d.dropFKs, pair{DropForeignKey{Table: live.Name, Name: fk.Name, Columns: cols}, AddForeignKey{Table: live.Name, ForeignKey: &old}})
		}
	}
	for _, fk := range want.ForeignKeys {
		if !slices.ContainsFunc(live.ForeignKeys, func(l *ForeignKeyDef) bool { return same(fk, l, renamedCols(l.Columns, renamed)) }) {
			to := &d.addFKs
			if d.live.Table(fk.RefTable) == nil {
				to = &d.lateFKs
			}
			*to = append(*to, pair{AddForeignKey{Table: want.Name, ForeignKey: fk}, DropForeignKey{Table: want.Name, Name: fk.Name, Columns: fk.Columns}})
		}
	}
}

// implicitIndex reports whether ix is the index MySQL made for the
// foreign key of the same name.
func implicitIndex(t *TableDef, ix *IndexDef) bool {
	fk := t.ForeignKey(ix.Name)
	return fk != nil && !ix.Unique && slices.Equal(fk.Columns, ix.Columns)
}

// withoutImplicit returns a copy of t without MySQL's indexes for its
// foreign keys, which the engine makes again by itself.
func withoutImplicit(t *TableDef) *TableDef {
	c := t.Clone()
	c.Indexes = slices.DeleteFunc(c.Indexes, func(ix *IndexDef) bool { return implicitIndex(c, ix) })
	return c
}

// renamedCols returns live column names as the renames call them.
func renamedCols(cols []string, renamed map[string]string) []string {
	out := slices.Clone(cols)
	for to, from := range renamed {
		renameIn(out, from, to)
	}
	return out
}

func renamedIndex(ix *IndexDef, renamed map[string]string) *IndexDef {
	return &IndexDef{Name: ix.Name, Columns: renamedCols(ix.Columns, renamed), Unique: ix.Unique}
}

func mapValues(m map[string]string) func(func(string) bool) {
	return func(yield func(string) bool) {
		for _, v := range m {
			if !yield(v) {
				return
			}
		}
	}
}

// tableOrder orders tables so that each comes after the tables it
// references among them. Where references go round in a circle, the
// keys that close it are returned apart, to be added once all the
// tables exist.
func tableOrder(tables []*TableDef) ([]*TableDef, []*ForeignKeyDef) {
	left := slices.Clone(tables)
	slices.SortFunc(left, func(a, b *TableDef) int { return strings.Compare(a.Name, b.Name) })
	done := map[string]bool{}
	pending := func(t *TableDef, ref string) bool {
		return ref != t.Name && !done[ref] && slices.ContainsFunc(left, func(o *TableDef) bool { return o.Name == ref })
	}
	var order []*TableDef
	var deferred []*ForeignKeyDef
	for len(left) > 0 {
		i := slices.IndexFunc(left, func(t *TableDef) bool {
			return !slices.ContainsFunc(t.ForeignKeys, func(fk *ForeignKeyDef) bool { return pending(t, fk.RefTable) })
		})
		if i < 0 {
			i = 0
			for _, fk := range left[0].ForeignKeys {
				if pending(left[0], fk.RefTable) {
					deferred = append(deferred, fk)
				}
			}
		}
		done[left[i].Name] = true
		order = append(order, left[i])
		left = slices.Delete(left, i, i+1)
	}
	return order, deferred
}

// tableOf names the table of s that holds fk.
func tableOf(s *Schema, fk *ForeignKeyDef) string {
	for _, t := range s.Tables {
		if slices.Contains(t.ForeignKeys, fk) {
			return t.Name
		}
	}
	return ""
}
