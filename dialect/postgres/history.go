package postgres

// The history statements. Columns are always listed in the order the
// dialect.Dialect interface documents: version, name, checksum, batch,
// applied_at, execution_ms, state.

// CreateHistoryTable returns the statement that creates the history table
// if it does not exist. applied_at is a TIMESTAMPTZ, so it denotes one
// instant whatever the session's time zone.
func (*Dialect) CreateHistoryTable(table string) string {
	return "CREATE TABLE IF NOT EXISTS " + quoteIdent(table) + ` (
	version BIGINT PRIMARY KEY,
	name TEXT NOT NULL,
	checksum TEXT NOT NULL,
	batch INTEGER NOT NULL,
	applied_at TIMESTAMPTZ NOT NULL,
	execution_ms BIGINT NOT NULL,
	state VARCHAR(16) NOT NULL
)`
}

// SelectHistory returns the query that reads every history row ordered by
// version.
func (*Dialect) SelectHistory(table string) string {
	return "SELECT version, name, checksum, batch, applied_at, execution_ms, state FROM " +
		quoteIdent(table) + " ORDER BY version"
}

// InsertHistory returns the statement that inserts one history row; its
// arguments are $1 version through $7 state.
func (*Dialect) InsertHistory(table string) string {
	return "INSERT INTO " + quoteIdent(table) +
		" (version, name, checksum, batch, applied_at, execution_ms, state) VALUES ($1, $2, $3, $4, $5, $6, $7)"
}

// DeleteHistory returns the statement that deletes the row of version $1.
func (*Dialect) DeleteHistory(table string) string {
	return "DELETE FROM " + quoteIdent(table) + " WHERE version = $1"
}

// DeleteHistoryState returns the statement that deletes every row in
// state $1.
func (*Dialect) DeleteHistoryState(table string) string {
	return "DELETE FROM " + quoteIdent(table) + " WHERE state = $1"
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
