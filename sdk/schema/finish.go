package schema

// finish checks what the function given to CreateTable or AlterTable
// added and records it as changes: for a new table one CreateTable, for
// an existing one its drops and renames in the order given, then one
// AddColumn per column, then the indexes and the foreign keys. A named
// enum that this migration defines first is created just before.
func (t *Table) finish() {
	b, def := t.b, t.def
	seen := map[string]bool{}
	var enums []Change
	for _, c := range t.cols {
		col := c.def
		if seen[col.Name] {
			b.errorf(def.Name, col.Name, "column is added twice")
		}
		seen[col.Name] = true
		if col.Type == TypeEnum {
			if c.enumDefined {
				if b.defineEnum(def.Name, c) {
					enums = append(enums, CreateEnum{Enum: &EnumDef{Name: col.Enum, Values: col.Values}})
				}
			} else if vals, ok := b.enums[col.Enum]; ok {
				col.Values = vals
			}
		}
		if c.hasDefault {
			d, err := defaultValue(col, c.dflt)
			if err != nil {
				b.errorf(def.Name, col.Name, "%v", err)
			}
			col.Default = d
		}
		if c.change && t.create {
			b.errorf(def.Name, col.Name, "Change is for AlterTable, not CreateTable")
		}
		if col.AutoIncrement && !t.create {
			b.errorf(def.Name, col.Name, "a self-numbering primary key can only be added when the table is created")
		}
		if col.Field != "" && !identifier.MatchString(col.Field) {
			b.errorf(def.Name, col.Name, "Map(%q): a field name is an identifier (letters, digits and _, not starting with a digit)", col.Field)
		}
		def.Columns = append(def.Columns, col)
		if c.unique {
			def.Indexes = append(def.Indexes, &IndexDef{Name: defaultName(def.Name, []string{col.Name}, "key"), Columns: []string{col.Name}, Unique: true})
		}
		if c.index {
			def.Indexes = append(def.Indexes, &IndexDef{Name: defaultName(def.Name, []string{col.Name}, "idx"), Columns: []string{col.Name}})
		}
	}
	if t.create {
		if len(def.Columns) == 0 {
			b.errorf(def.Name, "", "a table needs at least one column")
		}
		for _, k := range def.PrimaryKey {
			if !seen[k] {
				b.errorf(def.Name, k, "the primary key names a column the table does not have")
			}
		}
	}
	for _, ix := range t.indexes {
		if ix.def.Name == "" {
			suffix := "idx"
			if ix.def.Unique {
				suffix = "key"
			}
			ix.def.Name = defaultName(def.Name, ix.def.Columns, suffix)
		}
		def.Indexes = append(def.Indexes, ix.def)
	}
	names := map[string]bool{}
	for _, ix := range def.Indexes {
		b.checkName(ix.Name, def.Name, "index")
		if names[ix.Name] {
			b.errorf(def.Name, "", "index %s is added twice", ix.Name)
		}
		names[ix.Name] = true
		if len(ix.Columns) == 0 {
			b.errorf(def.Name, "", "index %s has no columns", ix.Name)
		}
		if t.create {
			for _, col := range ix.Columns {
				if !seen[col] {
					b.errorf(def.Name, col, "index %s names a column the table does not have", ix.Name)
				}
			}
		}
	}
	for _, fk := range t.fks {
		f := fk.def
		if f.Name == "" {
			f.Name = defaultName(def.Name, f.Columns, "fkey")
		}
		b.checkName(f.Name, def.Name, "foreign key")
		if names[f.Name] {
			b.errorf(def.Name, "", "constraint %s is added twice", f.Name)
		}
		names[f.Name] = true
		switch {
		case len(f.Columns) == 0:
			b.errorf(def.Name, "", "foreign key %s has no columns", f.Name)
		case f.RefTable == "":
			b.errorf(def.Name, f.Columns[0], "foreign key %s references nothing: add .References(table, column)", f.Name)
		case len(f.RefColumns) != len(f.Columns):
			b.errorf(def.Name, f.Columns[0], "foreign key %s has %d columns but references %d", f.Name, len(f.Columns), len(f.RefColumns))
		}
		for _, n := range [][2]string{{"Alias", f.Alias}, {"As", f.As}, {"InverseAlias", f.InverseAlias}} {
			if n[1] != "" && !identifier.MatchString(n[1]) {
				b.errorf(def.Name, "", "foreign key %s: %s(%q): a relation name is an identifier (letters, digits and _, not starting with a digit)", f.Name, n[0], n[1])
			}
		}
		for _, a := range []Action{f.OnDelete, f.OnUpdate} {
			switch a {
			case NoAction, Cascade, SetNull, SetDefault, Restrict:
			default:
				b.errorf(def.Name, "", "foreign key %s: unknown action %q", f.Name, a)
			}
		}
		if t.create {
			for _, col := range f.Columns {
				if !seen[col] {
					b.errorf(def.Name, col, "foreign key %s names a column the table does not have", f.Name)
				}
			}
		}
		def.ForeignKeys = append(def.ForeignKeys, f)
	}
	b.changes = append(b.changes, enums...)
	if t.create {
		b.changes = append(b.changes, CreateTable{Table: def})
		return
	}
	b.changes = append(b.changes, t.changes...)
	for i, col := range def.Columns {
		if t.cols[i].change {
			b.changes = append(b.changes, ChangeColumn{Table: def.Name, Column: col})
			continue
		}
		b.changes = append(b.changes, AddColumn{Table: def.Name, Column: col})
	}
	if t.primary && len(def.PrimaryKey) > 0 {
		b.changes = append(b.changes, ChangePrimaryKey{Table: def.Name, Columns: def.PrimaryKey})
	}
	for _, ix := range def.Indexes {
		b.changes = append(b.changes, AddIndex{Table: def.Name, Index: ix})
	}
	for _, fk := range def.ForeignKeys {
		b.changes = append(b.changes, AddForeignKey{Table: def.Name, ForeignKey: fk})
	}
}
