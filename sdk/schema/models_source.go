package schema

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"go/types"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"strings"
)

// FromSource reads the model structs of the Go package in dir from its
// source, without building it, for the hoist command, which cannot load
// the application's types: the same mapping as [FromModels]. A model is
// an exported struct type with at least one db or hoist tag. TableName,
// RenamedFrom and Values methods count when they return a literal (return "users";
// return []string{"A", "B"} or constants); an enum type without Values
// takes its constants in the order they are declared. Test files are
// left out.
func FromSource(dir string) (*Models, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("schema: reading models: %w", err)
	}
	src := &source{fset: token.NewFileSet(), types: map[string]*ast.TypeSpec{}, tables: map[string]string{}, renamedFrom: map[string]string{},
		values: map[string][]ast.Expr{}, consts: map[string]string{}, constsOf: map[string][]string{}, embedded: map[string]bool{}}
	var files []*ast.File
	for _, e := range entries {
		n := e.Name()
		if e.IsDir() || !strings.HasSuffix(n, ".go") || strings.HasSuffix(n, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(src.fset, filepath.Join(dir, n), nil, parser.SkipObjectResolution)
		if err != nil {
			return nil, fmt.Errorf("schema: reading models: %w", err)
		}
		files = append(files, f)
		src.collect(f)
	}
	var ms []model
	for _, f := range files {
		imports := importNames(f)
		for _, decl := range f.Decls {
			gd, ok := decl.(*ast.GenDecl)
			if !ok || gd.Tok != token.TYPE {
				continue
			}
			for _, spec := range gd.Specs {
				ts := spec.(*ast.TypeSpec)
				st, ok := ts.Type.(*ast.StructType)
				if !ok || !ts.Name.IsExported() || !tagged(st) || src.embedded[ts.Name.Name] {
					continue
				}
				m := model{goName: ts.Name.Name, table: tableName(ts.Name.Name), where: src.fset.Position(ts.Pos()).String()}
				if t, ok := src.tables[ts.Name.Name]; ok {
					m.table = t
				}
				m.renamedFrom = src.renamedFrom[ts.Name.Name]
				m.fields = src.fields(st, imports, 0)
				ms = append(ms, m)
			}
		}
	}
	return mapModels(ms)
}

type source struct {
	fset        *token.FileSet
	types       map[string]*ast.TypeSpec
	tables      map[string]string     // TableName() results by type
	renamedFrom map[string]string     // RenamedFrom() results by type
	values      map[string][]ast.Expr // Values() literal elements by type
	consts      map[string]string     // string constants by name
	constsOf    map[string][]string   // string constants of a type, in order
	embedded    map[string]bool       // structs embedded in others: parts, not models
}

// collect records the file's type declarations, string constants and
// the literal results of TableName, RenamedFrom and Values methods.
func (s *source) collect(f *ast.File) {
	for _, decl := range f.Decls {
		switch d := decl.(type) {
		case *ast.GenDecl:
			for _, spec := range d.Specs {
				switch sp := spec.(type) {
				case *ast.TypeSpec:
					s.types[sp.Name.Name] = sp
					if st, ok := sp.Type.(*ast.StructType); ok {
						for _, f := range st.Fields.List {
							typ := f.Type
							if star, ok := typ.(*ast.StarExpr); ok {
								typ = star.X
							}
							if id, ok := typ.(*ast.Ident); ok && len(f.Names) == 0 {
								s.embedded[id.Name] = true
							}
						}
					}
				case *ast.ValueSpec:
					if d.Tok != token.CONST {
						continue
					}
					for i, name := range sp.Names {
						if i >= len(sp.Values) {
							break
						}
						if v, ok := stringLit(sp.Values[i]); ok {
							s.consts[name.Name] = v
							if id, ok := sp.Type.(*ast.Ident); ok {
								s.constsOf[id.Name] = append(s.constsOf[id.Name], v)
							}
						}
					}
				}
			}
		case *ast.FuncDecl:
			if d.Recv == nil || len(d.Recv.List) != 1 || d.Body == nil || len(d.Body.List) != 1 {
				continue
			}
			recv := d.Recv.List[0].Type
			if star, ok := recv.(*ast.StarExpr); ok {
				recv = star.X
			}
			id, ok := recv.(*ast.Ident)
			ret, ok2 := d.Body.List[0].(*ast.ReturnStmt)
			if !ok || !ok2 || len(ret.Results) != 1 {
				continue
			}
			switch d.Name.Name {
			case "TableName":
				if v, ok := stringLit(ret.Results[0]); ok {
					s.tables[id.Name] = v
				}
			case "RenamedFrom":
				if v, ok := stringLit(ret.Results[0]); ok {
					s.renamedFrom[id.Name] = v
				}
			case "Values":
				if cl, ok := ret.Results[0].(*ast.CompositeLit); ok {
					s.values[id.Name] = cl.Elts
				}
			}
		}
	}
}

// enumValues returns the members a Values literal lists, string
// literals or constants of the package, and false when it lists
// something else.
func (s *source) enumValues(typ string) ([]string, bool) {
	elts, ok := s.values[typ]
	if !ok {
		return nil, false
	}
	var out []string
	for _, el := range elts {
		if call, isCall := el.(*ast.CallExpr); isCall && len(call.Args) == 1 {
			if fn, isID := call.Fun.(*ast.Ident); isID && fn.Name == "string" {
				el = call.Args[0] // string(Pending)
			}
		}
		v, ok := stringLit(el)
		if id, isID := el.(*ast.Ident); !ok && isID {
			v, ok = s.consts[id.Name]
		}
		if !ok {
			return nil, false
		}
		out = append(out, v)
	}
	return out, true
}

func stringLit(e ast.Expr) (string, bool) {
	lit, ok := e.(*ast.BasicLit)
	if !ok || lit.Kind != token.STRING {
		return "", false
	}
	v, err := strconv.Unquote(lit.Value)
	return v, err == nil
}

func importNames(f *ast.File) map[string]string {
	out := map[string]string{}
	for _, im := range f.Imports {
		p, _ := strconv.Unquote(im.Path.Value)
		name := p[strings.LastIndex(p, "/")+1:]
		if im.Name != nil {
			name = im.Name.Name
		}
		out[name] = p
	}
	return out
}

func tagged(st *ast.StructType) bool {
	return slices.ContainsFunc(st.Fields.List, func(f *ast.Field) bool {
		tag := fieldTag(f)
		_, db := tag.Lookup("db")
		_, hoist := tag.Lookup("hoist")
		return db || hoist
	})
}

func fieldTag(f *ast.Field) reflect.StructTag {
	if f.Tag == nil {
		return ""
	}
	v, _ := strconv.Unquote(f.Tag.Value)
	return reflect.StructTag(v)
}

// fields lists the columns of a struct, embedded local structs' fields
// in their place.
func (s *source) fields(st *ast.StructType, imports map[string]string, depth int) []modelField {
	var out []modelField
	for _, f := range st.Fields.List {
		tag := fieldTag(f)
		db := tag.Get("db")
		if db == "-" {
			continue
		}
		where := s.fset.Position(f.Pos()).String()
		if len(f.Names) == 0 {
			typ := f.Type
			if star, ok := typ.(*ast.StarExpr); ok {
				typ = star.X
			}
			if id, ok := typ.(*ast.Ident); ok && depth < 8 {
				if ts := s.types[id.Name]; ts != nil {
					if inner, ok := ts.Type.(*ast.StructType); ok {
						out = append(out, s.fields(inner, imports, depth+1)...)
					}
				}
			}
			continue
		}
		for _, name := range f.Names {
			if !name.IsExported() {
				continue
			}
			col := strings.Split(db, ",")[0]
			if col == "" {
				col = snakeCase(name.Name)
			}
			out = append(out, modelField{goName: name.Name, column: col, tag: tag.Get("hoist"), typ: s.fieldType(f.Type, imports, 0), where: where})
		}
	}
	return out
}

// fieldType reduces a field's type expression to the mapping's terms,
// as reflectType does for a compiled type.
func (s *source) fieldType(e ast.Expr, imports map[string]string, depth int) fieldType {
	ft := fieldType{spelled: types.ExprString(e)}
	switch x := e.(type) {
	case *ast.StarExpr:
		inner := s.fieldType(x.X, imports, depth+1)
		inner.nullable, inner.spelled = true, ft.spelled
		return inner
	case *ast.IndexExpr:
		if sel, ok := x.X.(*ast.SelectorExpr); ok && sel.Sel.Name == "Null" && selectorPath(sel, imports) == "database/sql" {
			inner := s.fieldType(x.Index, imports, depth+1)
			inner.nullable, inner.spelled = true, ft.spelled
			return inner
		}
	case *ast.SelectorExpr:
		path := selectorPath(x, imports)
		if g := goTypeAt(path, x.Sel.Name); g != nil {
			ft.kind = g.name
		} else if g := goTypeNull(x.Sel.Name); g != nil && path == "database/sql" {
			ft.kind, ft.nullable = g.name, true
		}
	case *ast.ArrayType:
		if id, ok := x.Elt.(*ast.Ident); ok && x.Len == nil {
			if g := goTypeSpelled("[]" + id.Name); g != nil {
				ft.kind = g.name
			}
		}
	case *ast.Ident:
		if ts := s.types[x.Name]; ts != nil && depth < 8 {
			vals, hasValues := s.enumValues(x.Name)
			under := s.fieldType(ts.Type, imports, depth+1)
			if under.kind == "string" {
				if !hasValues {
					vals = s.constsOf[x.Name]
				}
				if len(vals) > 0 {
					ft.kind, ft.enum, ft.values = "enum", x.Name, vals
					return ft
				}
			}
			under.spelled = ft.spelled
			return under
		}
		if g := goTypeSpelled(x.Name); g != nil {
			ft.kind = g.name
		}
	}
	return ft
}

func selectorPath(sel *ast.SelectorExpr, imports map[string]string) string {
	if id, ok := sel.X.(*ast.Ident); ok {
		return imports[id.Name]
	}
	return ""
}
