package mysql

// The history statements, built from spelling (dialect.go). Columns are
// always listed in the order the dialect.Dialect interface documents:
// version, name, checksum, batch, applied_at, execution_ms, state.

// CreateHistoryTable returns the statement that creates the history table
// if it does not exist. applied_at is a DATETIME(6) holding UTC: the
// driver writes time.Time in its loc (UTC unless the DSN says otherwise),
// and hoist passes UTC times. MySQL 8 rounds, MariaDB truncates, digits
// beyond the microsecond.
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
// table. It is a DELETE, not a TRUNCATE, so that it can run inside a
// transaction.
func (*Dialect) ClearHistory(table string) string { return spelling.ClearHistory(table) }

// DropHistoryTable returns the statement that drops the history table if
// it exists.
func (*Dialect) DropHistoryTable(table string) string { return spelling.DropHistoryTable(table) }
