package postgres

import (
	"fmt"
	"strings"
	"time"

	"github.com/hoistdb/hoist/dialect"
)

var _ dialect.Scripter = (*Dialect)(nil)

// MigrationPrologue turns off the wait for the WAL flush at the commit of
// a migration's transaction. Nothing that matters can be lost: the DDL and
// its history row commit, or vanish in a crash, together, and a migration
// that vanished is pending again at the next boot. Any later commit that
// waits for its flush (the application's first write, say) also makes
// every migration before it durable, because the WAL is written in order.
func (*Dialect) MigrationPrologue() string {
	return "SET LOCAL synchronous_commit = off"
}

var _ dialect.DurableCommits = (*Dialect)(nil)

// DurableMigrationPrologue is "": under sdk.WithDurableCommits, each
// migration's commit waits for its WAL flush, as the server's and the
// session's synchronous_commit say.
func (*Dialect) DurableMigrationPrologue() string { return "" }

// InsertHistoryScript returns the insert of an applied history row with
// its values as literals. applied_at is appliedAt, as the engine stamps
// every other row, so that one clock orders the history. statement_timestamp()
// is when the server received the script, so execution_ms is the time
// until the insert, its last statement.
func (d *Dialect) InsertHistoryScript(table string, version int64, name, checksum string, batch int, appliedAt time.Time) string {
	return fmt.Sprintf("INSERT INTO %s (version, name, checksum, batch, applied_at, execution_ms, state) "+
		"VALUES (%d, %s, %s, %d, '%s', "+
		"(EXTRACT(EPOCH FROM clock_timestamp() - statement_timestamp()) * 1000)::bigint, 'applied')",
		d.QuoteIdent(table), version, quoteLiteral(name), quoteLiteral(checksum), batch,
		appliedAt.UTC().Format("2006-01-02 15:04:05.000000-07"))
}

// DeleteHistoryScript returns the delete of one version's history row.
func (d *Dialect) DeleteHistoryScript(table string, version int64) string {
	return fmt.Sprintf("DELETE FROM %s WHERE version = %d", d.QuoteIdent(table), version)
}

// quoteLiteral quotes s as a string literal that means s whatever
// standard_conforming_strings says: with a backslash in s it is an escape
// string (E'...') with backslashes doubled.
func quoteLiteral(s string) string {
	q := "'" + strings.ReplaceAll(s, "'", "''") + "'"
	if strings.Contains(s, `\`) {
		return "E" + strings.ReplaceAll(q, `\`, `\\`)
	}
	return q
}
