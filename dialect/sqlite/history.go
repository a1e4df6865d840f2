package sqlite

// The history statements, built from spelling (dialect.go). Columns are
// always listed in the order the dialect.Dialect interface documents:
// version, name, checksum, batch, applied_at, execution_ms, state.

// CreateHistoryTable returns the statement that creates the history table
// if it does not exist. version is an INTEGER PRIMARY KEY, SQLite's 64-bit
// rowid alias, which saves the separate index a BIGINT key would get.
// applied_at is declared TIMESTAMP so that drivers that look at the
// declared type (modernc.org/sqlite does) return time.Time.
func (*Dialect) CreateHistoryTable(table string) string { return spelling.CreateHistoryTable(table) }

// SelectHistory returns the query that reads every history row ordered by
// version.
func (*Dialect) SelectHistory(table string) string { return spelling.SelectHistory(table) }

// InsertHistory returns the statement that inserts one history row; its
// seven ? placeholders are version through state.
func (*Dialect) InsertHistory(table string) string { return spelling.InsertHistory(table) }

// DeleteHistory returns the statement that deletes the row of one
// version.
func (*Dialect) DeleteHistory(table string) string { return spelling.DeleteHistory(table) }

// DeleteHistoryState returns the statement that deletes every row in one
// state.
func (*Dialect) DeleteHistoryState(table string) string { return spelling.DeleteHistoryState(table) }

// ClearHistory returns the statement that deletes every row and keeps the
// table.
func (*Dialect) ClearHistory(table string) string { return spelling.ClearHistory(table) }

// DropHistoryTable returns the statement that drops the history table if
// it exists.
func (*Dialect) DropHistoryTable(table string) string { return spelling.DropHistoryTable(table) }

// SelectBootAggregate returns the boot query as one group_concat (see
// [dialect.BootAggregate]): modernc.org/sqlite reads one value of 70 kB
// in half the time it takes to read 1000 rows of two columns.
func (d *Dialect) SelectBootAggregate(table string) string {
	return "SELECT count(*), group_concat((CASE WHEN state = 'applied' AND checksum IS NOT NULL THEN version ELSE -version END) || ' ' || coalesce(checksum, ''), ',') FROM " +
		d.QuoteIdent(table)
}
