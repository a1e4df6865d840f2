package mysql

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/hoistdb/hoist/dialect/internal/ddlgen"
	"github.com/hoistdb/hoist/sdk/schema"
)

var _ schema.Renderer = (*Dialect)(nil)

// ddl is how MySQL and MariaDB spell names and literals in DDL. Strings
// go through appendString, which means the same whatever sql_mode says
// of backslashes.
var ddl = ddlgen.Engine{
	Quote:  spelling.QuoteIdent,
	String: func(s string) string { return string(appendString(nil, s)) },
	Bool: func(b bool) string {
		if b {
			return "1"
		}
		return "0"
	},
	Now: func(*schema.ColumnDef) string { return "CURRENT_TIMESTAMP(6)" },
}

// RenderDDL spells schema changes for MySQL and MariaDB: enums inline
// (ENUM('A','B')), self-numbering keys AUTO_INCREMENT, tables InnoDB in
// utf8mb4. Every statement commits implicitly; see docs/schema.md.
func (*Dialect) RenderDDL(current *schema.Schema, changes []schema.Change) ([]string, error) {
	var out []string
	for i, c := range changes {
		switch c := c.(type) {
		case schema.CreateEnum, schema.DropEnum:
			// enums live in their columns
		case schema.CreateTable:
			s, err := createTable(c.Table)
			if err != nil {
				return nil, err
			}
			out = append(out, s)
		case schema.DropTable:
			out = append(out, "DROP TABLE "+ddl.Quote(c.Name))
		case schema.RenameTable:
			out = append(out, "RENAME TABLE "+ddl.Quote(c.From)+" TO "+ddl.Quote(c.To))
		case schema.AddColumn:
			col, err := column(c.Column)
			if err != nil {
				return nil, err
			}
			out = append(out, "ALTER TABLE "+ddl.Quote(c.Table)+" ADD COLUMN "+col)
		case schema.ChangeColumn:
			col, err := column(c.Column)
			if err != nil {
				return nil, err
			}
			out = append(out, "ALTER TABLE "+ddl.Quote(c.Table)+" MODIFY COLUMN "+col)
		case schema.ChangePrimaryKey:
			_, before, err := schema.Plan(current, changes[:i])
			if err != nil {
				return nil, err
			}
			add := "ADD PRIMARY KEY (" + ddl.Names(c.Columns) + ")"
			if t := before.Table(c.Table); t != nil && len(t.PrimaryKey) > 0 {
				add = "DROP PRIMARY KEY, " + add // one statement: the table is never without a key
			}
			out = append(out, "ALTER TABLE "+ddl.Quote(c.Table)+" "+add)
		case schema.DropColumn:
			out = append(out, "ALTER TABLE "+ddl.Quote(c.Table)+" DROP COLUMN "+ddl.Quote(c.Column))
		case schema.RenameColumn:
			out = append(out, "ALTER TABLE "+ddl.Quote(c.Table)+" RENAME COLUMN "+ddl.Quote(c.From)+" TO "+ddl.Quote(c.To))
		case schema.AddIndex:
			out = append(out, ddl.CreateIndex(c.Table, c.Index))
		case schema.DropIndex:
			out = append(out, "DROP INDEX "+ddl.Quote(c.Name)+" ON "+ddl.Quote(c.Table))
		case schema.AddForeignKey:
			out = append(out, "ALTER TABLE "+ddl.Quote(c.Table)+" ADD "+ddl.ForeignKey(c.ForeignKey))
		case schema.DropForeignKey:
			out = append(out, "ALTER TABLE "+ddl.Quote(c.Table)+" DROP FOREIGN KEY "+ddl.Quote(c.Name))
			// InnoDB added an index of the key's name if no index could
			// serve it; it outlives the key unless dropped too.
			if t := current.Table(c.Table); t != nil {
				if ix, fk := t.Index(c.Name), t.ForeignKey(c.Name); ix != nil && fk != nil && strings.Join(ix.Columns, ",") == strings.Join(fk.Columns, ",") {
					out = append(out, "DROP INDEX "+ddl.Quote(c.Name)+" ON "+ddl.Quote(c.Table))
				}
			}
		case schema.AddEnumValue:
			stmts, err := addEnumValue(current, changes[:i], c)
			if err != nil {
				return nil, err
			}
			out = append(out, stmts...)
		default:
			return nil, ddlgen.Unsupported("mysql", c, "unknown change")
		}
	}
	return out, nil
}

// createTable creates the table with its key, indexes and foreign keys
// in one statement.
func createTable(t *schema.TableDef) (string, error) {
	var defs []string
	for _, c := range t.Columns {
		col, err := column(c)
		if err != nil {
			return "", err
		}
		defs = append(defs, col)
	}
	if len(t.PrimaryKey) > 0 {
		defs = append(defs, "PRIMARY KEY ("+ddl.Names(t.PrimaryKey)+")")
	}
	for _, ix := range t.Indexes {
		kind := "KEY "
		if ix.Unique {
			kind = "UNIQUE KEY "
		}
		defs = append(defs, kind+ddl.Quote(ix.Name)+" ("+ddl.Names(ix.Columns)+")")
	}
	for _, fk := range t.ForeignKeys {
		defs = append(defs, ddl.ForeignKey(fk))
	}
	s := "CREATE TABLE " + ddl.Quote(t.Name) + " (\n  " + strings.Join(defs, ",\n  ") + "\n) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4"
	if t.Comment != "" {
		c, err := comment(t.Comment)
		if err != nil {
			return "", fmt.Errorf("table %s: %w", t.Name, err)
		}
		s += " COMMENT=" + c
	}
	return s, nil
}

// comment spells a comment, which must be a plain quoted string: MySQL
// takes no hexadecimal literal there, and a backslash means something
// different under NO_BACKSLASH_ESCAPES.
func comment(text string) (string, error) {
	if strings.Contains(text, `\`) {
		return "", fmt.Errorf("comment %q holds a backslash, which MySQL reads differently depending on sql_mode", text)
	}
	return "'" + strings.ReplaceAll(text, "'", "''") + "'", nil
}

// column spells one column definition.
func column(c *schema.ColumnDef) (string, error) {
	s := ddl.Quote(c.Name) + " " + columnType(c)
	if c.Nullable {
		s += " NULL"
	} else {
		s += " NOT NULL"
	}
	if c.AutoIncrement {
		s += " AUTO_INCREMENT"
	}
	if d := ddl.Default(c); d != "" {
		s += " DEFAULT " + d
	}
	if c.Comment != "" {
		cm, err := comment(c.Comment)
		if err != nil {
			return "", fmt.Errorf("column %s: %w", c.Name, err)
		}
		s += " COMMENT " + cm
	}
	return s, nil
}

// columnType is the MySQL type of a portable one. Timestamps are
// DATETIME(6): no time zone conversion, no 2038 limit, and microseconds
// as on the other engines; UUIDs are CHAR(36), booleans TINYINT(1).
func columnType(c *schema.ColumnDef) string {
	switch c.Type {
	case schema.TypeString:
		return "VARCHAR(" + strconv.Itoa(c.Length) + ")"
	case schema.TypeDecimal:
		return "DECIMAL(" + strconv.Itoa(c.Precision) + "," + strconv.Itoa(c.Scale) + ")"
	case schema.TypeEnum:
		return "ENUM(" + ddl.Strings(c.Values) + ")"
	case schema.TypeOther:
		return c.Raw
	}
	return myTypes[c.Type]
}

var myTypes = map[schema.Type]string{
	schema.TypeBigInt:    "BIGINT",
	schema.TypeInteger:   "INT",
	schema.TypeSmallInt:  "SMALLINT",
	schema.TypeText:      "TEXT",
	schema.TypeBoolean:   "TINYINT(1)",
	schema.TypeFloat:     "FLOAT",
	schema.TypeDouble:    "DOUBLE",
	schema.TypeUUID:      "CHAR(36)",
	schema.TypeJSON:      "JSON",
	schema.TypeTimestamp: "DATETIME(6)",
	schema.TypeDate:      "DATE",
	schema.TypeTime:      "TIME",
	schema.TypeBinary:    "LONGBLOB",
}

// addEnumValue redefines every column of the enum, as the changes before
// it leave the schema, with the member added at the end: MySQL spells an
// enum's members in each column. current names the enums of its columns
// from the metadata earlier schema migrations kept. MODIFY keeps the
// rows, whose values are all members still.
func addEnumValue(current *schema.Schema, before []schema.Change, c schema.AddEnumValue) ([]string, error) {
	_, s, err := schema.Plan(current, before)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, t := range s.Tables {
		for _, col := range t.Columns {
			if col.Type != schema.TypeEnum || col.Enum != c.Enum {
				continue
			}
			next := col.Clone()
			next.Values = append(next.Values, c.Value)
			def, err := column(next)
			if err != nil {
				return nil, err
			}
			out = append(out, "ALTER TABLE "+ddl.Quote(t.Name)+" MODIFY COLUMN "+def)
		}
	}
	return out, nil
}
