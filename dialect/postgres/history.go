package postgres

// The history statements, built from spelling (dialect.go). Columns are
// always listed in the order the dialect.Dialect interface documents:
// version, name, checksum, batch, applied_at, execution_ms, state.

// CreateHistoryTable returns the statement that creates the history table
// if it does not exist. applied_at is a TIMESTAMPTZ, so it denotes one
// instant whatever the session's time zone.
func (*Dialect) CreateHistoryTable(table string) string { return spelling.CreateHistoryTable(table) }

// SelectHistory returns the query that reads every history row ordered by
// version.
func (*Dialect) SelectHistory(table string) string { return spelling.SelectHistory(table) }

// InsertHistory returns the statement that inserts one history row; its
// arguments are $1 version through $7 state.
func (*Dialect) InsertHistory(table string) string { return spelling.InsertHistory(table) }

// DeleteHistory returns the statement that deletes the row of version $1.
func (*Dialect) DeleteHistory(table string) string { return spelling.DeleteHistory(table) }

// DeleteHistoryState returns the statement that deletes every row in
// state $1.
func (*Dialect) DeleteHistoryState(table string) string { return spelling.DeleteHistoryState(table) }

// ClearHistory returns the statement that deletes every row and keeps the
// table.
func (*Dialect) ClearHistory(table string) string { return spelling.ClearHistory(table) }

// DropHistoryTable returns the statement that drops the history table if
// it exists.
func (*Dialect) DropHistoryTable(table string) string { return spelling.DropHistoryTable(table) }
