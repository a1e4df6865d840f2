package schema

import (
	"slices"
	"strings"
)

// goField is the Go type and hoist tag that map back to col: goTypes
// read from right to left (docs/schema.md has the table).
func (sy *syncer) goField(model string, t *TableDef, col *ColumnDef) (typ, tag string) {
	var opts []string
	pk := slices.Contains(t.PrimaryKey, col.Name)
	if pk {
		opts = append(opts, "pk")
		if col.Nullable {
			sy.note("table %s: key column %s may hold NULL (SQLite allows it without NOT NULL); a model's key is NOT NULL", t.Name, col.Name)
		}
	}
	if col.AutoIncrement {
		opts = append(opts, "autoincrement")
	}
	switch g, opt := goTypeOf(col); {
	case g != nil:
		typ = g.name
		if opt != "" {
			opts = append(opts, opt)
		}
	case col.Type == TypeEnum:
		typ = sy.enumTypes[t.Name+"."+col.Name]
		if col.Enum != "" && col.Enum != typ {
			opts = append(opts, "enum:"+col.Enum)
		}
	default:
		typ = "string"
		sy.note("table %s, column %s: type %s has no Go type in the mapping; written as string (text)", t.Name, col.Name, col.Raw)
	}
	if col.Nullable && !pk {
		if sy.sqlNull {
			typ = "sql.Null[" + typ + "]"
		} else {
			typ = "*" + typ
		}
	}
	for _, kind := range []string{"unique", "index"} {
		var names []string
		for _, ix := range t.Indexes {
			if ix.Unique != (kind == "unique") || !slices.Contains(ix.Columns, col.Name) || fkIndex(t, ix) {
				continue
			}
			def := t.Name + "_" + col.Name + map[string]string{"unique": "_key", "index": "_idx"}[kind]
			if len(ix.Columns) == 1 && ix.Name == def {
				names = append(names, "")
			} else {
				names = append(names, ix.Name)
			}
		}
		switch {
		case len(names) == 1 && names[0] == "":
			opts = append(opts, kind)
		case len(names) > 0:
			opts = append(opts, kind+":"+strings.Join(names, ","))
		}
	}
	if d := col.Default; d != nil {
		v := d.Value
		switch {
		case d.Expr && v != CurrentTimestamp:
			sy.note("table %s, column %s: the default %s is an expression the hoist tag cannot give; left out", t.Name, col.Name, v)
		case strings.ContainsAny(v, ";\"`\\"):
			sy.note("table %s, column %s: the default %q cannot be written in a hoist tag; left out", t.Name, col.Name, v)
		default:
			if len(v) >= 2 && v[0] == '\'' && v[len(v)-1] == '\'' {
				v = "'" + strings.ReplaceAll(v, "'", "''") + "'"
			}
			opts = append(opts, "default:"+v)
		}
	}
	for _, fk := range t.ForeignKeys {
		if !slices.Contains(fk.Columns, col.Name) {
			continue
		}
		if len(fk.Columns) != 1 {
			sy.note("table %s: foreign key %s has several columns, which the hoist tag cannot give; left out", t.Name, fk.Name)
			continue
		}
		if fk.Name != t.Name+"_"+col.Name+"_fkey" {
			sy.note("table %s: foreign key %s will read back as %s_%s_fkey", t.Name, fk.Name, t.Name, col.Name)
		}
		opts = append(opts, "fk:"+fk.RefTable+"."+fk.RefColumns[0])
		if fk.OnDelete != NoAction {
			opts = append(opts, "ondelete:"+strings.ToLower(string(fk.OnDelete)))
		}
		if fk.OnUpdate != NoAction {
			opts = append(opts, "onupdate:"+strings.ToLower(string(fk.OnUpdate)))
		}
	}
	return typ, strings.Join(opts, ";")
}

// relation is a field for a foreign key's relation.
type relation struct{ name, typ, comment string }

// relations lists the relation fields of table t: for each foreign key
// of t with kept relation names, the referenced model (As, else the
// column without _id); for each foreign key to t, the referencing models
// (InverseAlias, else their plural), one pointer when the key's columns
// are unique.
func (sy *syncer) relations(t *TableDef) []relation {
	var out []relation
	named := func(fk *ForeignKeyDef) bool {
		return len(fk.Columns) == 1 && (fk.Alias != "" || fk.As != "" || fk.InverseAlias != "")
	}
	for _, fk := range t.ForeignKeys {
		parent, ok := sy.goNames[fk.RefTable]
		if !named(fk) || !ok {
			continue
		}
		name := exportName(fk.As)
		if name == "" {
			name = exportName(strings.TrimSuffix(fk.Columns[0], "_id"))
		}
		comment := ""
		if fk.Alias != "" {
			comment = " // relation " + fk.Alias
		}
		out = append(out, relation{name, "*" + parent, comment})
	}
	for _, child := range sy.s.Tables {
		for _, fk := range child.ForeignKeys {
			childType, ok := sy.goNames[child.Name]
			if fk.RefTable != t.Name || !named(fk) || !ok {
				continue
			}
			name := exportName(fk.InverseAlias)
			typ := "[]" + childType
			if uniqueColumns(child, fk.Columns) {
				typ = "*" + childType
				if name == "" {
					name = childType
				}
			}
			if name == "" {
				name = exportName(tableName(childType))
			}
			out = append(out, relation{name, typ, ""})
		}
	}
	return out
}

func uniqueColumns(t *TableDef, cols []string) bool {
	if slices.Equal(t.PrimaryKey, cols) {
		return true
	}
	for _, ix := range t.Indexes {
		if ix.Unique && slices.Equal(ix.Columns, cols) {
			return true
		}
	}
	return false
}

// fkIndex says whether ix is the index InnoDB adds for a foreign key
// (named after it, on its columns), which the diff expects and a model
// need not state.
func fkIndex(t *TableDef, ix *IndexDef) bool {
	fk := t.ForeignKey(ix.Name)
	return !ix.Unique && fk != nil && slices.Equal(fk.Columns, ix.Columns)
}
