package schema

import (
	"slices"
	"strings"
)

// Schema is the shape of a database, or of one schema of it: tables and
// named enums. The builder describes one, an [Inspector] reads one, and
// both spell the same shape the same way, so that two schemas can be
// compared with [Schema.String].
type Schema struct {
	Tables []*TableDef
	Enums  []*EnumDef
}

// TableDef is one table. Columns keep their order; indexes, foreign keys
// and checks are kept sorted by name by [Schema.Sort].
type TableDef struct {
	Name        string
	Columns     []*ColumnDef
	PrimaryKey  []string
	Indexes     []*IndexDef
	ForeignKeys []*ForeignKeyDef
	Checks      []*CheckDef
	Comment     string
}

// Type is a portable column type. The engine's exact spelling is kept in
// [ColumnDef.Raw] by inspection; comparisons use the portable type.
type Type string

// The portable types, one per builder column method.
const (
	TypeBigInt    Type = "bigint"
	TypeInteger   Type = "integer"
	TypeSmallInt  Type = "smallint"
	TypeString    Type = "string"
	TypeText      Type = "text"
	TypeBoolean   Type = "boolean"
	TypeDecimal   Type = "decimal"
	TypeFloat     Type = "float"
	TypeDouble    Type = "double"
	TypeUUID      Type = "uuid"
	TypeJSON      Type = "json"
	TypeTimestamp Type = "timestamp"
	TypeDate      Type = "date"
	TypeTime      Type = "time"
	TypeBinary    Type = "binary"
	TypeEnum      Type = "enum"
	// TypeOther is a type that none of the above stands for; Raw says
	// what it is.
	TypeOther Type = "other"
)

// ColumnDef is one column.
type ColumnDef struct {
	Name string
	// Field is the Go field name when it is not the one derived from
	// Name ([Column.Map]). Catalogues cannot hold it.
	Field string
	Type  Type
	// Raw is the engine's exact type as inspected, such as
	// "character varying(255)"; "" in a described schema. It is left
	// out of String and of comparisons.
	Raw string
	// Length is the length of a string column.
	Length int
	// Precision and Scale are those of a decimal column.
	Precision, Scale int
	Nullable         bool
	// Default is nil when the column has none.
	Default *Default
	// AutoIncrement is an identity, serial or AUTO_INCREMENT column.
	AutoIncrement bool
	// Enum is the name of an enum column's enum ("" where the catalogue
	// does not name it); Values are its members in order.
	Enum    string
	Values  []string
	Comment string
}

// Default is a column default: a literal value, or an expression.
//
// A literal is spelt canonically whatever the engine: booleans "true" or
// "false", numbers without superfluous zeros, strings and enum members as
// they are, unquoted. The only portable expression is
// [CurrentTimestamp]; others are kept as the engine prints them.
type Default struct {
	Value string
	Expr  bool
}

// CurrentTimestamp is the default expression for the time of the insert
// (now() and current_timestamp() read back as it).
const CurrentTimestamp = "CURRENT_TIMESTAMP"

// IndexDef is an index, unique or not. The primary key is not one.
type IndexDef struct {
	Name    string
	Columns []string
	Unique  bool
}

// Action is what a foreign key does when the row it references is
// deleted or updated. The zero value is NO ACTION, the engines' default.
type Action string

// The foreign key actions.
const (
	NoAction   Action = ""
	Cascade    Action = "CASCADE"
	SetNull    Action = "SET NULL"
	SetDefault Action = "SET DEFAULT"
	Restrict   Action = "RESTRICT"
)

// ForeignKeyDef is a foreign key. Alias, As and InverseAlias are the
// relation names the builder was given for generated models; catalogues
// cannot hold them.
type ForeignKeyDef struct {
	Name         string
	Columns      []string
	RefTable     string
	RefColumns   []string
	OnDelete     Action
	OnUpdate     Action
	Alias        string
	As           string
	InverseAlias string
}

// CheckDef is a check constraint as the engine prints it. Checks that
// hoist adds itself (an enum's on SQLite, MariaDB's on JSON columns) are
// not listed: the column's type says them.
type CheckDef struct {
	Name string
	Expr string
}

// EnumDef is a named enum with its members in order.
type EnumDef struct {
	Name   string
	Values []string
}

// Table returns the table called name, or nil.
func (s *Schema) Table(name string) *TableDef {
	for _, t := range s.Tables {
		if t.Name == name {
			return t
		}
	}
	return nil
}

// Enum returns the enum called name, or nil.
func (s *Schema) Enum(name string) *EnumDef {
	for _, e := range s.Enums {
		if e.Name == name {
			return e
		}
	}
	return nil
}

// Column returns the column called name, or nil.
func (t *TableDef) Column(name string) *ColumnDef {
	for _, c := range t.Columns {
		if c.Name == name {
			return c
		}
	}
	return nil
}

// Index returns the index called name, or nil.
func (t *TableDef) Index(name string) *IndexDef {
	for _, ix := range t.Indexes {
		if ix.Name == name {
			return ix
		}
	}
	return nil
}

// ForeignKey returns the foreign key called name, or nil.
func (t *TableDef) ForeignKey(name string) *ForeignKeyDef {
	for _, fk := range t.ForeignKeys {
		if fk.Name == name {
			return fk
		}
	}
	return nil
}

// Sort puts everything whose order the engine does not keep in order of
// name: tables, enums, and each table's indexes, foreign keys and
// checks. Columns keep their order, and so do the columns of a key.
func (s *Schema) Sort() {
	slices.SortFunc(s.Tables, func(a, b *TableDef) int { return strings.Compare(a.Name, b.Name) })
	slices.SortFunc(s.Enums, func(a, b *EnumDef) int { return strings.Compare(a.Name, b.Name) })
	for _, t := range s.Tables {
		slices.SortFunc(t.Indexes, func(a, b *IndexDef) int { return strings.Compare(a.Name, b.Name) })
		slices.SortFunc(t.ForeignKeys, func(a, b *ForeignKeyDef) int { return strings.Compare(a.Name, b.Name) })
		slices.SortFunc(t.Checks, func(a, b *CheckDef) int { return strings.Compare(a.Name, b.Name) })
	}
}

// Clone returns a deep copy of s.
func (s *Schema) Clone() *Schema {
	c := &Schema{}
	for _, t := range s.Tables {
		c.Tables = append(c.Tables, t.Clone())
	}
	for _, e := range s.Enums {
		c.Enums = append(c.Enums, &EnumDef{Name: e.Name, Values: slices.Clone(e.Values)})
	}
	return c
}

// Clone returns a deep copy of t.
func (t *TableDef) Clone() *TableDef {
	c := &TableDef{Name: t.Name, PrimaryKey: slices.Clone(t.PrimaryKey), Comment: t.Comment}
	for _, col := range t.Columns {
		c.Columns = append(c.Columns, col.Clone())
	}
	for _, ix := range t.Indexes {
		c.Indexes = append(c.Indexes, &IndexDef{Name: ix.Name, Columns: slices.Clone(ix.Columns), Unique: ix.Unique})
	}
	for _, fk := range t.ForeignKeys {
		f := *fk
		f.Columns, f.RefColumns = slices.Clone(fk.Columns), slices.Clone(fk.RefColumns)
		c.ForeignKeys = append(c.ForeignKeys, &f)
	}
	for _, ck := range t.Checks {
		k := *ck
		c.Checks = append(c.Checks, &k)
	}
	return c
}

// Clone returns a deep copy of c.
func (c *ColumnDef) Clone() *ColumnDef {
	d := *c
	d.Values = slices.Clone(c.Values)
	if c.Default != nil {
		v := *c.Default
		d.Default = &v
	}
	return &d
}

// Catalogued returns a copy of s without what no catalogue holds: field
// names and relation names. A dialect's [Inspector.Catalogued] removes
// more where its engine keeps less.
func (s *Schema) Catalogued() *Schema {
	c := s.Clone()
	for _, t := range c.Tables {
		for _, col := range t.Columns {
			col.Field, col.Raw = "", ""
		}
		for _, fk := range t.ForeignKeys {
			fk.Alias, fk.As, fk.InverseAlias = "", "", ""
		}
	}
	c.Sort()
	return c
}
