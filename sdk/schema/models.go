package schema

import (
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unicode"
)

// Models is a desired schema read from Go model structs, with the
// renames their renamed_from options state, for [Diff]:
//
//	m, err := schema.FromModels(User{}, Post{})
//	cs, err := schema.Compare(ctx, db, d, m.Schema, schema.DiffOptions{Renames: m.Renames})
type Models struct {
	Schema  *Schema
	Renames []Rename
}

// model is one struct as both readers see it ([FromModels] through
// reflection, [FromSource] through go/parser), so that one mapping
// turns either into tables.
type model struct {
	goName      string
	table       string
	renamedFrom string // RenamedFrom(): the table's former name
	fields      []modelField
	where       string // for errors: the type, or file:line
}

type modelField struct {
	goName, column, tag string
	typ                 fieldType
	where               string
}

// fieldType is a Go field type reduced to what the mapping needs.
type fieldType struct {
	// kind is the name of the field type's row in goTypes (int64,
	// time.Time, []byte, ...), enum, or "" for a type the mapping does
	// not know (a decimal Scanner type, say), which then needs a type:
	// option.
	kind     string
	nullable bool
	enum     string   // the enum type's name, for kind enum
	values   []string // its members
	spelled  string   // the Go type as written, for errors
}

// mapModels turns models into a schema: the one mapping of Go types and
// hoist options to columns, shared by both readers.
func mapModels(models []model) (*Models, error) {
	out := &Models{Schema: &Schema{}}
	var errs []error
	enums := map[string][]string{}
	var pending []pendingEnum
	for _, m := range models {
		if out.Schema.Table(m.table) != nil {
			errs = append(errs, fmt.Errorf("%s: table %s is also the table of another model", m.where, m.table))
			continue
		}
		t, renames, err := mapModel(m, enums, &pending)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		out.Schema.Tables = append(out.Schema.Tables, t)
		if m.renamedFrom != "" && m.renamedFrom != m.table {
			out.Renames = append(out.Renames, Rename{From: m.renamedFrom, To: m.table})
		}
		out.Renames = append(out.Renames, renames...)
	}
	for _, p := range pending {
		p.col.Values = slices.Clone(enums[p.col.Enum])
		switch {
		case p.col.Values == nil:
			errs = append(errs, fmt.Errorf("%s: enum %s is not the type of any model field: give the field a named string type with a Values() []string method", p.where, p.col.Enum))
		case p.col.Default != nil && !p.col.Default.Expr && !slices.Contains(p.col.Values, p.col.Default.Value):
			errs = append(errs, fmt.Errorf("%s: default %q is not a member of enum %s (%v)", p.where, p.col.Default.Value, p.col.Enum, p.col.Values))
		}
	}
	for name, values := range enums {
		out.Schema.Enums = append(out.Schema.Enums, &EnumDef{Name: name, Values: values})
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	out.Schema.Sort()
	return out, nil
}

// pendingEnum is a column that names its enum (enum:Name on a string
// field) whose members another field's type gives.
type pendingEnum struct {
	col   *ColumnDef
	where string
}

func mapModel(m model, enums map[string][]string, pending *[]pendingEnum) (*TableDef, []Rename, error) {
	t := &TableDef{Name: m.table}
	var renames []Rename
	var errs []error
	indexes := map[string]*IndexDef{}
	for _, f := range m.fields {
		fail := func(format string, args ...any) {
			errs = append(errs, fmt.Errorf("%s: model %s, field %s: %s", f.where, m.goName, f.goName, fmt.Sprintf(format, args...)))
		}
		opts, err := parseTag(f.tag)
		if err != nil {
			fail("%v", err)
			continue
		}
		col := &ColumnDef{Name: f.column, Nullable: f.typ.nullable}
		if err := columnType(col, f.typ, opts); err != nil {
			fail("%v", err)
			continue
		}
		if col.Type == TypeEnum {
			if name, ok := opts["enum"]; ok && name != "" {
				col.Enum = name
			}
			if col.Values == nil {
				*pending = append(*pending, pendingEnum{col, fmt.Sprintf("%s: model %s, field %s", f.where, m.goName, f.goName)})
			} else if have, ok := enums[col.Enum]; ok && !slices.Equal(have, col.Values) {
				fail("enum %s has members %v here and %v elsewhere", col.Enum, col.Values, have)
				continue
			} else {
				enums[col.Enum] = col.Values
			}
		}
		if _, ok := opts["pk"]; ok {
			t.PrimaryKey = append(t.PrimaryKey, col.Name)
			col.Nullable = false
		}
		if _, ok := opts["autoincrement"]; ok {
			col.AutoIncrement = true
		}
		if v, ok := opts["default"]; ok {
			d, err := tagDefault(col, v)
			if err != nil {
				fail("%v", err)
				continue
			}
			col.Default = d
		}
		t.Columns = append(t.Columns, col)
		for _, kind := range []string{"unique", "index"} {
			v, ok := opts[kind]
			if !ok {
				continue
			}
			for _, name := range strings.Split(v, ",") {
				if name = strings.TrimSpace(name); name == "" {
					name = m.table + "_" + col.Name + map[string]string{"unique": "_key", "index": "_idx"}[kind]
				}
				ix := indexes[name]
				if ix == nil {
					ix = &IndexDef{Name: name, Unique: kind == "unique"}
					indexes[name] = ix
					t.Indexes = append(t.Indexes, ix)
				} else if ix.Unique != (kind == "unique") {
					fail("index %s is unique on one field and not on another", name)
				}
				ix.Columns = append(ix.Columns, col.Name)
			}
		}
		if ref, ok := opts["fk"]; ok {
			table, column, found := strings.Cut(ref, ".")
			if !found || table == "" || column == "" {
				fail("fk:%s: want fk:table.column", ref)
				continue
			}
			fk := &ForeignKeyDef{Name: m.table + "_" + col.Name + "_fkey", Columns: []string{col.Name}, RefTable: table, RefColumns: []string{column}}
			for opt, to := range map[string]*Action{"ondelete": &fk.OnDelete, "onupdate": &fk.OnUpdate} {
				if v, ok := opts[opt]; ok {
					a, err := tagAction(v)
					if err != nil {
						fail("%s:%s: %v", opt, v, err)
					}
					*to = a
				}
			}
			t.ForeignKeys = append(t.ForeignKeys, fk)
		} else if _, ok := opts["ondelete"]; ok {
			fail("ondelete without fk:table.column")
		}
		if from, ok := opts["renamed_from"]; ok && from != "" {
			renames = append(renames, Rename{Table: m.table, From: from, To: col.Name})
		}
	}
	if len(t.Columns) == 0 && len(errs) == 0 {
		errs = append(errs, fmt.Errorf("%s: model %s has no columns", m.where, m.goName))
	}
	return t, renames, errors.Join(errs...)
}

// tagOptions are the known options of the hoist tag; those with a value
// take it after a colon.
var tagOptions = map[string]bool{"pk": false, "autoincrement": false, "size": true, "type": true, "unique": false,
	"index": false, "default": true, "fk": true, "ondelete": true, "onupdate": true, "enum": true, "renamed_from": true}

// parseTag reads `pk;size:255;default:0`: options separated by ";" so
// that values may hold commas (type:decimal(10,2)).
func parseTag(tag string) (map[string]string, error) {
	out := map[string]string{}
	for _, part := range strings.Split(tag, ";") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		key, value, hasValue := strings.Cut(part, ":")
		key = strings.ToLower(strings.TrimSpace(key))
		needs, known := tagOptions[key]
		switch {
		case !known:
			return nil, fmt.Errorf("hoist tag: unknown option %q (known: pk, autoincrement, size, type, unique, index, default, fk, ondelete, onupdate, enum, renamed_from)", key)
		case needs && !hasValue:
			return nil, fmt.Errorf("hoist tag: option %s needs a value (%s:...)", key, key)
		}
		if _, dup := out[key]; dup {
			return nil, fmt.Errorf("hoist tag: option %s given twice", key)
		}
		out[key] = value
	}
	return out, nil
}

var typeOption = regexp.MustCompile(`^([a-z ]+?)\s*(?:\(\s*(\d+)\s*(?:,\s*(\d+)\s*)?\))?$`)

// columnType maps a Go type through goTypes, or the type: option, to
// the column's type.
func columnType(col *ColumnDef, ft fieldType, opts map[string]string) error {
	if spec, ok := opts["type"]; ok {
		m := typeOption.FindStringSubmatch(strings.ToLower(strings.TrimSpace(spec)))
		if m == nil {
			return fmt.Errorf("type:%s: not a type hoist knows (decimal(10,2), varchar(n), text, ...)", spec)
		}
		n, _ := strconv.Atoi(m[2])
		sc, _ := strconv.Atoi(m[3])
		switch m[1] {
		case "decimal", "numeric":
			if ft.kind == "float64" || ft.kind == "float32" {
				return fmt.Errorf("type:%s on a %s: a float cannot hold a decimal exactly; use a string or a decimal type that implements sql.Scanner", spec, ft.spelled)
			}
			if m[2] == "" {
				return fmt.Errorf("type:%s: give the precision and scale, decimal(10,2)", spec)
			}
			col.Type, col.Precision, col.Scale = TypeDecimal, n, sc
		case "varchar", "string", "character varying":
			if m[2] == "" {
				return fmt.Errorf("type:%s: give the length, varchar(255)", spec)
			}
			col.Type, col.Length = TypeString, n
		default:
			t, ok := typeNames[m[1]]
			if !ok || m[2] != "" {
				return fmt.Errorf("type:%s: not a type hoist knows (decimal(p,s), varchar(n), text, bigint, integer, smallint, boolean, float, double, uuid, json, timestamp, date, time, binary)", spec)
			}
			col.Type = t
		}
		return nil
	}
	_, enumOpt := opts["enum"]
	switch g := goTypeSpelled(ft.kind); {
	case ft.kind == "enum":
		col.Type, col.Enum, col.Values = TypeEnum, ft.enum, slices.Clone(ft.values)
	case g == nil:
		return fmt.Errorf("type %s has no column type: give one with hoist:\"type:...\" (a decimal Scanner: type:decimal(10,2)), or db:\"-\" for a field that is no column", ft.spelled)
	case enumOpt && g.name == "string":
		col.Type, col.Enum = TypeEnum, opts["enum"]
		return nil
	default:
		col.Type = g.col
		if size, ok := opts["size"]; ok && g.sized != "" {
			n, err := strconv.Atoi(size)
			if err != nil || n <= 0 {
				return fmt.Errorf("size:%s: want a positive number", size)
			}
			col.Type, col.Length = g.sized, n
		}
	}
	if _, ok := opts["size"]; ok && col.Type != TypeString {
		return fmt.Errorf("size applies to string fields, not %s", ft.spelled)
	}
	return nil
}

var typeNames = map[string]Type{
	"text": TypeText, "bigint": TypeBigInt, "integer": TypeInteger, "int": TypeInteger, "smallint": TypeSmallInt,
	"boolean": TypeBoolean, "bool": TypeBoolean, "float": TypeFloat, "real": TypeFloat, "double": TypeDouble,
	"uuid": TypeUUID, "json": TypeJSON, "jsonb": TypeJSON, "timestamp": TypeTimestamp, "date": TypeDate,
	"time": TypeTime, "binary": TypeBinary, "blob": TypeBinary,
}

// tagDefault reads default:V as the builder's Default would take it.
func tagDefault(col *ColumnDef, v string) (*Default, error) {
	if up := strings.ToUpper(v); up == CurrentTimestamp || up == "NOW()" {
		return defaultValue(col, &Default{Value: CurrentTimestamp, Expr: true})
	}
	var val any = v
	switch col.Type {
	case TypeBoolean:
		b, err := strconv.ParseBool(v)
		if err != nil {
			return nil, fmt.Errorf("default:%s: want true or false", v)
		}
		val = b
	case TypeSmallInt, TypeInteger, TypeBigInt:
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			return nil, fmt.Errorf("default:%s: want an integer", v)
		}
		val = n
	case TypeDecimal, TypeFloat, TypeDouble:
		f, err := strconv.ParseFloat(v, 64)
		if err != nil {
			return nil, fmt.Errorf("default:%s: want a number", v)
		}
		val = f
	default:
		if len(v) >= 2 && v[0] == '\'' && v[len(v)-1] == '\'' {
			val = strings.ReplaceAll(v[1:len(v)-1], "''", "'")
		}
	}
	return defaultValue(col, val)
}

func tagAction(v string) (Action, error) {
	switch strings.ToLower(strings.NewReplacer("_", " ", "-", " ").Replace(strings.TrimSpace(v))) {
	case "cascade":
		return Cascade, nil
	case "set null":
		return SetNull, nil
	case "set default":
		return SetDefault, nil
	case "restrict":
		return Restrict, nil
	case "no action", "":
		return NoAction, nil
	}
	return "", errors.New("want cascade, set null, set default, restrict or no action")
}

// snakeCase spells a Go name as a column or table name: UserID →
// user_id, HTTPServer → http_server.
func snakeCase(s string) string {
	var words []string
	var cur []rune
	flush := func() {
		if len(cur) > 0 {
			words = append(words, strings.ToLower(string(cur)))
			cur = cur[:0]
		}
	}
	rs := []rune(s)
	for i, r := range rs {
		if r == '_' {
			flush()
			continue
		}
		if unicode.IsUpper(r) && len(cur) > 0 {
			prev := cur[len(cur)-1]
			nextLower := i+1 < len(rs) && unicode.IsLower(rs[i+1])
			if unicode.IsLower(prev) || unicode.IsDigit(prev) || unicode.IsUpper(prev) && nextLower {
				flush()
			}
		}
		cur = append(cur, r)
	}
	flush()
	return strings.Join(words, "_")
}

// tableName is the snake_case plural of a struct's name, pluralised as
// make:model does: Post → posts, Category → categories, Box → boxes.
func tableName(goName string) string {
	name := snakeCase(goName)
	switch {
	case name == "":
		return name
	case strings.HasSuffix(name, "s") || strings.HasSuffix(name, "x") || strings.HasSuffix(name, "z") ||
		strings.HasSuffix(name, "ch") || strings.HasSuffix(name, "sh"):
		return name + "es"
	case strings.HasSuffix(name, "y") && len(name) > 1 && !strings.ContainsRune("aeiou", rune(name[len(name)-2])):
		return name[:len(name)-1] + "ies"
	}
	return name + "s"
}
