package schema

// Change is one step of a schema migration, as the builder records it
// and a [Renderer] turns it into DDL. The concrete types are the ones in
// this file; a dialect switches on them.
type Change interface{ change() }

// CreateTable creates a table with its columns, primary key, indexes and
// foreign keys.
type CreateTable struct{ Table *TableDef }

// DropTable drops a table.
type DropTable struct{ Name string }

// RenameTable renames a table.
type RenameTable struct{ From, To string }

// AddColumn adds a column to a table. Its unique flag, index and foreign
// key, if any, follow as their own changes.
type AddColumn struct {
	Table  string
	Column *ColumnDef
}

// ChangeColumn gives an existing column a new definition: type, length,
// nullability, default, comment. Its position stays.
type ChangeColumn struct {
	Table  string
	Column *ColumnDef
}

// DropColumn drops a column.
type DropColumn struct{ Table, Column string }

// RenameColumn renames a column.
type RenameColumn struct{ Table, From, To string }

// AddIndex adds an index, unique or not.
type AddIndex struct {
	Table string
	Index *IndexDef
}

// DropIndex drops an index by name.
type DropIndex struct{ Table, Name string }

// AddForeignKey adds a foreign key to an existing table.
type AddForeignKey struct {
	Table      string
	ForeignKey *ForeignKeyDef
}

// DropForeignKey drops a foreign key by name. Columns, when set, find
// it where the engine does not keep names (SQLite).
type DropForeignKey struct {
	Table, Name string
	Columns     []string
}

// ChangePrimaryKey makes Columns the primary key of an existing table,
// in place of the key it has (if any).
type ChangePrimaryKey struct {
	Table   string
	Columns []string
}

// CreateEnum creates a named enum before the first column that uses it.
// Engines without named enums (MySQL, SQLite) render nothing for it: the
// column spells its members.
type CreateEnum struct{ Enum *EnumDef }

// AddEnumValue adds a member at the end of an existing named enum.
type AddEnumValue struct{ Enum, Value string }

// DropEnum drops a named enum that no column uses any more; the planner
// leaves it out while one still does.
type DropEnum struct{ Name string }

func (CreateTable) change()      {}
func (DropTable) change()        {}
func (RenameTable) change()      {}
func (AddColumn) change()        {}
func (ChangeColumn) change()     {}
func (DropColumn) change()       {}
func (RenameColumn) change()     {}
func (AddIndex) change()         {}
func (DropIndex) change()        {}
func (AddForeignKey) change()    {}
func (DropForeignKey) change()   {}
func (ChangePrimaryKey) change() {}
func (CreateEnum) change()       {}
func (DropEnum) change()         {}
func (AddEnumValue) change()     {}

// inverse returns the change that undoes c, and false when the builder
// cannot know it (what was dropped is not described).
func inverse(c Change) (Change, bool) {
	switch c := c.(type) {
	case CreateTable:
		return DropTable{Name: c.Table.Name}, true
	case RenameTable:
		return RenameTable{From: c.To, To: c.From}, true
	case AddColumn:
		return DropColumn{Table: c.Table, Column: c.Column.Name}, true
	case RenameColumn:
		return RenameColumn{Table: c.Table, From: c.To, To: c.From}, true
	case AddIndex:
		return DropIndex{Table: c.Table, Name: c.Index.Name}, true
	case AddForeignKey:
		return DropForeignKey{Table: c.Table, Name: c.ForeignKey.Name, Columns: c.ForeignKey.Columns}, true
	case CreateEnum:
		return DropEnum{Name: c.Enum.Name}, true
	}
	return nil, false
}

// describe names a change for an irreversibility error.
func describe(c Change) string {
	switch c := c.(type) {
	case DropTable:
		return "drop table " + c.Name
	case DropColumn:
		return "drop column " + c.Table + "." + c.Column
	case ChangeColumn:
		return "change column " + c.Table + "." + c.Column.Name
	case DropIndex:
		return "drop index " + c.Name + " on " + c.Table
	case DropForeignKey:
		return "drop foreign key " + c.Name + " on " + c.Table
	case DropEnum:
		return "drop enum " + c.Name
	case AddEnumValue:
		return "add member " + c.Value + " to enum " + c.Enum
	case ChangePrimaryKey:
		return "change the primary key of " + c.Table
	}
	return "a change"
}
