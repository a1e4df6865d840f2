package schema

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// newFiles writes a model file for each table without a model and a
// file for each enum type the package lacks.
func (sy *syncer) newFiles(dir string) ([]SyncFile, error) {
	var out []SyncFile
	modelled := map[string]bool{}
	for _, m := range sy.p.models {
		modelled[m.table] = true
	}
	add := func(name, text string) error {
		path := filepath.Join(dir, name)
		if _, err := os.Stat(path); err == nil {
			sy.note("%s exists; not overwritten", path)
			return nil
		}
		src, err := finishFile(path, []byte(text))
		if err != nil {
			return err
		}
		out = append(out, SyncFile{Path: path, New: src})
		return nil
	}
	for _, t := range sy.s.Tables {
		name, ok := sy.goNames[t.Name]
		if !ok || modelled[t.Name] {
			continue
		}
		var b strings.Builder
		fmt.Fprintf(&b, "package %s\n\n// %s is a row of the %s table.\ntype %s struct {\n", sy.p.name, name, t.Name, name)
		for _, col := range t.Columns {
			typ, tag := sy.goField(name, t, col)
			fmt.Fprintf(&b, "\t%s %s %s\n", fieldName(col), typ, fieldTagText("", col.Name, tag))
		}
		for _, r := range sy.relations(t) {
			fmt.Fprintf(&b, "\t%s %s `db:\"-\"`%s\n", r.name, r.typ, r.comment)
		}
		b.WriteString("}\n")
		if tableName(name) != t.Name {
			fmt.Fprintf(&b, "\n// TableName is the table's name, which is not the plural hoist derives from %s.\nfunc (%s) TableName() string { return %s }\n",
				name, name, strconv.Quote(t.Name))
		}
		if err := add(fileWord(name)+".go", b.String()); err != nil {
			return nil, err
		}
	}
	for _, e := range sy.newEnums {
		var b strings.Builder
		fmt.Fprintf(&b, "package %s\n\n// %s is an enum of the database, with its members in order.\ntype %s string\n\n// The members of %s.\nconst (\n", sy.p.name, e.Name, e.Name, e.Name)
		var quoted []string
		for _, v := range e.Values {
			fmt.Fprintf(&b, "\t%s %s = %s\n", e.Name+exportName(v), e.Name, strconv.Quote(v))
			quoted = append(quoted, strconv.Quote(v))
		}
		fmt.Fprintf(&b, ")\n\n// Values lists the members in the database's order; hoist reads the enum\n// from it.\nfunc (%s) Values() []string { return []string{%s} }\n", e.Name, strings.Join(quoted, ", "))
		if err := add(fileWord(e.Name)+".go", b.String()); err != nil {
			return nil, err
		}
	}
	return out, nil
}
