package postgres

import (
	"context"
	"regexp"
	"strconv"
	"strings"

	"github.com/hoistdb/hoist/dialect/internal/ddlgen"
	"github.com/hoistdb/hoist/sdk/schema"
)

var _ schema.Inspector = (*Dialect)(nil)

// The catalogue queries of InspectSchema: five, whatever the number of
// tables. Lists of names come back joined by chr(31), which no name a
// builder accepts holds.
const (
	inspectTables = `SELECT c.relname, COALESCE(obj_description(c.oid, 'pg_class'), '')
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p')
ORDER BY c.relname`

	inspectColumns = `SELECT c.relname, a.attname, format_type(a.atttypid, a.atttypmod), t.typname, t.typtype = 'e',
  a.attnotnull, COALESCE(pg_get_expr(d.adbin, d.adrelid), ''), a.attidentity <> '', COALESCE(col_description(c.oid, a.attnum), '')
FROM pg_attribute a
JOIN pg_class c ON c.oid = a.attrelid
JOIN pg_namespace n ON n.oid = c.relnamespace
JOIN pg_type t ON t.oid = a.atttypid
LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p') AND a.attnum > 0 AND NOT a.attisdropped
ORDER BY c.relname, a.attnum`

	inspectEnums = `SELECT t.typname, e.enumlabel
FROM pg_type t JOIN pg_enum e ON e.enumtypid = t.oid JOIN pg_namespace n ON n.oid = t.typnamespace
WHERE n.nspname = current_schema()
ORDER BY t.typname, e.enumsortorder`

	inspectConstraints = `SELECT c.relname, con.conname, con.contype,
  array_to_string(ARRAY(SELECT a.attname FROM unnest(con.conkey) WITH ORDINALITY k(num, ord)
    JOIN pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = k.num ORDER BY k.ord), chr(31)),
  COALESCE((SELECT r.relname FROM pg_class r WHERE r.oid = con.confrelid), ''),
  array_to_string(ARRAY(SELECT a.attname FROM unnest(con.confkey) WITH ORDINALITY k(num, ord)
    JOIN pg_attribute a ON a.attrelid = con.confrelid AND a.attnum = k.num ORDER BY k.ord), chr(31)),
  con.confdeltype, con.confupdtype, pg_get_constraintdef(con.oid)
FROM pg_constraint con
JOIN pg_class c ON c.oid = con.conrelid
JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = current_schema() AND con.contype IN ('p', 'f', 'c')
ORDER BY c.relname, con.conname`

	inspectIndexes = `SELECT c.relname, i.relname, ix.indisunique,
  array_to_string(ARRAY(SELECT a.attname FROM unnest(ix.indkey::int2[]) WITH ORDINALITY k(num, ord)
    JOIN pg_attribute a ON a.attrelid = ix.indrelid AND a.attnum = k.num ORDER BY k.ord), chr(31))
FROM pg_index ix
JOIN pg_class c ON c.oid = ix.indrelid
JOIN pg_class i ON i.oid = ix.indexrelid
JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = current_schema() AND NOT ix.indisprimary
ORDER BY c.relname, i.relname`
)

// InspectSchema reads the tables and enums of current_schema() in five
// catalogue queries.
func (*Dialect) InspectSchema(ctx context.Context, q schema.Querier) (*schema.Schema, error) {
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
	enums := map[string]*schema.EnumDef{}
	err = ddlgen.Each(ctx, q, inspectEnums, func(scan func(...any) error) error {
		var name, label string
		if err := scan(&name, &label); err != nil {
			return err
		}
		e := enums[name]
		if e == nil {
			e = &schema.EnumDef{Name: name}
			s.Enums, enums[name] = append(s.Enums, e), e
		}
		e.Values = append(e.Values, label)
		return nil
	})
	if err != nil {
		return nil, err
	}
	err = ddlgen.Each(ctx, q, inspectColumns, func(scan func(...any) error) error {
		var table, typname, dflt string
		var isEnum, notNull bool
		c := &schema.ColumnDef{}
		if err := scan(&table, &c.Name, &c.Raw, &typname, &isEnum, &notNull, &dflt, &c.AutoIncrement, &c.Comment); err != nil {
			return err
		}
		c.Nullable = !notNull
		pgType(c, typname, isEnum, enums)
		pgDefault(c, dflt)
		if t := tables[table]; t != nil {
			t.Columns = append(t.Columns, c)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	err = ddlgen.Each(ctx, q, inspectConstraints, func(scan func(...any) error) error {
		var table, name, kind, cols, ref, refCols, del, upd, def string
		if err := scan(&table, &name, &kind, &cols, &ref, &refCols, &del, &upd, &def); err != nil {
			return err
		}
		t := tables[table]
		if t == nil {
			return nil
		}
		switch kind {
		case "p":
			t.PrimaryKey = ddlgen.Split(cols)
		case "f":
			t.ForeignKeys = append(t.ForeignKeys, &schema.ForeignKeyDef{Name: name, Columns: ddlgen.Split(cols),
				RefTable: ref, RefColumns: ddlgen.Split(refCols), OnDelete: pgAction(del), OnUpdate: pgAction(upd)})
		case "c":
			t.Checks = append(t.Checks, &schema.CheckDef{Name: name, Expr: strings.TrimSuffix(strings.TrimPrefix(def, "CHECK ("), ")")})
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	err = ddlgen.Each(ctx, q, inspectIndexes, func(scan func(...any) error) error {
		var table, cols string
		ix := &schema.IndexDef{}
		if err := scan(&table, &ix.Name, &ix.Unique, &cols); err != nil {
			return err
		}
		ix.Columns = ddlgen.Split(cols)
		if t := tables[table]; t != nil {
			t.Indexes = append(t.Indexes, ix)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	s.Sort()
	return s, nil
}

// Catalogued returns s without field and relation names, which is all
// PostgreSQL's catalogue leaves out.
func (*Dialect) Catalogued(s *schema.Schema) *schema.Schema { return s.Catalogued() }

var pgParams = regexp.MustCompile(`^([a-z ]+)\((\d+)(?:,(\d+))?\)(.*)$`)

// pgType reads a column's portable type from format_type's spelling.
func pgType(c *schema.ColumnDef, typname string, isEnum bool, enums map[string]*schema.EnumDef) {
	if isEnum {
		c.Type, c.Enum = schema.TypeEnum, typname
		if e := enums[typname]; e != nil {
			c.Values = append([]string(nil), e.Values...)
		}
		return
	}
	raw := c.Raw
	if m := pgParams.FindStringSubmatch(raw); m != nil {
		n, _ := strconv.Atoi(m[2])
		switch m[1] {
		case "character varying":
			c.Type, c.Length = schema.TypeString, n
			return
		case "numeric":
			scale, _ := strconv.Atoi(m[3])
			c.Type, c.Precision, c.Scale = schema.TypeDecimal, n, scale
			return
		case "timestamp", "time":
			raw = m[1] + m[4] // precision does not change the portable type
		}
	}
	switch raw {
	case "bigint":
		c.Type = schema.TypeBigInt
	case "integer":
		c.Type = schema.TypeInteger
	case "smallint":
		c.Type = schema.TypeSmallInt
	case "text":
		c.Type = schema.TypeText
	case "boolean":
		c.Type = schema.TypeBoolean
	case "real":
		c.Type = schema.TypeFloat
	case "double precision":
		c.Type = schema.TypeDouble
	case "uuid":
		c.Type = schema.TypeUUID
	case "json", "jsonb":
		c.Type = schema.TypeJSON
	case "timestamp with time zone", "timestamp without time zone":
		c.Type = schema.TypeTimestamp
	case "date":
		c.Type = schema.TypeDate
	case "time without time zone":
		c.Type = schema.TypeTime
	case "bytea":
		c.Type = schema.TypeBinary
	default:
		c.Type = schema.TypeOther
	}
}

// pgCast is a default as PostgreSQL prints a typed literal:
// 'x'::character varying, '-1'::integer, 'PAID'::"OrderStatus".
var pgCast = regexp.MustCompile(`^'((?:[^']|'')*)'::[a-zA-Z "_0-9().\[\]]+$`)

// pgDefault reads the default pg_get_expr prints into the model's.
func pgDefault(c *schema.ColumnDef, expr string) {
	expr = strings.TrimSpace(expr)
	for len(expr) > 1 && expr[0] == '(' && expr[len(expr)-1] == ')' {
		expr = expr[1 : len(expr)-1]
	}
	switch {
	case expr == "":
	case strings.HasPrefix(expr, "nextval("):
		c.AutoIncrement = true // serial
	case ddlgen.IsNow(expr):
		c.Default = &schema.Default{Value: schema.CurrentTimestamp, Expr: true}
	case pgCast.MatchString(expr):
		v, _ := ddlgen.Unquote(expr[:strings.LastIndex(expr, "::")], false)
		c.Default = ddlgen.Literal(c, v)
	default:
		if _, ok := ddlgen.Number(expr); ok || expr == "true" || expr == "false" {
			c.Default = ddlgen.Literal(c, expr)
			return
		}
		c.Default = &schema.Default{Value: expr, Expr: true}
	}
}

// pgAction reads pg_constraint's one-letter action.
func pgAction(code string) schema.Action {
	switch code {
	case "c":
		return schema.Cascade
	case "n":
		return schema.SetNull
	case "d":
		return schema.SetDefault
	case "r":
		return schema.Restrict
	case "a", "":
		return schema.NoAction
	}
	return schema.Action(code)
}
