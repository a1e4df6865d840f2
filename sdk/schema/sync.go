package schema

import (
	"bytes"
	"fmt"
	"go/ast"
	"go/format"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
)

// SyncOptions says where [Sync] finds and writes the models.
type SyncOptions struct {
	// Dir is the models directory (one Go package).
	Dir string
	// Package names the package of new files when Dir holds no Go file
	// yet; default the directory's base name.
	Package string
	// NoCreate leaves tables without a model alone instead of writing a
	// new model file for each (models:sync --create=false).
	NoCreate bool
	// SQLNull writes new nullable fields as sql.Null[T] instead of *T.
	SQLNull bool
}

// SyncFile is one file Sync would change: Old is nil for a new file.
type SyncFile struct {
	Path     string
	Old, New []byte
}

// SyncResult is what [Sync] would write, and what it could not express.
type SyncResult struct {
	Files []SyncFile
	Notes []string
}

// Sync updates the model structs in opts.Dir to match s (usually
// [InspectWithMetadata]), the reverse of [FromSource] through the same
// mapping, so that the synced models read back to s: column fields are
// added, retyped or removed; relation fields come from the kept relation
// names; enums get a named string type in a file of their own; tables
// without a model get a new file. Only a struct's field list is
// rewritten, from the positions go/parser gives, so the rest of the file
// (methods, comments, other declarations) stays as it was, and a field
// that already fits is kept byte for byte. Nothing is written: the
// caller writes Files (models:sync) or prints their UnifiedDiff.
func Sync(s *Schema, opts SyncOptions) (*SyncResult, error) {
	p, err := loadPackage(opts.Dir)
	if err != nil {
		return nil, err
	}
	if p.name == "" {
		p.name = opts.Package
		if p.name == "" {
			p.name = fileWord(filepath.Base(opts.Dir))
		}
	}
	sy := &syncer{s: s, p: p, goNames: map[string]string{}, enumTypes: map[string]string{}, create: !opts.NoCreate, sqlNull: opts.SQLNull}
	sy.name()
	res := &SyncResult{}
	for _, f := range p.files {
		edits := sy.editFile(f)
		if len(edits) == 0 {
			continue
		}
		out, err := applyEdits(f.src, edits)
		if err != nil {
			return nil, err
		}
		if out, err = finishFile(f.path, out); err != nil {
			return nil, err
		}
		if !bytes.Equal(out, f.src) {
			res.Files = append(res.Files, SyncFile{Path: f.path, Old: f.src, New: out})
		}
	}
	files, err := sy.newFiles(opts.Dir)
	if err != nil {
		return nil, err
	}
	res.Files = append(res.Files, files...)
	res.Notes = sy.notes
	sort.Slice(res.Files, func(i, j int) bool { return res.Files[i].Path < res.Files[j].Path })
	return res, nil
}

// syncPackage is the models directory as parsed.
type syncPackage struct {
	name   string
	src    *source
	files  []*syncFile
	models []*syncModel
}

type syncFile struct {
	path    string
	src     []byte
	ast     *ast.File
	imports map[string]string
}

type syncModel struct {
	goName, table string
	file          *syncFile
	st            *ast.StructType
}

func loadPackage(dir string) (*syncPackage, error) {
	entries, err := os.ReadDir(dir)
	if err != nil && !os.IsNotExist(err) {
		return nil, fmt.Errorf("schema: reading models: %w", err)
	}
	p := &syncPackage{src: &source{fset: token.NewFileSet(), types: map[string]*ast.TypeSpec{}, tables: map[string]string{},
		values: map[string][]ast.Expr{}, consts: map[string]string{}, constsOf: map[string][]string{}, embedded: map[string]bool{}}}
	for _, e := range entries {
		n := e.Name()
		if e.IsDir() || !strings.HasSuffix(n, ".go") || strings.HasSuffix(n, "_test.go") {
			continue
		}
		path := filepath.Join(dir, n)
		b, err := os.ReadFile(path)
		if err != nil {
			return nil, fmt.Errorf("schema: reading models: %w", err)
		}
		f, err := parser.ParseFile(p.src.fset, path, b, parser.ParseComments|parser.SkipObjectResolution)
		if err != nil {
			return nil, fmt.Errorf("schema: reading models: %w", err)
		}
		p.name = f.Name.Name
		p.files = append(p.files, &syncFile{path: path, src: b, ast: f, imports: importNames(f)})
		p.src.collect(f)
	}
	for _, f := range p.files {
		for _, decl := range f.ast.Decls {
			gd, ok := decl.(*ast.GenDecl)
			if !ok || gd.Tok != token.TYPE {
				continue
			}
			for _, spec := range gd.Specs {
				ts := spec.(*ast.TypeSpec)
				st, ok := ts.Type.(*ast.StructType)
				if !ok || !ts.Name.IsExported() || !tagged(st) || p.src.embedded[ts.Name.Name] {
					continue
				}
				m := &syncModel{goName: ts.Name.Name, table: tableName(ts.Name.Name), file: f, st: st}
				if t, ok := p.src.tables[ts.Name.Name]; ok {
					m.table = t
				}
				p.models = append(p.models, m)
			}
		}
	}
	return p, nil
}

type syncer struct {
	s         *Schema
	p         *syncPackage
	create    bool
	sqlNull   bool
	goNames   map[string]string // table → model type
	enumTypes map[string]string // "table.column" → enum type
	newEnums  []*EnumDef        // enum types to write, by type name
	notes     []string
}

func (sy *syncer) note(format string, args ...any) {
	sy.notes = append(sy.notes, fmt.Sprintf(format, args...))
}

// name gives every table a model type and every enum column its Go
// type: the existing model's, else the singular of the table; the enum's
// own name, else the model and column (OrderStatus).
func (sy *syncer) name() {
	for _, m := range sy.p.models {
		sy.goNames[m.table] = m.goName
	}
	for _, t := range sy.s.Tables {
		if _, ok := sy.goNames[t.Name]; ok || !sy.create {
			continue
		}
		name := exportName(singular(t.Name))
		if _, taken := sy.p.src.types[name]; taken {
			sy.note("table %s: no model, and the type %s it would get is taken; not created", t.Name, name)
			continue
		}
		sy.goNames[t.Name] = name
	}
	written := map[string]bool{}
	for _, t := range sy.s.Tables {
		model, ok := sy.goNames[t.Name]
		if !ok {
			continue
		}
		for _, c := range t.Columns {
			if c.Type != TypeEnum {
				continue
			}
			name := exportName(c.Enum)
			if c.Enum == "" || name == "" {
				name = model + exportName(c.Name)
			}
			sy.enumTypes[t.Name+"."+c.Name] = name
			if _, exists := sy.p.src.types[name]; exists {
				have, ok := sy.p.src.enumValues(name)
				if !ok {
					have = sy.p.src.constsOf[name]
				}
				if !slices.Equal(have, c.Values) {
					sy.note("enum type %s has the members %v, column %s.%s %v: change the type by hand", name, have, t.Name, c.Name, c.Values)
				}
				continue
			}
			if written[name] {
				continue
			}
			written[name] = true
			sy.newEnums = append(sy.newEnums, &EnumDef{Name: name, Values: c.Values})
		}
	}
}

// edit replaces src[from:to] with text.
type edit struct {
	from, to int
	text     string
}

func applyEdits(src []byte, edits []edit) ([]byte, error) {
	sort.Slice(edits, func(i, j int) bool { return edits[i].from > edits[j].from })
	out := slices.Clone(src)
	for _, e := range edits {
		out = slices.Concat(out[:e.from], []byte(e.text), out[e.to:])
	}
	return out, nil
}

// finishFile adds the imports the new fields need, removes those the
// removed fields used, and formats the file.
func finishFile(path string, src []byte) ([]byte, error) {
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, path, src, parser.ParseComments|parser.SkipObjectResolution)
	if err != nil {
		return nil, fmt.Errorf("schema: models:sync made %s unparseable (a bug): %w", path, err)
	}
	used := map[string]bool{}
	ast.Inspect(f, func(n ast.Node) bool {
		if sel, ok := n.(*ast.SelectorExpr); ok {
			if id, ok := sel.X.(*ast.Ident); ok {
				used[id.Name] = true
			}
		}
		return true
	})
	have := importNames(f)
	var edits []edit
	for _, path := range goTypeImports() {
		name := path[strings.LastIndex(path, "/")+1:]
		_, imported := have[name]
		switch {
		case used[name] && !imported:
			edits = append(edits, addImport(fset, f, path))
		case !used[name] && imported && have[name] == path:
			edits = append(edits, dropImport(fset, f, src, path))
		}
	}
	if len(edits) > 0 {
		src, _ = applyEdits(src, edits)
	}
	out, err := format.Source(src)
	if err != nil {
		return nil, fmt.Errorf("schema: models:sync made %s unformattable (a bug): %w", path, err)
	}
	return out, nil
}

func addImport(fset *token.FileSet, f *ast.File, path string) edit {
	for _, d := range f.Decls {
		gd, ok := d.(*ast.GenDecl)
		if !ok || gd.Tok != token.IMPORT {
			continue
		}
		if gd.Lparen.IsValid() && !strings.Contains(path, ".") {
			at := fset.Position(gd.Lparen).Offset + 1
			return edit{at, at, "\n\t" + `"` + path + `"`}
		}
		if gd.Lparen.IsValid() { // another module: in a group after the standard library's
			at := fset.Position(gd.Rparen).Offset
			sep := "\n"
			if last := gd.Specs[len(gd.Specs)-1].(*ast.ImportSpec); strings.Contains(last.Path.Value, ".") {
				sep = ""
			}
			return edit{at, at, sep + "\t" + `"` + path + `"` + "\n"}
		}
		at := fset.Position(gd.Pos()).Offset
		return edit{at, at, `import "` + path + `"` + "\n"}
	}
	at := fset.Position(f.Name.End()).Offset
	return edit{at, at, "\n\nimport \"" + path + "\""}
}

// dropImport removes the line of an import nobody uses any more (the
// whole declaration when it has no parentheses).
func dropImport(fset *token.FileSet, f *ast.File, src []byte, path string) edit {
	for _, d := range f.Decls {
		gd, ok := d.(*ast.GenDecl)
		if !ok || gd.Tok != token.IMPORT {
			continue
		}
		for _, spec := range gd.Specs {
			is := spec.(*ast.ImportSpec)
			if is.Path.Value != `"`+path+`"` {
				continue
			}
			var from, to int
			if gd.Lparen.IsValid() {
				from, to = fset.Position(is.Pos()).Offset, fset.Position(is.End()).Offset
			} else {
				from, to = fset.Position(gd.Pos()).Offset, fset.Position(gd.End()).Offset
			}
			for from > 0 && (src[from-1] == ' ' || src[from-1] == '\t') {
				from--
			}
			if to < len(src) && src[to] == '\n' {
				to++
			}
			return edit{from, to, ""}
		}
	}
	return edit{}
}
