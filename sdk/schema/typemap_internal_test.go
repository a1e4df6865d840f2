package schema

import (
	"database/sql"
	"encoding/json"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
)

// compiled are the Go types of goTypes' spellings, for FromModels'
// reader: a new row needs its types here too.
var compiled = map[string]reflect.Type{
	"int64": reflect.TypeFor[int64](), "int": reflect.TypeFor[int](), "uint32": reflect.TypeFor[uint32](),
	"int32": reflect.TypeFor[int32](), "uint16": reflect.TypeFor[uint16](),
	"int16": reflect.TypeFor[int16](), "int8": reflect.TypeFor[int8](), "uint8": reflect.TypeFor[uint8](), "byte": reflect.TypeFor[byte](),
	"bool": reflect.TypeFor[bool](), "string": reflect.TypeFor[string](),
	"float64": reflect.TypeFor[float64](), "float32": reflect.TypeFor[float32](),
	"time.Time": reflect.TypeFor[time.Time](), "[]byte": reflect.TypeFor[[]byte](), "[]uint8": reflect.TypeFor[[]uint8](),
	"uuid.UUID": reflect.TypeFor[uuid.UUID](), "json.RawMessage": reflect.TypeFor[json.RawMessage](),
	"sql.NullInt64": reflect.TypeFor[sql.NullInt64](), "sql.NullInt32": reflect.TypeFor[sql.NullInt32](),
	"sql.NullInt16": reflect.TypeFor[sql.NullInt16](), "sql.NullByte": reflect.TypeFor[sql.NullByte](),
	"sql.NullBool": reflect.TypeFor[sql.NullBool](), "sql.NullString": reflect.TypeFor[sql.NullString](),
	"sql.NullFloat64": reflect.TypeFor[sql.NullFloat64](), "sql.NullTime": reflect.TypeFor[sql.NullTime](),
}

// readBack is what goTypes' exceptions read back as: every spelling in
// also reads back as its row's name, and every database/sql wrapper as
// *name (sql.Null[name] with SQLNull). Enums, decimal Scanner types and
// TypeOther have no row (see goType); the Type constants without one
// are listed in noRow.
func readBack(g goType, spelled string) string {
	if strings.HasPrefix(spelled, "sql.Null") && spelled != "sql.Null["+g.name+"]" {
		return "*" + g.name
	}
	if strings.HasPrefix(spelled, "*") || strings.HasPrefix(spelled, "sql.Null[") {
		return spelled
	}
	return g.name
}

// noRow are the column types no row of goTypes reads back to, and what
// Sync writes for them instead.
var noRow = map[Type]string{
	TypeEnum:  "a named string type (the enum's)",
	TypeOther: "string, with a note",
}

// TestGoTypesBothWays walks goTypes both ways: every spelling of a row
// (its name, also, nulls, *name, sql.Null[name]) maps through both
// readers to the row's column, and that column maps back to a field
// (readBack) that maps to the same column again; so does each column
// type that only size: or type: gives. Every Type constant is in one
// row or in noRow.
func TestGoTypesBothWays(t *testing.T) {
	src := &source{}
	imports := map[string]string{"sql": "database/sql", "time": "time", "uuid": "github.com/google/uuid", "json": "encoding/json"}
	seen := map[string]string{} // spelling → row
	rowOf := map[Type]string{}  // column type → row
	for _, g := range goTypes {
		spellings := slices.Concat([]string{g.name}, g.also)
		for _, n := range g.nulls {
			spellings = append(spellings, "sql."+n)
		}
		for _, s := range spellings {
			if other, dup := seen[s]; dup {
				t.Errorf("%s is in rows %s and %s", s, other, g.name)
			}
			seen[s] = g.name
			rt, ok := compiled[s]
			if !ok {
				t.Errorf("%s: no compiled type in the test's map compiled", s)
				continue
			}
			if got, want := reflectType(rt), reflectType(reflect.PointerTo(rt)); got.kind != g.name || got.nullable != strings.HasPrefix(s, "sql.") || want.kind != g.name || !want.nullable {
				t.Errorf("FromModels reads %s as %+v and *%s as %+v; want kind %s", s, got, s, want, g.name)
			}
		}
		spellings = append(spellings, "*"+g.name, "sql.Null["+g.name+"]")
		for _, s := range spellings {
			e, err := parser.ParseExpr(s)
			if err != nil {
				t.Fatal(err)
			}
			ft := src.fieldType(e, imports, 0)
			col := &ColumnDef{Name: "c", Nullable: ft.nullable}
			if err := columnType(col, ft, nil); err != nil || col.Type != g.col || ft.nullable != (s != g.name && !slices.Contains(g.also, s)) {
				t.Errorf("FromSource reads %s as %s (null %v, %v); want %s", s, col.Type, col.Nullable, err, g.col)
				continue
			}
			sy := &syncer{s: &Schema{}, p: &syncPackage{src: src}, sqlNull: strings.HasPrefix(s, "sql.Null[")}
			if typ, _ := sy.goField("M", &TableDef{Name: "t"}, col); typ != readBack(g, s) {
				t.Errorf("%s → %s → %s; want %s", s, col.Type, typ, readBack(g, s))
			}
		}
		cols := []*ColumnDef{{Type: g.col}}
		if g.sized != "" {
			cols = append(cols, &ColumnDef{Type: g.sized, Length: 40})
		}
		for _, typ := range g.typed {
			col := &ColumnDef{Type: typ}
			if typ == TypeDecimal {
				col.Precision, col.Scale = 10, 2
			}
			cols = append(cols, col)
		}
		for _, col := range cols {
			if other, dup := rowOf[col.Type]; dup {
				t.Errorf("column type %s is in rows %s and %s", col.Type, other, g.name)
			}
			rowOf[col.Type] = g.name
			for _, null := range []bool{false, true} {
				col.Name, col.Nullable = "c", null
				tab := &TableDef{Name: "t", Columns: []*ColumnDef{col}}
				sy := &syncer{s: &Schema{}, p: &syncPackage{src: src}}
				typ, tag := sy.goField("M", tab, col)
				back := mapField("C", "c", tag, sy.wantFieldType(typ))
				if want := (&Schema{Tables: []*TableDef{tab}}).String(); back != want || strings.TrimPrefix(typ, "*") != g.name {
					t.Errorf("column %s (null %v) → %s `hoist:%q` → %q; want the row %s and %q", col, null, typ, tag, back, g.name, want)
				}
			}
		}
	}
	for _, typ := range typeConstants(t) {
		_, inRow := rowOf[typ]
		if _, exception := noRow[typ]; inRow == exception {
			t.Errorf("Type %s: in a row %v, in noRow %v; want exactly one", typ, inRow, exception)
		}
	}
}

// typeConstants are the values of the Type constants model.go declares.
func typeConstants(t *testing.T) []Type {
	t.Helper()
	f, err := parser.ParseFile(token.NewFileSet(), "model.go", nil, parser.SkipObjectResolution)
	if err != nil {
		t.Fatal(err)
	}
	var out []Type
	ast.Inspect(f, func(n ast.Node) bool {
		if vs, ok := n.(*ast.ValueSpec); ok {
			if id, ok := vs.Type.(*ast.Ident); ok && id.Name == "Type" && len(vs.Values) == 1 {
				if v, ok := stringLit(vs.Values[0]); ok {
					out = append(out, Type(v))
				}
			}
		}
		return true
	})
	if len(out) < len(goTypes) {
		t.Fatalf("found %d Type constants in model.go: %v", len(out), out)
	}
	return out
}

// TestTypeMapDocs: docs/schema.md's tables list every row of goTypes:
// the Models table its spellings and column, and database/sql's
// wrappers in the text above it; the models:sync table each column type
// with the field it reads back as.
func TestTypeMapDocs(t *testing.T) {
	b, err := os.ReadFile("../../docs/schema.md")
	if err != nil {
		t.Fatal(err)
	}
	doc := string(b)
	forward, reverse := docTable(t, doc, "| Go type | column |"), docTable(t, doc, "| column | field |")
	nulls := doc[strings.Index(doc, "Nullability comes from the Go type"):strings.Index(doc, "| Go type | column |")]
	for _, g := range goTypes {
		names := slices.Concat([]string{g.name}, g.also)
		if !slices.ContainsFunc(forward, func(row []string) bool {
			return slices.Equal(quoted(row[0]), names) && row[1] == "`"+string(g.col)+"`"
		}) {
			t.Errorf("docs/schema.md: no row | %s | `%s` | in the Models table", strings.Join(names, ", "), g.col)
		}
		if g.sized != "" && !slices.ContainsFunc(forward, func(row []string) bool {
			return row[0] == "`"+g.name+"` + `size:n`" && row[1] == "`"+string(g.sized)+"(n)`"
		}) {
			t.Errorf("docs/schema.md: no row | `%s` + `size:n` | `%s(n)` | in the Models table", g.name, g.sized)
		}
		for _, n := range g.nulls {
			if !strings.Contains(nulls, "`"+n+"`") && !strings.Contains(nulls, "`sql."+n+"`") {
				t.Errorf("docs/schema.md: %s is not among the nullable types", n)
			}
		}
		back := map[string]string{string(g.col): ""}
		if g.sized != "" {
			back[string(g.sized)+"(n)"] = "size:n"
		}
		for _, typ := range g.typed {
			spec := string(typ)
			if typ == TypeDecimal {
				spec += "(p,s)"
			}
			back[spec] = "type:" + spec
		}
		for col, opt := range back {
			if !slices.ContainsFunc(reverse, func(row []string) bool {
				return slices.Contains(quoted(row[0]), col) && slices.Contains(quoted(row[1]), g.name) && (opt == "" || slices.Contains(quoted(row[1]), opt))
			}) {
				t.Errorf("docs/schema.md: no row of the models:sync table reads `%s` back as `%s` %s", col, g.name, opt)
			}
		}
	}
}

// docTable is the rows (cells, trimmed) of the Markdown table whose
// header starts with header.
func docTable(t *testing.T, doc, header string) [][]string {
	t.Helper()
	at := strings.Index(doc, "\n"+header)
	if at < 0 {
		t.Fatalf("docs/schema.md: no table %s", header)
	}
	var out [][]string
	for _, line := range strings.Split(doc[at+1:], "\n")[2:] {
		if !strings.HasPrefix(line, "|") {
			break
		}
		var cells []string
		for _, c := range strings.Split(strings.Trim(line, "|"), " | ") {
			cells = append(cells, strings.TrimSpace(c))
		}
		out = append(out, cells)
	}
	return out
}

// quoted lists the `code` spans of a cell.
func quoted(cell string) []string {
	var out []string
	for i, part := range strings.Split(cell, "`") {
		if i%2 == 1 {
			out = append(out, part)
		}
	}
	return out
}
