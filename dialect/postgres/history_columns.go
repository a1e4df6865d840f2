package postgres

// SelectRequiredColumns returns the query that names the columns of table
// that an INSERT must fill (see [dialect.RequiredColumns]). The table is
// resolved as the session resolves it, search_path included.
func (d *Dialect) SelectRequiredColumns(table string) (string, []any) {
	return `SELECT attname FROM pg_catalog.pg_attribute WHERE attrelid = to_regclass($1) AND attnum > 0 AND NOT attisdropped ` +
		`AND attnotnull AND NOT atthasdef AND attidentity = '' AND attgenerated = '' ORDER BY attnum`, []any{d.QuoteIdent(table)}
}
