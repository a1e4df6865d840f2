package sqlite

// The history statements. Columns are always listed in the order the
// dialect.Dialect interface documents: version, name, checksum, batch,
// applied_at, execution_ms, state.

// CreateHistoryTable returns the statement that creates the history table
// if it does not exist. version is an INTEGER PRIMARY KEY, SQLite's 64-bit
// rowid alias, which saves the separate index a BIGINT key would get.
// applied_at is declared TIMESTAMP so that drivers that look at the
// declared type (modernc.org/sqlite does) return time.Time.
func (*Dialect) CreateHistoryTable(table string) string {
	return "CREATE TABLE IF NOT EXISTS " + quoteIdent(table) + ` (
	version INTEGER PRIMARY KEY,
	name TEXT NOT NULL,
	checksum TEXT NOT NULL,
	batch INTEGER NOT NULL,
	applied_at TIMESTAMP NOT NULL,
	execution_ms INTEGER NOT NULL,
	state TEXT NOT NULL
)`
}

// SelectHistory returns the query that reads every history row ordered by
// version.
func (*Dialect) SelectHistory(table string) string {
	return "SELECT version, name, checksum, batch, applied_at, execution_ms, state FROM " +
		quoteIdent(table) + " ORDER BY version"
}

// InsertHistory returns the statement that inserts one history row; its
// seven ? placeholders are version through state.
func (*Dialect) InsertHistory(table string) string {
	return "INSERT INTO " + quoteIdent(table) +
		" (version, name, checksum, batch, applied_at, execution_ms, state) VALUES (?, ?, ?, ?, ?, ?, ?)"
}

// DeleteHistory returns the statement that deletes the row of one
// version.
func (*Dialect) DeleteHistory(table string) string {
	return "DELETE FROM " + quoteIdent(table) + " WHERE version = ?"
}

// DeleteHistoryState returns the statement that deletes every row in one
// state.
func (*Dialect) DeleteHistoryState(table string) string {
	return "DELETE FROM " + quoteIdent(table) + " WHERE state = ?"
}

// ClearHistory returns the statement that deletes every row and keeps the
// table.
func (*Dialect) ClearHistory(table string) string {
	return "DELETE FROM " + quoteIdent(table)
}

// DropHistoryTable returns the statement that drops the history table if
// it exists.
func (*Dialect) DropHistoryTable(table string) string {
	return "DROP TABLE IF EXISTS " + quoteIdent(table)
}
