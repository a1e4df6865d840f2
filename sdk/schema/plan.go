package schema

import (
	"errors"
	"fmt"
	"slices"
	"strings"
)

// Plan checks changes against current, the schema they are to run on,
// and returns the changes to render together with the schema they
// leave. It resolves the members of enums reused with EnumRef, drops
// CreateEnum for an enum that exists with the same members and DropEnum
// for one that a column still uses, and refuses a change that names a
// table, column, index or key that is not there (or one that is, for an
// addition). current is not modified.
func Plan(current *Schema, changes []Change) ([]Change, *Schema, error) {
	return plan("", current, changes)
}

// plan is Plan with errors that name the migration mig.
func plan(mig string, current *Schema, changes []Change) ([]Change, *Schema, error) {
	s := current.Clone()
	var out []Change
	var errs []error
	fail := func(table, column, format string, args ...any) {
		errs = append(errs, &Error{Migration: mig, Table: table, Column: column, Msg: fmt.Sprintf(format, args...)})
	}
	fresh := map[[2]string]bool{} // enum members added by these changes
	for _, c := range changes {
		checkFresh(c, fresh, fail)
		switch c := c.(type) {
		case AddEnumValue:
			e := s.Enum(c.Enum)
			switch {
			case e == nil:
				fail("", "", "cannot add member %s: there is no enum %s, neither in the database nor defined by an earlier schema migration", c.Value, c.Enum)
				continue
			case contains(e.Values, c.Value):
				fail("", "", "enum %s has member %s already", c.Enum, c.Value)
				continue
			}
			e.Values = append(e.Values, c.Value)
			for _, t := range s.Tables {
				for _, col := range t.Columns {
					if col.Type == TypeEnum && col.Enum == c.Enum {
						col.Values = append(col.Values, c.Value)
					}
				}
			}
			fresh[[2]string{c.Enum, c.Value}] = true
			out = append(out, c)
		case CreateEnum:
			if e := s.Enum(c.Enum.Name); e != nil {
				if !equalStrings(e.Values, c.Enum.Values) {
					fail("", "", "enum %s exists with other members (%v, here %v): reuse it with EnumRef or give it another name", e.Name, e.Values, c.Enum.Values)
				}
				continue
			}
			s.Enums = append(s.Enums, &EnumDef{Name: c.Enum.Name, Values: slices.Clone(c.Enum.Values)})
			out = append(out, c)
		case DropEnum:
			if s.Enum(c.Name) == nil || enumUsed(s, c.Name) {
				continue
			}
			s.Enums = slices.DeleteFunc(s.Enums, func(e *EnumDef) bool { return e.Name == c.Name })
			out = append(out, c)
		case CreateTable:
			if s.Table(c.Table.Name) != nil {
				fail(c.Table.Name, "", "the table exists already")
				continue
			}
			t := c.Table.Clone()
			for _, col := range t.Columns {
				resolveEnum(s, t.Name, col, fail)
			}
			s.Tables = append(s.Tables, t)
			for _, fk := range t.ForeignKeys {
				checkReference(s, t.Name, fk, fail)
			}
			for _, ix := range t.Indexes {
				if indexNames(s, ix.Name) > 1 {
					fail(t.Name, "", "index name %s is taken by another table: name it with .Name(...)", ix.Name)
				}
			}
			// A copy: a later change to the table (a key added once another
			// table exists) changes the plan's schema, not this change.
			out = append(out, CreateTable{Table: t.Clone()})
		case DropTable:
			if s.Table(c.Name) == nil {
				fail(c.Name, "", "cannot drop it: there is no such table")
				continue
			}
			s.Tables = slices.DeleteFunc(s.Tables, func(t *TableDef) bool { return t.Name == c.Name })
			out = append(out, c)
		case RenameTable:
			t := s.Table(c.From)
			switch {
			case t == nil:
				fail(c.From, "", "cannot rename it: there is no such table")
				continue
			case s.Table(c.To) != nil:
				fail(c.From, "", "cannot rename it to %s: that table exists", c.To)
				continue
			}
			t.Name = c.To
			for _, o := range s.Tables {
				for _, fk := range o.ForeignKeys {
					if fk.RefTable == c.From {
						fk.RefTable = c.To
					}
				}
			}
			out = append(out, c)
		default:
			if c, ok := planAlter(s, c, fail); ok {
				out = append(out, c)
			}
		}
	}
	if len(errs) > 0 {
		return nil, nil, errors.Join(errs...)
	}
	return out, s, nil
}

// planAlter plans a change to the columns, indexes or keys of an
// existing table.
func planAlter(s *Schema, c Change, fail func(table, column, format string, args ...any)) (Change, bool) {
	name := alterTable(c)
	t := s.Table(name)
	if t == nil {
		fail(name, "", "there is no such table")
		return nil, false
	}
	switch c := c.(type) {
	case AddColumn:
		if t.Column(c.Column.Name) != nil {
			fail(t.Name, c.Column.Name, "the column exists already")
			return nil, false
		}
		col := c.Column.Clone()
		resolveEnum(s, t.Name, col, fail)
		t.Columns = append(t.Columns, col)
		return AddColumn{Table: t.Name, Column: col}, true
	case ChangeColumn:
		i := slices.IndexFunc(t.Columns, func(col *ColumnDef) bool { return col.Name == c.Column.Name })
		if i < 0 {
			fail(t.Name, c.Column.Name, "cannot change it: there is no such column")
			return nil, false
		}
		col := c.Column.Clone()
		resolveEnum(s, t.Name, col, fail)
		t.Columns[i] = col
		return ChangeColumn{Table: t.Name, Column: col}, true
	case DropColumn:
		if t.Column(c.Column) == nil {
			fail(t.Name, c.Column, "cannot drop it: there is no such column")
			return nil, false
		}
		t.Columns = slices.DeleteFunc(t.Columns, func(col *ColumnDef) bool { return col.Name == c.Column })
		t.Indexes = slices.DeleteFunc(t.Indexes, func(ix *IndexDef) bool { return slices.Contains(ix.Columns, c.Column) })
	case RenameColumn:
		col := t.Column(c.From)
		switch {
		case col == nil:
			fail(t.Name, c.From, "cannot rename it: there is no such column")
			return nil, false
		case t.Column(c.To) != nil:
			fail(t.Name, c.From, "cannot rename it to %s: that column exists", c.To)
			return nil, false
		}
		col.Name = c.To
		renameIn(t.PrimaryKey, c.From, c.To)
		for _, ix := range t.Indexes {
			renameIn(ix.Columns, c.From, c.To)
		}
		for _, fk := range t.ForeignKeys {
			renameIn(fk.Columns, c.From, c.To)
		}
		for _, o := range s.Tables {
			for _, fk := range o.ForeignKeys {
				if fk.RefTable == t.Name {
					renameIn(fk.RefColumns, c.From, c.To)
				}
			}
		}
	case AddIndex:
		if indexNames(s, c.Index.Name) > 0 {
			fail(t.Name, "", "index name %s is taken: name it with .Name(...)", c.Index.Name)
		}
		for _, col := range c.Index.Columns {
			if t.Column(col) == nil {
				fail(t.Name, col, "index %s names a column the table does not have", c.Index.Name)
			}
		}
		ix := &IndexDef{Name: c.Index.Name, Columns: slices.Clone(c.Index.Columns), Unique: c.Index.Unique}
		t.Indexes = append(t.Indexes, ix)
		return AddIndex{Table: t.Name, Index: ix}, true
	case DropIndex:
		if t.Index(c.Name) == nil {
			fail(t.Name, "", "cannot drop index %s: the table has no such index", c.Name)
			return nil, false
		}
		t.Indexes = slices.DeleteFunc(t.Indexes, func(ix *IndexDef) bool { return ix.Name == c.Name })
	case AddForeignKey:
		if t.ForeignKey(c.ForeignKey.Name) != nil {
			fail(t.Name, "", "foreign key %s exists already", c.ForeignKey.Name)
			return nil, false
		}
		fk := *c.ForeignKey
		fk.Columns, fk.RefColumns = slices.Clone(fk.Columns), slices.Clone(fk.RefColumns)
		for _, col := range fk.Columns {
			if t.Column(col) == nil {
				fail(t.Name, col, "foreign key %s names a column the table does not have", fk.Name)
			}
		}
		t.ForeignKeys = append(t.ForeignKeys, &fk)
		checkReference(s, t.Name, &fk, fail)
		return AddForeignKey{Table: t.Name, ForeignKey: &fk}, true
	case DropForeignKey:
		fk := t.ForeignKey(c.Name)
		if fk == nil && c.Columns != nil {
			i := slices.IndexFunc(t.ForeignKeys, func(fk *ForeignKeyDef) bool { return equalStrings(fk.Columns, c.Columns) })
			if i >= 0 {
				fk = t.ForeignKeys[i]
			}
		}
		if fk == nil {
			fail(t.Name, "", "cannot drop foreign key %s: the table has no such foreign key", c.Name)
			return nil, false
		}
		t.ForeignKeys = slices.DeleteFunc(t.ForeignKeys, func(f *ForeignKeyDef) bool { return f == fk })
		return DropForeignKey{Table: t.Name, Name: fk.Name, Columns: slices.Clone(fk.Columns)}, true
	case ChangePrimaryKey:
		if !planPrimaryKey(s, t, c, fail) {
			return nil, false
		}
		t.PrimaryKey = slices.Clone(c.Columns)
		return ChangePrimaryKey{Table: t.Name, Columns: slices.Clone(c.Columns)}, true
	}
	return c, true
}

// planPrimaryKey checks a new primary key against what every engine
// accepts: NOT NULL columns that exist (PostgreSQL would make them NOT
// NULL silently), no self-numbering column in the table (MySQL and
// SQLite need it to be the key), and no reference from another table to
// the old key.
func planPrimaryKey(s *Schema, t *TableDef, c ChangePrimaryKey, fail func(table, column, format string, args ...any)) bool {
	ok := true
	for _, name := range c.Columns {
		col := t.Column(name)
		switch {
		case col == nil:
			fail(t.Name, name, "the primary key names a column the table does not have")
			ok = false
		case col.Nullable:
			fail(t.Name, name, "a primary key column must be NOT NULL: change the column first")
			ok = false
		}
	}
	for _, col := range t.Columns {
		if col.AutoIncrement && !slices.Equal(c.Columns, []string{col.Name}) {
			fail(t.Name, col.Name, "the table's key is its self-numbering column, which cannot stop being the key")
			ok = false
		}
	}
	for _, o := range s.Tables {
		for _, fk := range o.ForeignKeys {
			if fk.RefTable != t.Name || !slices.Equal(fk.RefColumns, t.PrimaryKey) || slices.Equal(fk.RefColumns, c.Columns) {
				continue
			}
			// PostgreSQL ties the reference to the key's own index.
			fail(t.Name, "", "foreign key %s of table %s references the primary key (%s): drop it first, and add it again afterwards if the columns stay unique", fk.Name, o.Name, strings.Join(fk.RefColumns, ", "))
			ok = false
		}
	}
	return ok
}

func alterTable(c Change) string {
	switch c := c.(type) {
	case AddColumn:
		return c.Table
	case ChangeColumn:
		return c.Table
	case DropColumn:
		return c.Table
	case RenameColumn:
		return c.Table
	case AddIndex:
		return c.Table
	case DropIndex:
		return c.Table
	case AddForeignKey:
		return c.Table
	case DropForeignKey:
		return c.Table
	case ChangePrimaryKey:
		return c.Table
	}
	panic(fmt.Sprintf("schema: unknown change %T", c))
}

// resolveEnum fills in the members of a column that reuses an enum by
// name, and checks its default against them.
func resolveEnum(s *Schema, table string, col *ColumnDef, fail func(table, column, format string, args ...any)) {
	if col.Type != TypeEnum || col.Values != nil {
		return
	}
	e := s.Enum(col.Enum)
	if e == nil {
		fail(table, col.Name, "EnumRef: there is no enum %s, neither in the database nor earlier in this migration; define it with Enum(...).EnumName(%q)", col.Enum, col.Enum)
		return
	}
	col.Values = slices.Clone(e.Values)
	if col.Default != nil && !col.Default.Expr && !contains(col.Values, col.Default.Value) {
		fail(table, col.Name, "default %q is not a member of enum %s (%v); give the member's name", col.Default.Value, e.Name, e.Values)
	}
}

func checkReference(s *Schema, table string, fk *ForeignKeyDef, fail func(table, column, format string, args ...any)) {
	ref := s.Table(fk.RefTable)
	if ref == nil {
		fail(table, fk.Columns[0], "foreign key %s references table %s, which does not exist (create it first)", fk.Name, fk.RefTable)
		return
	}
	for _, col := range fk.RefColumns {
		if ref.Column(col) == nil {
			fail(table, fk.Columns[0], "foreign key %s references column %s.%s, which does not exist", fk.Name, fk.RefTable, col)
		}
	}
}

// indexNames counts the indexes called name in every table: PostgreSQL
// and SQLite keep index names per schema, not per table, so hoist
// refuses a name taken anywhere.
func indexNames(s *Schema, name string) int {
	n := 0
	for _, t := range s.Tables {
		for _, ix := range t.Indexes {
			if ix.Name == name {
				n++
			}
		}
	}
	return n
}

func enumUsed(s *Schema, name string) bool {
	for _, t := range s.Tables {
		for _, col := range t.Columns {
			if col.Type == TypeEnum && col.Enum == name {
				return true
			}
		}
	}
	return false
}

func renameIn(list []string, from, to string) {
	for i, x := range list {
		if x == from {
			list[i] = to
		}
	}
}

// checkFresh refuses a default that is an enum member added earlier in
// the same changes: PostgreSQL lets a new member be used only once the
// transaction that added it commits.
func checkFresh(c Change, fresh map[[2]string]bool, fail func(table, column, format string, args ...any)) {
	if len(fresh) == 0 {
		return
	}
	var table string
	var cols []*ColumnDef
	switch c := c.(type) {
	case CreateTable:
		table, cols = c.Table.Name, c.Table.Columns
	case AddColumn:
		table, cols = c.Table, []*ColumnDef{c.Column}
	case ChangeColumn:
		table, cols = c.Table, []*ColumnDef{c.Column}
	}
	for _, col := range cols {
		if col.Type == TypeEnum && col.Default != nil && fresh[[2]string{col.Enum, col.Default.Value}] {
			fail(table, col.Name, "default %s is a member of enum %s that this migration adds; PostgreSQL can use it only after the migration commits: set the default in a later migration", col.Default.Value, col.Enum)
		}
	}
}
