package schema

import (
	"fmt"
	"math"
	"strconv"
)

// Column is a column being added, returned by the column methods of
// [Table] so that modifiers chain: t.String("email", 255).Unique().
type Column struct {
	t           *Table
	def         *ColumnDef
	unique      bool
	index       bool
	enumDefined bool // Enum(...), not EnumRef
	dflt        any
	hasDefault  bool
	change      bool // Change: an existing column's new definition
}

// Nullable lets the column hold NULL; columns are NOT NULL otherwise.
func (c *Column) Nullable() *Column { c.def.Nullable = true; return c }

// Unique adds a unique index on the column alone, named
// <table>_<column>_key.
func (c *Column) Unique() *Column { c.unique = true; return c }

// Index adds an index on the column alone, named <table>_<column>_idx.
func (c *Column) Index() *Column { c.index = true; return c }

// Map names the Go field of the column where it is not the one derived
// from the column's name (nok_id → NokID).
func (c *Column) Map(field string) *Column { c.def.Field = field; return c }

// Comment sets the column's comment (PostgreSQL and MySQL keep it;
// SQLite has nowhere to).
func (c *Column) Comment(text string) *Column { c.def.Comment = text; return c }

// EnumName names the enum of a column added with [Table.Enum]. It is
// required: PostgreSQL creates a type by that name, and a later
// migration reuses it with [Table.EnumRef].
func (c *Column) EnumName(name string) *Column { c.def.Enum = name; return c }

// Default sets the column's default: a bool for a boolean, an integer
// for an integer, a number for a decimal or float, a string for the
// others, and the member's name for an enum (not a quoted expression).
// A value that does not fit the type is an error before any SQL runs.
func (c *Column) Default(v any) *Column { c.dflt, c.hasDefault = v, true; return c }

// UseCurrent makes the time of the insert the default of a timestamp
// column (CURRENT_TIMESTAMP).
func (c *Column) UseCurrent() *Column {
	c.dflt, c.hasDefault = &Default{Value: CurrentTimestamp, Expr: true}, true
	return c
}

// Foreign adds a foreign key on this column alone; say what it
// references with [ForeignKey.References].
func (c *Column) Foreign() *ForeignKey { return c.t.ForeignKey(c.def.Name) }

// Change makes this the new definition of an existing column, in
// AlterTable, instead of a new column: its type, length, nullability,
// default and comment become what the chain says. The old definition is
// not described, so a migration that changes a column is irreversible
// unless built with [MigrationWithDown].
func (c *Column) Change() *Column { c.change = true; return c }

// Index is an index being added, returned by [Table.Index] and
// [Table.Unique].
type Index struct{ def *IndexDef }

// Name names the index instead of the default <table>_<columns>_idx (or
// _key for a unique one).
func (ix *Index) Name(name string) *Index { ix.def.Name = name; return ix }

// ForeignKey is a foreign key being added, returned by
// [Table.ForeignKey] and [Column.Foreign].
type ForeignKey struct{ def *ForeignKeyDef }

// References names the table and columns the foreign key points at.
func (fk *ForeignKey) References(table string, columns ...string) *ForeignKey {
	fk.def.RefTable, fk.def.RefColumns = table, columns
	return fk
}

// OnDelete says what deleting the referenced row does to this one.
func (fk *ForeignKey) OnDelete(a Action) *ForeignKey { fk.def.OnDelete = a; return fk }

// OnUpdate says what changing the referenced key does to this row.
func (fk *ForeignKey) OnUpdate(a Action) *ForeignKey { fk.def.OnUpdate = a; return fk }

// Name names the constraint instead of the default <table>_<columns>_fkey.
func (fk *ForeignKey) Name(name string) *ForeignKey { fk.def.Name = name; return fk }

// Alias names the relation, the model that the referencing side sees
// (TokenUser), for generated models.
func (fk *ForeignKey) Alias(name string) *ForeignKey { fk.def.Alias = name; return fk }

// As names the field that holds the referenced row on this side
// (owner).
func (fk *ForeignKey) As(name string) *ForeignKey { fk.def.As = name; return fk }

// InverseAlias names the field that holds this side's rows on the
// referenced side (personalAccessTokens).
func (fk *ForeignKey) InverseAlias(name string) *ForeignKey { fk.def.InverseAlias = name; return fk }

// defaultValue turns the value given to Default into the canonical
// literal of the column's type, or says why it does not fit.
func defaultValue(col *ColumnDef, v any) (*Default, error) {
	if d, ok := v.(*Default); ok {
		if col.Type != TypeTimestamp {
			return nil, fmt.Errorf("CURRENT_TIMESTAMP is a default for a timestamp, not a %s", col.Type)
		}
		return d, nil
	}
	switch col.Type {
	case TypeBoolean:
		if b, ok := v.(bool); ok {
			return &Default{Value: strconv.FormatBool(b)}, nil
		}
	case TypeSmallInt, TypeInteger, TypeBigInt:
		if n, ok := toInt(v); ok {
			limit := map[Type]int64{TypeSmallInt: math.MaxInt16, TypeInteger: math.MaxInt32, TypeBigInt: math.MaxInt64}[col.Type]
			if n > limit || n < -limit-1 {
				return nil, fmt.Errorf("default %d does not fit a %s", n, col.Type)
			}
			return &Default{Value: strconv.FormatInt(n, 10)}, nil
		}
	case TypeDecimal, TypeFloat, TypeDouble:
		if n, ok := toInt(v); ok {
			return &Default{Value: strconv.FormatInt(n, 10)}, nil
		}
		if f, ok := v.(float64); ok && !math.IsInf(f, 0) && !math.IsNaN(f) {
			return &Default{Value: strconv.FormatFloat(f, 'f', -1, 64)}, nil
		}
		if f, ok := v.(float32); ok {
			return &Default{Value: strconv.FormatFloat(float64(f), 'f', -1, 32)}, nil
		}
	case TypeBinary:
		return nil, fmt.Errorf("a binary column cannot have a default")
	case TypeEnum:
		if s, ok := v.(string); ok {
			if col.Values != nil && !contains(col.Values, s) {
				return nil, fmt.Errorf("default %q is not a member of enum %s (%v); give the member's name", s, col.Enum, col.Values)
			}
			return &Default{Value: s}, nil
		}
	default:
		if s, ok := v.(string); ok {
			if col.Type == TypeString && len([]rune(s)) > col.Length {
				return nil, fmt.Errorf("default %q is longer than the column's %d characters", s, col.Length)
			}
			return &Default{Value: s}, nil
		}
	}
	return nil, fmt.Errorf("default %#v (%T) does not fit the column's type, %s", v, v, col.Type)
}

func toInt(v any) (int64, bool) {
	switch n := v.(type) {
	case int:
		return int64(n), true
	case int8:
		return int64(n), true
	case int16:
		return int64(n), true
	case int32:
		return int64(n), true
	case int64:
		return n, true
	case uint8:
		return int64(n), true
	case uint16:
		return int64(n), true
	case uint32:
		return int64(n), true
	}
	return 0, false
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
