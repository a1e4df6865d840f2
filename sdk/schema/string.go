package schema

import (
	"strconv"
	"strings"
)

// String prints s one line per object, enums first, then tables, in the
// order s holds them (call [Schema.Sort] first for a stable text). Two
// schemas print the same exactly when they are the same shape, which is
// what tests and snapshots compare.
func (s *Schema) String() string {
	var b strings.Builder
	for _, e := range s.Enums {
		b.WriteString(e.String())
		b.WriteByte('\n')
	}
	for _, t := range s.Tables {
		b.WriteString(t.String())
	}
	return b.String()
}

// String prints the enum as "enum Name (A, B)".
func (e *EnumDef) String() string {
	return "enum " + e.Name + " (" + strings.Join(e.Values, ", ") + ")"
}

// String prints the table on several lines, each ending in a newline:
// its name, then one indented line per column, key, index, foreign key
// and check.
func (t *TableDef) String() string {
	var b strings.Builder
	b.WriteString("table " + t.Name)
	if t.Comment != "" {
		b.WriteString(" comment " + strconv.Quote(t.Comment))
	}
	b.WriteByte('\n')
	for _, c := range t.Columns {
		b.WriteString("  " + c.String() + "\n")
	}
	if len(t.PrimaryKey) > 0 {
		b.WriteString("  primary key (" + strings.Join(t.PrimaryKey, ", ") + ")\n")
	}
	for _, ix := range t.Indexes {
		b.WriteString("  " + ix.String() + "\n")
	}
	for _, fk := range t.ForeignKeys {
		b.WriteString("  " + fk.String() + "\n")
	}
	for _, ck := range t.Checks {
		b.WriteString("  " + ck.String() + "\n")
	}
	return b.String()
}

// String prints the column as "name type [modifiers]", such as
// `status enum OrderStatus(PENDING, PAID) default 'PENDING'`.
func (c *ColumnDef) String() string {
	var b strings.Builder
	b.WriteString(c.Name + " " + c.TypeString())
	if c.Nullable {
		b.WriteString(" null")
	}
	if c.AutoIncrement {
		b.WriteString(" auto_increment")
	}
	if c.Default != nil {
		b.WriteString(" default " + c.defaultString())
	}
	if c.Field != "" {
		b.WriteString(" field " + c.Field)
	}
	if c.Comment != "" {
		b.WriteString(" comment " + strconv.Quote(c.Comment))
	}
	return b.String()
}

// TypeString prints the portable type with its parameters, such as
// "string(255)", "decimal(10,2)" or "enum OrderStatus(PENDING, PAID)".
func (c *ColumnDef) TypeString() string {
	switch c.Type {
	case TypeString:
		return "string(" + strconv.Itoa(c.Length) + ")"
	case TypeDecimal:
		return "decimal(" + strconv.Itoa(c.Precision) + "," + strconv.Itoa(c.Scale) + ")"
	case TypeEnum:
		name := c.Enum
		if name != "" {
			name += " "
		}
		return "enum " + name + "(" + strings.Join(c.Values, ", ") + ")"
	case TypeOther:
		return "other " + strconv.Quote(c.Raw)
	}
	return string(c.Type)
}

// defaultString prints the default as a literal of the column's type:
// numbers and booleans bare, other literals quoted.
func (c *ColumnDef) defaultString() string {
	switch c.Type {
	case TypeSmallInt, TypeInteger, TypeBigInt, TypeDecimal, TypeFloat, TypeDouble, TypeBoolean:
		return c.Default.Value
	}
	return c.Default.String()
}

// String prints a literal default quoted and an expression as it is.
func (d *Default) String() string {
	if d.Expr {
		return d.Value
	}
	return "'" + strings.ReplaceAll(d.Value, "'", "''") + "'"
}

// String prints the index as "[unique ]index name (columns)".
func (ix *IndexDef) String() string {
	kind := "index "
	if ix.Unique {
		kind = "unique index "
	}
	return kind + ix.Name + " (" + strings.Join(ix.Columns, ", ") + ")"
}

// String prints the foreign key with its actions and relation names.
func (fk *ForeignKeyDef) String() string {
	var b strings.Builder
	b.WriteString("foreign key " + fk.Name + " (" + strings.Join(fk.Columns, ", ") + ") references " +
		fk.RefTable + " (" + strings.Join(fk.RefColumns, ", ") + ")")
	if fk.OnDelete != NoAction {
		b.WriteString(" on delete " + strings.ToLower(string(fk.OnDelete)))
	}
	if fk.OnUpdate != NoAction {
		b.WriteString(" on update " + strings.ToLower(string(fk.OnUpdate)))
	}
	if fk.Alias != "" {
		b.WriteString(" alias " + fk.Alias)
	}
	if fk.As != "" {
		b.WriteString(" as " + fk.As)
	}
	if fk.InverseAlias != "" {
		b.WriteString(" inverse " + fk.InverseAlias)
	}
	return b.String()
}

// String prints the check as "check name (expr)".
func (ck *CheckDef) String() string {
	return "check " + ck.Name + " (" + ck.Expr + ")"
}
