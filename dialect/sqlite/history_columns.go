package sqlite

import "strings"

// SelectRequiredColumns returns the query that names the columns of table
// that an INSERT must fill (see [dialect.RequiredColumns]). A column that
// is the table's only key and declared INTEGER is the rowid, which
// SQLite fills.
func (*Dialect) SelectRequiredColumns(table string) (string, []any) {
	schema, name, ok := strings.Cut(table, ".")
	if !ok {
		schema, name = "main", table
	}
	return `SELECT c.name FROM pragma_table_info(?1, ?2) AS c WHERE c."notnull" AND c.dflt_value IS NULL ` +
		`AND NOT (c.pk = 1 AND upper(c.type) = 'INTEGER' AND (SELECT count(*) FROM pragma_table_info(?1, ?2) WHERE pk > 0) = 1) ORDER BY c.cid`, []any{name, schema}
}
