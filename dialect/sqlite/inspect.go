package sqlite

import (
	"context"
	"database/sql"
	"regexp"
	"strconv"
	"strings"

	"github.com/hoistdb/hoist/dialect/internal/ddlgen"
	"github.com/hoistdb/hoist/sdk/schema"
)

var _ schema.Inspector = (*Dialect)(nil)

// The catalogue queries of InspectSchema: four, whatever the number of
// tables, through SQLite's table-valued pragma functions.
const (
	inspectTables = `SELECT name, sql FROM sqlite_master
WHERE type = 'table' AND name NOT LIKE 'sqlite\_%' ESCAPE '\'
ORDER BY name`

	inspectColumns = `SELECT m.name, p.name, p.type, p."notnull", p.dflt_value, p.pk
FROM sqlite_master m JOIN pragma_table_info(m.name) p
WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite\_%' ESCAPE '\'
ORDER BY m.name, p.cid`

	inspectIndexes = `SELECT m.name, il.name, il."unique", il.origin, COALESCE(ii.name, '')
FROM sqlite_master m JOIN pragma_index_list(m.name) il JOIN pragma_index_info(il.name) ii
WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite\_%' ESCAPE '\'
ORDER BY m.name, il.name, ii.seqno`

	inspectForeignKeys = `SELECT m.name, fk.id, fk."table", fk."from", COALESCE(fk."to", ''), fk.on_delete, fk.on_update
FROM sqlite_master m JOIN pragma_foreign_key_list(m.name) fk
WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite\_%' ESCAPE '\'
ORDER BY m.name, fk.id, fk.seq`
)

// InspectSchema reads the tables of the main database in four queries.
// SQLite keeps no comments, no enum names and no foreign key names:
// enum columns are read from the CHECK hoist declares with them, and
// foreign keys are named <table>_<columns>_fkey. Other checks are not
// read.
func (*Dialect) InspectSchema(ctx context.Context, q schema.Querier) (*schema.Schema, error) {
	s := &schema.Schema{}
	tables := map[string]*schema.TableDef{}
	sqls := map[string]string{}
	err := ddlgen.Each(ctx, q, inspectTables, func(scan func(...any) error) error {
		t := &schema.TableDef{}
		var text sql.NullString
		if err := scan(&t.Name, &text); err != nil {
			return err
		}
		s.Tables, tables[t.Name], sqls[t.Name] = append(s.Tables, t), t, text.String
		return nil
	})
	if err != nil {
		return nil, err
	}
	pks := map[string][]int{} // position in the key → column index
	err = ddlgen.Each(ctx, q, inspectColumns, func(scan func(...any) error) error {
		var table string
		var notNull bool
		var pk int
		var dflt sql.NullString
		c := &schema.ColumnDef{}
		if err := scan(&table, &c.Name, &c.Raw, &notNull, &dflt, &pk); err != nil {
			return err
		}
		t := tables[table]
		if t == nil {
			return nil
		}
		c.Nullable = !notNull
		liteType(c, sqls[table])
		if dflt.Valid {
			liteDefault(c, dflt.String)
		}
		if pk > 0 {
			for len(pks[table]) < pk {
				pks[table] = append(pks[table], -1)
			}
			pks[table][pk-1] = len(t.Columns)
		}
		t.Columns = append(t.Columns, c)
		return nil
	})
	if err != nil {
		return nil, err
	}
	for name, key := range pks {
		t := tables[name]
		for _, i := range key {
			t.PrimaryKey = append(t.PrimaryKey, t.Columns[i].Name)
		}
		// A single INTEGER key is the rowid: it numbers itself, 64 bits.
		if len(key) == 1 && strings.EqualFold(t.Columns[key[0]].Raw, "INTEGER") {
			c := t.Columns[key[0]]
			c.Type, c.AutoIncrement, c.Nullable = schema.TypeBigInt, true, false
		}
	}
	err = ddlgen.Each(ctx, q, inspectIndexes, func(scan func(...any) error) error {
		var table, name, origin, column string
		var unique bool
		if err := scan(&table, &name, &unique, &origin, &column); err != nil {
			return err
		}
		t := tables[table]
		switch {
		case t == nil || origin == "pk":
		case len(t.Indexes) > 0 && t.Indexes[len(t.Indexes)-1].Name == name:
			ix := t.Indexes[len(t.Indexes)-1]
			ix.Columns = append(ix.Columns, column)
		default:
			t.Indexes = append(t.Indexes, &schema.IndexDef{Name: name, Columns: []string{column}, Unique: unique})
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	lastID := map[string]int{}
	err = ddlgen.Each(ctx, q, inspectForeignKeys, func(scan func(...any) error) error {
		var table, ref, from, to, del, upd string
		var id int
		if err := scan(&table, &id, &ref, &from, &to, &del, &upd); err != nil {
			return err
		}
		t := tables[table]
		if t == nil {
			return nil
		}
		if prev, ok := lastID[table]; ok && prev == id {
			fk := t.ForeignKeys[len(t.ForeignKeys)-1]
			fk.Columns, fk.RefColumns = append(fk.Columns, from), append(fk.RefColumns, to)
			return nil
		}
		lastID[table] = id
		t.ForeignKeys = append(t.ForeignKeys, &schema.ForeignKeyDef{Columns: []string{from}, RefTable: ref,
			RefColumns: []string{to}, OnDelete: liteAction(del), OnUpdate: liteAction(upd)})
		return nil
	})
	if err != nil {
		return nil, err
	}
	for _, t := range s.Tables {
		for _, fk := range t.ForeignKeys {
			fk.Name = t.Name + "_" + strings.Join(fk.Columns, "_") + "_fkey"
		}
	}
	s.Sort()
	return s, nil
}

// Catalogued returns s as SQLite keeps it: no field, relation or enum
// names, no comments, foreign keys named <table>_<columns>_fkey, and a
// self-numbering key a 64-bit rowid.
func (*Dialect) Catalogued(s *schema.Schema) *schema.Schema {
	c := s.Catalogued()
	c.Enums = nil
	for _, t := range c.Tables {
		t.Comment = ""
		for _, col := range t.Columns {
			col.Enum, col.Comment = "", ""
			if col.AutoIncrement {
				col.Type = schema.TypeBigInt
			}
		}
		for _, fk := range t.ForeignKeys {
			fk.Name = t.Name + "_" + strings.Join(fk.Columns, "_") + "_fkey"
		}
	}
	c.Sort()
	return c
}

var liteParams = regexp.MustCompile(`^([A-Z ]+?)\s*\(\s*(\d+)\s*(?:,\s*(\d+)\s*)?\)$`)

// liteType reads a column's portable type from its declared type, and an
// enum's members from the CHECK hoist declares with it in the table's
// SQL.
func liteType(c *schema.ColumnDef, tableSQL string) {
	decl := strings.ToUpper(strings.TrimSpace(c.Raw))
	if m := liteParams.FindStringSubmatch(decl); m != nil {
		n, _ := strconv.Atoi(m[2])
		switch m[1] {
		case "VARCHAR", "CHARACTER VARYING", "NVARCHAR":
			c.Type, c.Length = schema.TypeString, n
			return
		case "DECIMAL", "NUMERIC":
			scale, _ := strconv.Atoi(m[3])
			c.Type, c.Precision, c.Scale = schema.TypeDecimal, n, scale
			return
		}
	}
	switch decl {
	case "BIGINT":
		c.Type = schema.TypeBigInt
	case "INTEGER", "INT":
		c.Type = schema.TypeInteger
	case "SMALLINT":
		c.Type = schema.TypeSmallInt
	case "TEXT":
		c.Type = schema.TypeText
		if vals, ok := enumCheck(tableSQL, c.Name); ok {
			c.Type, c.Values = schema.TypeEnum, vals
		}
	case "BOOLEAN":
		c.Type = schema.TypeBoolean
	case "FLOAT", "REAL":
		c.Type = schema.TypeFloat
	case "DOUBLE", "DOUBLE PRECISION":
		c.Type = schema.TypeDouble
	case "UUID":
		c.Type = schema.TypeUUID
	case "JSON":
		c.Type = schema.TypeJSON
	case "TIMESTAMP", "DATETIME":
		c.Type = schema.TypeTimestamp
	case "DATE":
		c.Type = schema.TypeDate
	case "TIME":
		c.Type = schema.TypeTime
	case "BLOB":
		c.Type = schema.TypeBinary
	default:
		c.Type = schema.TypeOther
	}
}

var enumMember = regexp.MustCompile(`'((?:[^']|'')*)'`)

// enumCheck finds `CHECK ("col" IN ('A', 'B'))`, as RenderDDL declares
// an enum column, in the table's SQL.
func enumCheck(tableSQL, column string) ([]string, bool) {
	head := "CHECK (" + ddl.Quote(column) + " IN ("
	i := strings.Index(tableSQL, head)
	if i < 0 {
		return nil, false
	}
	rest := tableSQL[i+len(head):]
	end := strings.Index(rest, "))")
	if end < 0 {
		return nil, false
	}
	var vals []string
	for _, m := range enumMember.FindAllString(rest[:end], -1) {
		v, _ := ddlgen.Unquote(m, false)
		vals = append(vals, v)
	}
	return vals, true
}

// liteDefault reads a default as the table's SQL wrote it.
func liteDefault(c *schema.ColumnDef, v string) {
	v = strings.TrimSpace(v)
	for len(v) > 1 && v[0] == '(' && v[len(v)-1] == ')' {
		v = v[1 : len(v)-1]
	}
	switch {
	case strings.EqualFold(v, "NULL"):
	case ddlgen.IsNow(v):
		c.Default = &schema.Default{Value: schema.CurrentTimestamp, Expr: true}
	default:
		if s, ok := ddlgen.Unquote(v, false); ok {
			c.Default = ddlgen.Literal(c, s)
		} else if _, ok := ddlgen.Number(v); ok || c.Type == schema.TypeBoolean {
			c.Default = ddlgen.Literal(c, v)
		} else {
			c.Default = &schema.Default{Value: v, Expr: true}
		}
	}
}

func liteAction(rule string) schema.Action {
	if rule == "NO ACTION" {
		return schema.NoAction
	}
	return schema.Action(rule)
}
