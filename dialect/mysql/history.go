package mysql

import (
	"time"

	"github.com/hoistdb/hoist/dialect"
)

var _ dialect.TimeArgs = (*Dialect)(nil)

// The history statements, built from spelling (dialect.go). Columns are
// always listed in the order the dialect.Dialect interface documents:
// version, name, checksum, batch, applied_at, execution_ms, state.

// CreateHistoryTable returns the statement that creates the history table
// if it does not exist. applied_at is a DATETIME(6) holding UTC, whatever
// the DSN's loc: hoist writes it as UTC text, never as a time.Time the
// driver would move into loc (see TimeArg). MySQL 8 rounds, MariaDB truncates, digits
// beyond the microsecond.
func (*Dialect) CreateHistoryTable(table string) string { return spelling.CreateHistoryTable(table) }

// SelectHistory returns the query that reads every history row ordered by
// version. It reads applied_at as text (DATE_FORMAT), which the engine
// takes as the UTC it is: go-sql-driver/mysql would read a DATETIME in
// the DSN's loc when the DSN has parseTime=true, and a DSN with
// loc=Asia/Tokyo would move every row 9 hours early.
func (*Dialect) SelectHistory(table string) string {
	return "SELECT version, name, checksum, batch, DATE_FORMAT(applied_at, '%Y-%m-%d %H:%i:%s.%f') AS applied_at, execution_ms, state FROM " +
		spelling.QuoteIdent(table) + " ORDER BY version"
}

// TimeArg returns t as UTC text, "2006-01-02 15:04:05.000000", which
// go-sql-driver/mysql sends as it is, where it would write a time.Time
// in the DSN's loc: so rows written through arguments (seeders,
// ImportHistory) hold UTC, as the ones written as literals do.
func (*Dialect) TimeArg(t time.Time) any { return t.UTC().Format("2006-01-02 15:04:05.000000") }

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
