package schema

import (
	"go/ast"
	"go/types"
	"slices"
	"strings"
)

// editFile returns the edits that bring the field lists of the file's
// models in line with their tables.
func (sy *syncer) editFile(f *syncFile) []edit {
	var edits []edit
	for _, m := range sy.p.models {
		if m.file != f {
			continue
		}
		t := sy.s.Table(m.table)
		if t == nil {
			sy.note("model %s: table %s is not in the database; left as it is", m.goName, m.table)
			continue
		}
		if e, ok := sy.editStruct(m, t); ok {
			edits = append(edits, e)
		}
	}
	return edits
}

// editStruct rewrites the text between the struct's braces: each field
// is a chunk from its doc comment to its line comment; the text between
// chunks (blank lines, free comments) is kept, and so is every chunk
// that is not a column or whose column still fits it.
func (sy *syncer) editStruct(m *syncModel, t *TableDef) (edit, bool) {
	fset, src := sy.p.src.fset, m.file.src
	start := fset.Position(m.st.Fields.Opening).Offset + 1
	end := fset.Position(m.st.Fields.Closing).Offset
	covered := map[string]bool{} // columns a field already maps
	names := map[string]bool{}   // field names in the struct
	type chunk struct {
		from, to int
		text     string // replacement; "" with drop to remove
		drop     bool
		column   string // the column of a column field
	}
	var chunks []chunk
	changed := false
	for _, fld := range m.st.Fields.List {
		c := chunk{from: fset.Position(fld.Pos()).Offset, to: fset.Position(fld.End()).Offset}
		if fld.Doc != nil {
			c.from = fset.Position(fld.Doc.Pos()).Offset
		}
		if fld.Comment != nil {
			c.to = fset.Position(fld.Comment.End()).Offset
		}
		c.text = string(src[c.from:c.to])
		tag := fieldTag(fld)
		for _, n := range fld.Names {
			names[n.Name] = true
		}
		if len(fld.Names) == 0 { // embedded: its columns are covered
			inner := &ast.StructType{Fields: &ast.FieldList{List: []*ast.Field{fld}}}
			for _, mf := range sy.p.src.fields(inner, m.file.imports, 0) {
				covered[mf.column] = true
				if t.Column(mf.column) == nil {
					sy.note("model %s: column %s of embedded %s is not in table %s; the embedded type is left as it is", m.goName, mf.column, types.ExprString(fld.Type), t.Name)
				}
			}
			chunks = append(chunks, c)
			continue
		}
		if tag.Get("db") == "-" || !slices.ContainsFunc(fld.Names, func(n *ast.Ident) bool { return n.IsExported() }) {
			chunks = append(chunks, c)
			continue
		}
		ft := sy.p.src.fieldType(fld.Type, m.file.imports, 0)
		var parts []string
		keep := true
		for _, n := range fld.Names {
			column := strings.Split(tag.Get("db"), ",")[0]
			if column == "" {
				column = snakeCase(n.Name)
			}
			col := t.Column(column)
			if col == nil {
				delete(names, n.Name) // free for a relation of that name
				sy.note("model %s: field %s removed: table %s has no column %s", m.goName, n.Name, t.Name, column)
				keep = false
				continue
			}
			covered[column] = true
			c.column = column
			wantType, wantTag := sy.goField(m.goName, t, col)
			want := mapField(n.Name, column, wantTag, sy.wantFieldType(wantType))
			if have := mapField(n.Name, column, tag.Get("hoist"), ft); have != "" && have == want {
				parts = append(parts, n.Name+" "+types.ExprString(fld.Type)+" "+fieldTagText(string(tag), column, tag.Get("hoist")))
				continue
			}
			keep = false
			typ := wantType
			if have := mapField(n.Name, column, wantTag, ft); have != "" && have == want {
				typ = types.ExprString(fld.Type) // the field's own type fits: keep it
			}
			parts = append(parts, n.Name+" "+typ+" "+fieldTagText(string(tag), column, wantTag))
		}
		if !keep {
			changed = true
			if len(parts) == 0 {
				c.drop = true
			} else {
				text := strings.Join(parts, "\n")
				if fld.Doc != nil {
					text = string(src[c.from:fset.Position(fld.Doc.End()).Offset]) + "\n" + text
				}
				if fld.Comment != nil {
					text += " " + string(src[fset.Position(fld.Comment.Pos()).Offset:c.to])
				}
				c.text = text
			}
		}
		chunks = append(chunks, c)
	}
	// New columns go after the field of the column before them in the
	// table, or before the first column field.
	after := map[int][]string{} // chunk index (-1: before all columns) → new fields
	for i, col := range t.Columns {
		if covered[col.Name] {
			continue
		}
		at := -1
		for j := i - 1; j >= 0 && at < 0; j-- {
			for k, c := range chunks {
				if c.column == t.Columns[j].Name && !c.drop {
					at = k
				}
			}
		}
		name := fieldName(col)
		if names[name] {
			sy.note("model %s: column %s would be the field %s, which the struct has for something else; not added", m.goName, col.Name, name)
			continue
		}
		typ, tag := sy.goField(m.goName, t, col)
		names[name] = true
		changed = true
		after[at] = append(after[at], name+" "+typ+" "+fieldTagText("", col.Name, tag))
	}
	var rels []string
	for _, r := range sy.relations(t) {
		if names[r.name] {
			continue
		}
		names[r.name] = true
		changed = true
		rels = append(rels, r.name+" "+r.typ+" `db:\"-\"`"+r.comment)
	}
	if !changed {
		return edit{}, false
	}
	var b strings.Builder
	prev := start
	first := -1
	for k, c := range chunks {
		if c.column != "" && first < 0 {
			first = k
		}
	}
	if first < 0 {
		first = len(chunks)
	}
	for k, c := range chunks {
		gap := string(src[prev:c.from])
		if k == first {
			for _, f := range after[-1] {
				b.WriteString("\n\t" + f)
			}
		}
		if c.drop {
			if strings.TrimSpace(gap) != "" {
				b.WriteString(gap)
			}
		} else {
			b.WriteString(gap + c.text)
		}
		for _, f := range after[k] {
			b.WriteString("\n\t" + f)
		}
		prev = c.to
	}
	if first == len(chunks) {
		for _, f := range after[-1] {
			b.WriteString("\n\t" + f)
		}
	}
	for _, r := range rels {
		b.WriteString("\n\t" + r)
	}
	tail := string(src[prev:end])
	if !strings.Contains(tail, "\n") {
		tail = "\n" + tail
	}
	b.WriteString(tail)
	return edit{start, end, b.String()}, true
}

// mapField is the column one field maps to, through the mapping models
// use; "" when it maps to none.
func mapField(goName, column, hoist string, ft fieldType) string {
	if ft.kind == "enum" && ft.values == nil {
		return ""
	}
	t, _, err := mapModel(model{goName: "M", table: "t", fields: []modelField{{goName: goName, column: column, tag: hoist, typ: ft}}},
		map[string][]string{}, new([]pendingEnum))
	if err != nil {
		return ""
	}
	return (&Schema{Tables: []*TableDef{t}}).String()
}

// wantFieldType is the mapping's view of a type goField spelled.
func (sy *syncer) wantFieldType(spelled string) fieldType {
	ft := fieldType{spelled: spelled}
	base := strings.TrimPrefix(spelled, "*")
	if inner, ok := strings.CutPrefix(spelled, "sql.Null["); ok {
		base = strings.TrimSuffix(inner, "]")
		ft.nullable = true
	}
	if g := goTypeSpelled(base); g != nil {
		ft.kind = g.name
	} else {
		for _, e := range sy.newEnums {
			if e.Name == base {
				ft.kind, ft.enum, ft.values = "enum", base, e.Values
			}
		}
		if ft.kind == "" {
			if vals, ok := sy.p.src.enumValues(base); ok {
				ft.kind, ft.enum, ft.values = "enum", base, vals
			} else if vals := sy.p.src.constsOf[base]; len(vals) > 0 {
				ft.kind, ft.enum, ft.values = "enum", base, vals
			}
		}
	}
	ft.nullable = ft.nullable || strings.HasPrefix(spelled, "*")
	return ft
}

// fieldTagText is a struct tag with the db and hoist keys set and the
// other keys (json:"...") kept in their order.
func fieldTagText(old, column, hoist string) string {
	parts := []string{`db:"` + column + `"`}
	if hoist != "" {
		parts = append(parts, `hoist:"`+hoist+`"`)
	}
	for _, kv := range tagPairs(old) {
		if kv[0] != "db" && kv[0] != "hoist" {
			parts = append(parts, kv[0]+":"+kv[1])
		}
	}
	return "`" + strings.Join(parts, " ") + "`"
}

// tagPairs splits a struct tag into key and quoted value, as
// reflect.StructTag reads it.
func tagPairs(tag string) [][2]string {
	var out [][2]string
	for tag != "" {
		tag = strings.TrimLeft(tag, " ")
		i := strings.Index(tag, `:"`)
		if i <= 0 {
			break
		}
		key, rest := tag[:i], tag[i+1:]
		j := 1
		for j < len(rest) && rest[j] != '"' {
			if rest[j] == '\\' {
				j++
			}
			j++
		}
		if j >= len(rest) {
			break
		}
		out = append(out, [2]string{key, rest[:j+1]})
		tag = rest[j+1:]
	}
	return out
}

// fieldName is the Go field of a column: the kept Map name, else the
// column in CamelCase with Go's initialisms (user_id → UserID).
func fieldName(c *ColumnDef) string {
	if c.Field != "" {
		return c.Field
	}
	return exportName(c.Name)
}

var syncInitialisms = map[string]bool{"id": true, "url": true, "uri": true, "http": true, "api": true, "json": true,
	"sql": true, "uuid": true, "ip": true, "db": true, "html": true, "xml": true}

// exportName spells a snake_case or camelCase name as an exported Go
// identifier; "" when nothing of it is a letter or digit.
func exportName(s string) string {
	var b strings.Builder
	for _, w := range strings.Split(fileWord(s), "_") {
		switch {
		case w == "":
		case syncInitialisms[w]:
			b.WriteString(strings.ToUpper(w))
		default:
			b.WriteString(strings.ToUpper(w[:1]) + w[1:])
		}
	}
	out := b.String()
	if out != "" && out[0] >= '0' && out[0] <= '9' {
		out = "X" + out
	}
	return out
}

// singular undoes tableName's plural: categories → category, boxes →
// box, posts → post.
func singular(s string) string {
	switch {
	case strings.HasSuffix(s, "ies") && len(s) > 3:
		return s[:len(s)-3] + "y"
	case strings.HasSuffix(s, "sses"), strings.HasSuffix(s, "xes"), strings.HasSuffix(s, "zes"),
		strings.HasSuffix(s, "ches"), strings.HasSuffix(s, "shes"):
		return s[:len(s)-2]
	case strings.HasSuffix(s, "s") && !strings.HasSuffix(s, "ss"):
		return s[:len(s)-1]
	}
	return s
}
