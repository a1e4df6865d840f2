package schema

import "strings"

// Table is a table being created or altered, as [Builder.CreateTable]
// and [Builder.AlterTable] hand it to their function. Its column
// methods add a column and return it for modifiers.
type Table struct {
	b       *Builder
	def     *TableDef
	create  bool
	cols    []*Column
	indexes []*Index
	fks     []*ForeignKey
	changes []Change // drops and renames, in the order given
	primary bool     // Primary was called
}

// ID adds "id", a 64-bit integer that numbers itself and is the primary
// key.
func (t *Table) ID() *Column {
	c := t.add("id", TypeBigInt)
	c.def.AutoIncrement = true
	t.def.PrimaryKey = []string{"id"}
	return c
}

// Increments adds a 32-bit integer column that numbers itself and is the
// primary key.
func (t *Table) Increments(name string) *Column {
	c := t.add(name, TypeInteger)
	c.def.AutoIncrement = true
	t.def.PrimaryKey = []string{name}
	return c
}

// Integer adds a 32-bit integer column.
func (t *Table) Integer(name string) *Column { return t.add(name, TypeInteger) }

// BigInteger adds a 64-bit integer column.
func (t *Table) BigInteger(name string) *Column { return t.add(name, TypeBigInt) }

// SmallInteger adds a 16-bit integer column.
func (t *Table) SmallInteger(name string) *Column { return t.add(name, TypeSmallInt) }

// String adds a string column of at most length characters (VARCHAR).
func (t *Table) String(name string, length int) *Column {
	c := t.add(name, TypeString)
	c.def.Length = length
	if length <= 0 {
		t.b.errorf(t.def.Name, name, "string length %d is not positive", length)
	}
	return c
}

// Text adds a text column of any length.
func (t *Table) Text(name string) *Column { return t.add(name, TypeText) }

// Boolean adds a boolean column.
func (t *Table) Boolean(name string) *Column { return t.add(name, TypeBoolean) }

// Decimal adds an exact decimal column of precision digits, scale of
// them after the point.
func (t *Table) Decimal(name string, precision, scale int) *Column {
	c := t.add(name, TypeDecimal)
	c.def.Precision, c.def.Scale = precision, scale
	if precision <= 0 || scale < 0 || scale > precision {
		t.b.errorf(t.def.Name, name, "decimal(%d,%d): the precision must be positive and the scale between 0 and it", precision, scale)
	}
	return c
}

// Float adds a single-precision floating point column.
func (t *Table) Float(name string) *Column { return t.add(name, TypeFloat) }

// Double adds a double-precision floating point column.
func (t *Table) Double(name string) *Column { return t.add(name, TypeDouble) }

// UUID adds a UUID column.
func (t *Table) UUID(name string) *Column { return t.add(name, TypeUUID) }

// JSON adds a JSON document column.
func (t *Table) JSON(name string) *Column { return t.add(name, TypeJSON) }

// Timestamp adds a date and time column, to the microsecond.
func (t *Table) Timestamp(name string) *Column { return t.add(name, TypeTimestamp) }

// Date adds a date column.
func (t *Table) Date(name string) *Column { return t.add(name, TypeDate) }

// Time adds a time of day column.
func (t *Table) Time(name string) *Column { return t.add(name, TypeTime) }

// Binary adds a column of bytes.
func (t *Table) Binary(name string) *Column { return t.add(name, TypeBinary) }

// Enum adds a column that holds one of members. It must be named with
// [Column.EnumName]; members must be identifiers, listed once each.
func (t *Table) Enum(name string, members ...string) *Column {
	c := t.add(name, TypeEnum)
	c.def.Values = members
	c.enumDefined = true
	return c
}

// EnumRef adds a column of the enum enumName, which an earlier
// migration or an earlier table of this one defined. Its default is
// checked against the enum's members when the migration runs.
func (t *Table) EnumRef(name, enumName string) *Column {
	c := t.add(name, TypeEnum)
	c.def.Enum = enumName
	return c
}

// Timestamps adds created_at and updated_at, nullable timestamps.
func (t *Table) Timestamps() {
	t.Timestamp("created_at").Nullable()
	t.Timestamp("updated_at").Nullable()
}

// Primary makes columns the primary key, for a key of several columns
// or one without a self-numbering column. In AlterTable it replaces the
// table's key (after the columns added in the same call), which makes
// the migration irreversible unless a down is given: the old key is not
// described. Key columns must be NOT NULL, and a table with a
// self-numbering column keeps its key, as every engine needs that column
// to be the key.
func (t *Table) Primary(columns ...string) {
	if len(columns) == 0 {
		t.b.errorf(t.def.Name, "", "Primary needs at least one column")
	}
	t.primary = true
	t.def.PrimaryKey = columns
}

// Index adds an index on columns, named <table>_<columns>_idx unless
// [Index.Name] says otherwise.
func (t *Table) Index(columns ...string) *Index {
	ix := &Index{def: &IndexDef{Columns: columns}}
	t.indexes = append(t.indexes, ix)
	return ix
}

// Unique adds a unique index on columns, named <table>_<columns>_key
// unless [Index.Name] says otherwise.
func (t *Table) Unique(columns ...string) *Index {
	ix := t.Index(columns...)
	ix.def.Unique = true
	return ix
}

// ForeignKey adds a foreign key on columns; say what it references with
// [ForeignKey.References]. It is named <table>_<columns>_fkey unless
// [ForeignKey.Name] says otherwise.
func (t *Table) ForeignKey(columns ...string) *ForeignKey {
	fk := &ForeignKey{def: &ForeignKeyDef{Columns: columns}}
	t.fks = append(t.fks, fk)
	return fk
}

// DropColumn drops a column of an existing table.
func (t *Table) DropColumn(name string) {
	t.alterOnly("DropColumn")
	t.changes = append(t.changes, DropColumn{Table: t.def.Name, Column: name})
}

// RenameColumn renames a column of an existing table.
func (t *Table) RenameColumn(from, to string) {
	t.alterOnly("RenameColumn")
	t.b.checkName(to, t.def.Name, "column")
	t.changes = append(t.changes, RenameColumn{Table: t.def.Name, From: from, To: to})
}

// DropIndex drops an index of an existing table by name.
func (t *Table) DropIndex(name string) {
	t.alterOnly("DropIndex")
	t.changes = append(t.changes, DropIndex{Table: t.def.Name, Name: name})
}

// DropForeign drops a foreign key of an existing table by name.
func (t *Table) DropForeign(name string) {
	t.alterOnly("DropForeign")
	t.changes = append(t.changes, DropForeignKey{Table: t.def.Name, Name: name})
}

// Comment sets the table's comment.
func (t *Table) Comment(text string) {
	if !t.create {
		t.b.errorf(t.def.Name, "", "a table comment can only be given when the table is created")
	}
	t.def.Comment = text
}

func (t *Table) alterOnly(method string) {
	if t.create {
		t.b.errorf(t.def.Name, "", "%s is for AlterTable, not CreateTable", method)
	}
}

func (t *Table) add(name string, typ Type) *Column {
	t.b.checkName(name, t.def.Name, "column")
	c := &Column{t: t, def: &ColumnDef{Name: name, Type: typ}}
	t.cols = append(t.cols, c)
	return c
}

// defaultName is the name an index or key gets when none was given:
// <table>_<columns>_<suffix>, as PostgreSQL names its own.
func defaultName(table string, columns []string, suffix string) string {
	return table + "_" + strings.Join(columns, "_") + "_" + suffix
}
