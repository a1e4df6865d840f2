package mysql

import (
	"context"
	"database/sql"
	"regexp"
	"strings"

	"github.com/hoistdb/hoist/dialect/internal/ddlgen"
	"github.com/hoistdb/hoist/sdk/schema"
)

var _ schema.Inspector = (*Dialect)(nil)

// The catalogue queries of InspectSchema: seven, whatever the number of
// tables, the first to tell MariaDB from MySQL, whose catalogues spell
// defaults and checks differently.
const (
	inspectVersion = `SELECT VERSION()`

	inspectTables = `SELECT TABLE_NAME, TABLE_COMMENT FROM information_schema.TABLES
WHERE TABLE_SCHEMA = DATABASE() AND TABLE_TYPE = 'BASE TABLE'
ORDER BY TABLE_NAME`

	inspectColumns = `SELECT TABLE_NAME, COLUMN_NAME, COLUMN_TYPE, DATA_TYPE, IS_NULLABLE, COLUMN_DEFAULT, EXTRA, COLUMN_COMMENT,
  COALESCE(CHARACTER_MAXIMUM_LENGTH, 0), COALESCE(NUMERIC_PRECISION, 0), COALESCE(NUMERIC_SCALE, 0)
FROM information_schema.COLUMNS
WHERE TABLE_SCHEMA = DATABASE()
ORDER BY TABLE_NAME, ORDINAL_POSITION`

	inspectIndexes = `SELECT TABLE_NAME, INDEX_NAME, NON_UNIQUE, COLUMN_NAME
FROM information_schema.STATISTICS
WHERE TABLE_SCHEMA = DATABASE()
ORDER BY TABLE_NAME, INDEX_NAME, SEQ_IN_INDEX`

	// Key columns and referential rules are read apart: MariaDB joins
	// the two views row by row, ten times slower than reading both.
	inspectForeignKeys = `SELECT TABLE_NAME, CONSTRAINT_NAME, COLUMN_NAME, REFERENCED_TABLE_NAME, REFERENCED_COLUMN_NAME
FROM information_schema.KEY_COLUMN_USAGE
WHERE TABLE_SCHEMA = DATABASE() AND REFERENCED_TABLE_NAME IS NOT NULL
ORDER BY TABLE_NAME, CONSTRAINT_NAME, ORDINAL_POSITION`

	inspectRules = `SELECT TABLE_NAME, CONSTRAINT_NAME, DELETE_RULE, UPDATE_RULE
FROM information_schema.REFERENTIAL_CONSTRAINTS
WHERE CONSTRAINT_SCHEMA = DATABASE()`

	// MariaDB names checks per table and says which table; MySQL 8
	// names them per schema and says it in TABLE_CONSTRAINTS.
	inspectChecksMariaDB = `SELECT TABLE_NAME, CONSTRAINT_NAME, CHECK_CLAUSE FROM information_schema.CHECK_CONSTRAINTS
WHERE CONSTRAINT_SCHEMA = DATABASE()`
	inspectChecksMySQL = `SELECT tc.TABLE_NAME, tc.CONSTRAINT_NAME, cc.CHECK_CLAUSE
FROM information_schema.TABLE_CONSTRAINTS tc
JOIN information_schema.CHECK_CONSTRAINTS cc ON cc.CONSTRAINT_SCHEMA = tc.CONSTRAINT_SCHEMA AND cc.CONSTRAINT_NAME = tc.CONSTRAINT_NAME
WHERE tc.TABLE_SCHEMA = DATABASE() AND tc.CONSTRAINT_TYPE = 'CHECK'`
)

// InspectSchema reads the tables of DATABASE() in seven catalogue
// queries.
// MySQL has no named enums: enum columns come back with their members
// and no enum name.
func (*Dialect) InspectSchema(ctx context.Context, q schema.Querier) (*schema.Schema, error) {
	var version string
	if err := ddlgen.Each(ctx, q, inspectVersion, func(scan func(...any) error) error { return scan(&version) }); err != nil {
		return nil, err
	}
	mariaDB := strings.Contains(strings.ToLower(version), "mariadb")
	s := &schema.Schema{}
	tables := map[string]*schema.TableDef{}
	err := ddlgen.Each(ctx, q, inspectTables, func(scan func(...any) error) error {
		t := &schema.TableDef{}
		if err := scan(&t.Name, &t.Comment); err != nil {
			return err
		}
		s.Tables, tables[t.Name] = append(s.Tables, t), t
		return nil
	})
	if err != nil {
		return nil, err
	}
	err = ddlgen.Each(ctx, q, inspectColumns, func(scan func(...any) error) error {
		var table, dataType, nullable, extra string
		var dflt sql.NullString
		var length, precision, scale int64
		c := &schema.ColumnDef{}
		if err := scan(&table, &c.Name, &c.Raw, &dataType, &nullable, &dflt, &extra, &c.Comment, &length, &precision, &scale); err != nil {
			return err
		}
		c.Nullable = nullable == "YES"
		c.AutoIncrement = strings.Contains(strings.ToLower(extra), "auto_increment")
		myType(c, strings.ToLower(dataType), int(length), int(precision), int(scale))
		myDefault(c, dflt, extra, mariaDB)
		if t := tables[table]; t != nil {
			t.Columns = append(t.Columns, c)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	err = ddlgen.Each(ctx, q, inspectIndexes, func(scan func(...any) error) error {
		var table, name, column string
		var nonUnique int
		if err := scan(&table, &name, &nonUnique, &column); err != nil {
			return err
		}
		t := tables[table]
		switch {
		case t == nil:
		case name == "PRIMARY":
			t.PrimaryKey = append(t.PrimaryKey, column)
		case len(t.Indexes) > 0 && t.Indexes[len(t.Indexes)-1].Name == name:
			ix := t.Indexes[len(t.Indexes)-1]
			ix.Columns = append(ix.Columns, column)
		default:
			t.Indexes = append(t.Indexes, &schema.IndexDef{Name: name, Columns: []string{column}, Unique: nonUnique == 0})
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	type rule struct{ del, upd string }
	rules := map[[2]string]rule{}
	err = ddlgen.Each(ctx, q, inspectRules, func(scan func(...any) error) error {
		var table, name string
		var r rule
		if err := scan(&table, &name, &r.del, &r.upd); err != nil {
			return err
		}
		rules[[2]string{table, name}] = r
		return nil
	})
	if err != nil {
		return nil, err
	}
	err = ddlgen.Each(ctx, q, inspectForeignKeys, func(scan func(...any) error) error {
		var table, name, column, ref, refColumn string
		if err := scan(&table, &name, &column, &ref, &refColumn); err != nil {
			return err
		}
		t := tables[table]
		switch {
		case t == nil:
		case len(t.ForeignKeys) > 0 && t.ForeignKeys[len(t.ForeignKeys)-1].Name == name:
			fk := t.ForeignKeys[len(t.ForeignKeys)-1]
			fk.Columns, fk.RefColumns = append(fk.Columns, column), append(fk.RefColumns, refColumn)
		default:
			r := rules[[2]string{table, name}]
			t.ForeignKeys = append(t.ForeignKeys, &schema.ForeignKeyDef{Name: name, Columns: []string{column},
				RefTable: ref, RefColumns: []string{refColumn}, OnDelete: myAction(r.del), OnUpdate: myAction(r.upd)})
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	checks := inspectChecksMySQL
	if mariaDB {
		checks = inspectChecksMariaDB
	}
	err = ddlgen.Each(ctx, q, checks, func(scan func(...any) error) error {
		var table, name, clause string
		if err := scan(&table, &name, &clause); err != nil {
			return err
		}
		t := tables[table]
		if t == nil {
			return nil
		}
		// MariaDB's JSON is LONGTEXT with this check, named after the column.
		if c := t.Column(name); c != nil && strings.EqualFold(c.Raw, "longtext") && clause == "json_valid("+ddl.Quote(name)+")" {
			c.Type = schema.TypeJSON
			return nil
		}
		t.Checks = append(t.Checks, &schema.CheckDef{Name: name, Expr: clause})
		return nil
	})
	if err != nil {
		return nil, err
	}
	s.Sort()
	return s, nil
}

// Catalogued returns s as MySQL keeps it: no field, relation or enum
// names; RESTRICT is NO ACTION, which InnoDB treats alike and reports
// as RESTRICT when none was given; and, for each foreign key that no
// index serves (one that begins with its columns), the index InnoDB
// adds by the key's name.
func (*Dialect) Catalogued(s *schema.Schema) *schema.Schema {
	c := s.Catalogued()
	c.Enums = nil
	for _, t := range c.Tables {
		for _, col := range t.Columns {
			col.Enum = ""
		}
		for _, fk := range t.ForeignKeys {
			if fk.OnDelete == schema.Restrict {
				fk.OnDelete = schema.NoAction
			}
			if fk.OnUpdate == schema.Restrict {
				fk.OnUpdate = schema.NoAction
			}
			if !served(t, fk.Columns) {
				t.Indexes = append(t.Indexes, &schema.IndexDef{Name: fk.Name, Columns: append([]string(nil), fk.Columns...)})
			}
		}
	}
	c.Sort()
	return c
}

// served reports whether the primary key or an index of t begins with
// columns.
func served(t *schema.TableDef, columns []string) bool {
	begins := func(list []string) bool {
		if len(list) < len(columns) {
			return false
		}
		for i, c := range columns {
			if list[i] != c {
				return false
			}
		}
		return true
	}
	if begins(t.PrimaryKey) {
		return true
	}
	for _, ix := range t.Indexes {
		if begins(ix.Columns) {
			return true
		}
	}
	return false
}

// myType reads a column's portable type from the catalogue.
func myType(c *schema.ColumnDef, dataType string, length, precision, scale int) {
	raw := strings.ToLower(c.Raw)
	switch dataType {
	case "bigint":
		c.Type = schema.TypeBigInt
	case "int":
		c.Type = schema.TypeInteger
	case "smallint":
		c.Type = schema.TypeSmallInt
	case "tinyint":
		c.Type = schema.TypeOther
		if raw == "tinyint(1)" {
			c.Type = schema.TypeBoolean
		}
	case "varchar":
		c.Type, c.Length = schema.TypeString, length
	case "char":
		c.Type = schema.TypeOther
		if length == 36 {
			c.Type = schema.TypeUUID
		}
	case "text":
		c.Type = schema.TypeText
	case "json":
		c.Type = schema.TypeJSON
	case "decimal":
		c.Type, c.Precision, c.Scale = schema.TypeDecimal, precision, scale
	case "float":
		c.Type = schema.TypeFloat
	case "double":
		c.Type = schema.TypeDouble
	case "datetime", "timestamp":
		c.Type = schema.TypeTimestamp
	case "date":
		c.Type = schema.TypeDate
	case "time":
		c.Type = schema.TypeTime
	case "longblob", "blob", "mediumblob":
		c.Type = schema.TypeBinary
	case "enum":
		c.Type, c.Values = schema.TypeEnum, enumMembers(c.Raw)
	default:
		c.Type = schema.TypeOther
	}
	if strings.Contains(raw, "unsigned") && c.Type != schema.TypeOther {
		c.Type = schema.TypeOther // hoist builds only signed integers
	}
}

var enumMember = regexp.MustCompile(`'((?:[^'\\]|''|\\.)*)'`)

// enumMembers reads the members of enum('A','B').
func enumMembers(raw string) []string {
	var out []string
	for _, m := range enumMember.FindAllString(raw, -1) {
		v, _ := ddlgen.Unquote(m, true)
		out = append(out, v)
	}
	return out
}

// myDefault reads COLUMN_DEFAULT into the model's default. MariaDB
// quotes string literals and spells NULL for no default; MySQL 8 keeps
// literals bare and marks expressions DEFAULT_GENERATED.
func myDefault(c *schema.ColumnDef, dflt sql.NullString, extra string, mariaDB bool) {
	if !dflt.Valid || (mariaDB && dflt.String == "NULL") {
		return
	}
	v := dflt.String
	switch {
	case ddlgen.IsNow(v):
		c.Default = &schema.Default{Value: schema.CurrentTimestamp, Expr: true}
	case !mariaDB && strings.Contains(strings.ToUpper(extra), "DEFAULT_GENERATED"):
		c.Default = &schema.Default{Value: v, Expr: true}
	case !mariaDB:
		c.Default = ddlgen.Literal(c, v)
	default:
		if s, ok := ddlgen.Unquote(v, true); ok {
			c.Default = ddlgen.Literal(c, s)
		} else if _, ok := ddlgen.Number(v); ok {
			c.Default = ddlgen.Literal(c, v)
		} else {
			c.Default = &schema.Default{Value: v, Expr: true}
		}
	}
}

// myAction reads a referential rule. RESTRICT is NO ACTION on InnoDB,
// and MariaDB reports it for a key that gave no action.
func myAction(rule string) schema.Action {
	if rule == "NO ACTION" || rule == "RESTRICT" {
		return schema.NoAction
	}
	return schema.Action(rule)
}
