package sqlite

import (
	"slices"

	"github.com/hoistdb/hoist/sdk/schema"
)

// rebuildPrefix names the table a rebuild copies into.
const rebuildPrefix = "_hoist_rebuild_"

// rebuild makes a change SQLite cannot make in place by SQLite's own
// procedure (https://sqlite.org/lang_altertable.html#otheralter): create
// the table as it is to be under another name, copy the rows of the
// columns it keeps, drop the old table, rename the new one, and create
// its indexes again, all inside the migration's transaction.
//
// A table that other tables reference is rebuilt only with foreign keys
// off, which the Migrator sets before the migration's transaction (see
// foreignkeys.go): dropping it with them on would run the references' ON
// DELETE actions. With foreign keys on, the copy checks the rows against
// a key the change adds; with them switched off, PRAGMA
// foreign_key_check does before the commit.
func rebuild(before, after *schema.Schema, table string) ([]string, error) {
	old, t := before.Table(table), after.Table(table)
	tmp := rebuildPrefix + table
	next := t.Clone()
	next.Name = tmp
	create := createTable(next)
	out := []string{create[0]} // the indexes follow the rename
	var keep []string
	for _, col := range t.Columns {
		if old.Column(col.Name) != nil {
			keep = append(keep, col.Name)
		}
	}
	out = append(out, "INSERT INTO "+ddl.Quote(tmp)+" ("+ddl.Names(keep)+") SELECT "+ddl.Names(keep)+" FROM "+ddl.Quote(table))
	if slices.ContainsFunc(t.Columns, func(col *schema.ColumnDef) bool { return col.AutoIncrement }) {
		// Keep the AUTOINCREMENT counter: numbers of deleted rows stay unused.
		out = append(out, "UPDATE sqlite_sequence SET seq = (SELECT seq FROM sqlite_sequence WHERE name = "+ddl.String(table)+
			") WHERE name = "+ddl.String(tmp)+" AND EXISTS (SELECT 1 FROM sqlite_sequence WHERE name = "+ddl.String(table)+")")
	}
	out = append(out,
		"DROP TABLE "+ddl.Quote(table),
		"ALTER TABLE "+ddl.Quote(tmp)+" RENAME TO "+ddl.Quote(table))
	for _, ix := range t.Indexes {
		out = append(out, ddl.CreateIndex(table, ix))
	}
	return out, nil
}

// referencedBy returns a table of s, other than table, that references
// table; "" when there is none.
func referencedBy(s *schema.Schema, table string) string {
	for _, o := range s.Tables {
		if o.Name == table {
			continue
		}
		for _, fk := range o.ForeignKeys {
			if fk.RefTable == table {
				return o.Name
			}
		}
	}
	return ""
}
