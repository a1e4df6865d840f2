package sqlite

import (
	"slices"
	"strconv"
	"strings"

	"github.com/hoistdb/hoist/dialect/internal/ddlgen"
	"github.com/hoistdb/hoist/sdk/schema"
)

var _ schema.Renderer = (*Dialect)(nil)

// ddl is how SQLite spells names and literals in DDL.
var ddl = ddlgen.Engine{
	Quote:  spelling.QuoteIdent,
	String: func(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" },
	Bool: func(b bool) string {
		if b {
			return "1"
		}
		return "0"
	},
	Now: func(*schema.ColumnDef) string { return "CURRENT_TIMESTAMP" },
}

// RenderDDL spells schema changes for SQLite: an enum is TEXT with a
// CHECK of its members, a self-numbering key INTEGER PRIMARY KEY
// AUTOINCREMENT, and a foreign key on one column a clause of that column,
// so that the column can be dropped again. Adding a foreign key to a
// column that exists, dropping one without its column, changing a
// column or the primary key rebuilds the table (see rebuild).
func (*Dialect) RenderDDL(current *schema.Schema, changes []schema.Change) ([]string, error) {
	out, _, err := render(current, changes)
	return out, err
}

// render is RenderDDL, which also returns the tables it rebuilds that
// other tables reference (see foreignkeys.go).
func render(current *schema.Schema, changes []schema.Change) (out, referenced []string, err error) {
	out, referenced, _, err = renderRebuilds(current, changes)
	return out, referenced, err
}

// renderRebuilds is render, which also returns every table it rebuilds.
func renderRebuilds(current *schema.Schema, changes []schema.Change) (out, referenced, rebuiltTables []string, err error) {
	done := map[int]bool{} // foreign key changes folded into a column change
	// rebuilt rebuilds the table of changes[i] as it is after it, from
	// the schema the earlier changes leave.
	rebuilt := func(i int, table string) ([]string, error) {
		_, before, err := schema.Plan(current, changes[:i])
		if err != nil {
			return nil, err
		}
		_, after, err := schema.Plan(before, changes[i:i+1])
		if err != nil {
			return nil, err
		}
		if referencedBy(before, table) != "" && !slices.Contains(referenced, table) {
			referenced = append(referenced, table)
		}
		if !slices.Contains(rebuiltTables, table) {
			rebuiltTables = append(rebuiltTables, table)
		}
		return rebuild(before, after, table)
	}
	for i, c := range changes {
		if done[i] {
			continue
		}
		switch c := c.(type) {
		case schema.CreateEnum, schema.DropEnum:
			// enums live in their columns' checks
		case schema.CreateTable:
			out = append(out, createTable(c.Table)...)
		case schema.DropTable:
			out = append(out, "DROP TABLE "+ddl.Quote(c.Name))
		case schema.RenameTable:
			out = append(out, "ALTER TABLE "+ddl.Quote(c.From)+" RENAME TO "+ddl.Quote(c.To))
		case schema.AddColumn:
			col := column(c.Column, false)
			for j := i + 1; j < len(changes); j++ {
				if fk, ok := changes[j].(schema.AddForeignKey); ok && fk.Table == c.Table && slices.Equal(fk.ForeignKey.Columns, []string{c.Column.Name}) {
					col += " " + ddl.References(fk.ForeignKey)
					done[j] = true
					break
				}
				if rebuilds(changes[j], c.Table) {
					break
				}
			}
			out = append(out, "ALTER TABLE "+ddl.Quote(c.Table)+" ADD COLUMN "+col)
		case schema.ChangeColumn, schema.ChangePrimaryKey:
			stmts, err := rebuilt(i, alteredTable(c))
			if err != nil {
				return nil, nil, nil, err
			}
			out = append(out, stmts...)
		case schema.DropColumn:
			out = append(out, "ALTER TABLE "+ddl.Quote(c.Table)+" DROP COLUMN "+ddl.Quote(c.Column))
		case schema.RenameColumn:
			out = append(out, "ALTER TABLE "+ddl.Quote(c.Table)+" RENAME COLUMN "+ddl.Quote(c.From)+" TO "+ddl.Quote(c.To))
		case schema.AddIndex:
			out = append(out, ddl.CreateIndex(c.Table, c.Index))
		case schema.DropIndex:
			out = append(out, "DROP INDEX "+ddl.Quote(c.Name))
		case schema.DropForeignKey:
			// A key on one column goes with the column, if it is dropped
			// later in the same migration.
			folded := false
			for j := i + 1; j < len(changes) && len(c.Columns) == 1; j++ {
				if dc, ok := changes[j].(schema.DropColumn); ok && dc.Table == c.Table && dc.Column == c.Columns[0] {
					folded = true
					break
				}
			}
			if !folded {
				stmts, err := rebuilt(i, c.Table)
				if err != nil {
					return nil, nil, nil, err
				}
				out = append(out, stmts...)
			}
		case schema.AddForeignKey:
			stmts, err := rebuilt(i, c.Table)
			if err != nil {
				return nil, nil, nil, err
			}
			out = append(out, stmts...)
		case schema.AddEnumValue:
			// The members are in each column's CHECK, which SQLite
			// cannot alter: every table with a column of the enum is
			// rebuilt.
			_, before, err := schema.Plan(current, changes[:i])
			if err != nil {
				return nil, nil, nil, err
			}
			for _, t := range before.Tables {
				if !slices.ContainsFunc(t.Columns, func(col *schema.ColumnDef) bool { return col.Type == schema.TypeEnum && col.Enum == c.Enum }) {
					continue
				}
				stmts, err := rebuilt(i, t.Name)
				if err != nil {
					return nil, nil, nil, err
				}
				out = append(out, stmts...)
			}
		default:
			return nil, nil, nil, ddlgen.Unsupported("sqlite", c, "unknown change")
		}
	}
	return out, referenced, rebuiltTables, nil
}

// rebuilds reports whether c may rebuild table, which would lose a key
// folded into an earlier column before its own change: the rebuild
// copies the table as the changes before it leave it.
func rebuilds(c schema.Change, table string) bool {
	switch c := c.(type) {
	case schema.ChangeColumn:
		return c.Table == table
	case schema.DropForeignKey:
		return c.Table == table
	case schema.AddForeignKey:
		return c.Table == table
	}
	return false
}

// createTable creates the table with its key and foreign keys, then its
// indexes. A self-numbering key is declared on its column, as SQLite
// requires.
func createTable(t *schema.TableDef) []string {
	rowid := len(t.PrimaryKey) == 1 && t.Column(t.PrimaryKey[0]) != nil && t.Column(t.PrimaryKey[0]).AutoIncrement
	inline := map[string]*schema.ForeignKeyDef{}
	for _, fk := range t.ForeignKeys {
		if len(fk.Columns) == 1 && inline[fk.Columns[0]] == nil {
			inline[fk.Columns[0]] = fk
		}
	}
	var defs []string
	for _, c := range t.Columns {
		d := column(c, rowid && c.Name == t.PrimaryKey[0])
		if fk := inline[c.Name]; fk != nil {
			d += " " + ddl.References(fk)
		}
		defs = append(defs, d)
	}
	if len(t.PrimaryKey) > 0 && !rowid {
		defs = append(defs, "PRIMARY KEY ("+ddl.Names(t.PrimaryKey)+")")
	}
	for _, fk := range t.ForeignKeys {
		if inline[fk.Columns[0]] != fk {
			defs = append(defs, "FOREIGN KEY ("+ddl.Names(fk.Columns)+") "+ddl.References(fk))
		}
	}
	out := []string{"CREATE TABLE " + ddl.Quote(t.Name) + " (\n  " + strings.Join(defs, ",\n  ") + "\n)"}
	for _, ix := range t.Indexes {
		out = append(out, ddl.CreateIndex(t.Name, ix))
	}
	return out
}

// column spells one column definition; key is set for the table's
// self-numbering key.
func column(c *schema.ColumnDef, key bool) string {
	if key {
		return ddl.Quote(c.Name) + " INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT"
	}
	s := ddl.Quote(c.Name) + " " + columnType(c)
	if !c.Nullable {
		s += " NOT NULL"
	}
	if d := ddl.Default(c); d != "" {
		s += " DEFAULT " + d
	}
	if c.Type == schema.TypeEnum {
		s += " CHECK (" + ddl.Quote(c.Name) + " IN (" + ddl.Strings(c.Values) + "))"
	}
	return s
}

// columnType is the declared type of a portable one. SQLite keeps the
// declaration as written, which is how inspection reads the portable
// type back; the value's affinity follows SQLite's rules for the name.
func columnType(c *schema.ColumnDef) string {
	switch c.Type {
	case schema.TypeString:
		return "VARCHAR(" + strconv.Itoa(c.Length) + ")"
	case schema.TypeDecimal:
		return "DECIMAL(" + strconv.Itoa(c.Precision) + "," + strconv.Itoa(c.Scale) + ")"
	case schema.TypeEnum:
		return "TEXT"
	case schema.TypeOther:
		return c.Raw
	}
	return liteTypes[c.Type]
}

var liteTypes = map[schema.Type]string{
	schema.TypeBigInt:    "BIGINT",
	schema.TypeInteger:   "INT", // INTEGER PRIMARY KEY would be the rowid, numbering itself
	schema.TypeSmallInt:  "SMALLINT",
	schema.TypeText:      "TEXT",
	schema.TypeBoolean:   "BOOLEAN",
	schema.TypeFloat:     "FLOAT",
	schema.TypeDouble:    "DOUBLE",
	schema.TypeUUID:      "UUID",
	schema.TypeJSON:      "JSON",
	schema.TypeTimestamp: "TIMESTAMP",
	schema.TypeDate:      "DATE",
	schema.TypeTime:      "TIME",
	schema.TypeBinary:    "BLOB",
}

// alteredTable is the table of a change that rebuilds one.
func alteredTable(c schema.Change) string {
	if c, ok := c.(schema.ChangePrimaryKey); ok {
		return c.Table
	}
	return c.(schema.ChangeColumn).Table
}
