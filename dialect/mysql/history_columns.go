package mysql

import "strings"

// SelectRequiredColumns returns the query that names the columns of table
// that an INSERT must fill (see [dialect.RequiredColumns]); a table named
// db.table is looked up in db, any other in the current database.
func (*Dialect) SelectRequiredColumns(table string) (string, []any) {
	schema, name, ok := strings.Cut(table, ".")
	if !ok {
		schema, name = "", table
	}
	return "SELECT column_name FROM information_schema.columns WHERE table_schema = COALESCE(NULLIF(?, ''), DATABASE()) AND table_name = ? " +
		"AND is_nullable = 'NO' AND column_default IS NULL AND extra NOT LIKE '%auto_increment%' AND extra NOT LIKE '%GENERATED%' " +
		"ORDER BY ordinal_position", []any{schema, name}
}
