package sqlgen

import (
	"strconv"
	"strings"
)

// Dialect is how one engine spells hoist's history and seed statements.
// Its methods take the table name unquoted and possibly qualified
// ("app.hoist_migrations"), as the dialect.Dialect methods do.
type Dialect struct {
	// Quote is the identifier quote character, '"' or '`'. A quote
	// inside a name is doubled.
	Quote byte
	// Placeholder is how statements refer to their arguments.
	Placeholder Placeholder
	// TableOptions follows the closing parenthesis of CREATE TABLE, such
	// as " ENGINE=InnoDB DEFAULT CHARSET=utf8mb4"; "" for none.
	TableOptions string
	// History are the column types of the history table.
	History HistoryTypes
	// Seeds are the column types of the seed table.
	Seeds SeedTypes
}

// Placeholder is a style of argument placeholders.
type Placeholder int

const (
	// Question is "?" for every argument (MySQL, SQLite).
	Question Placeholder = iota
	// Dollar is "$1", "$2" and so on (PostgreSQL).
	Dollar
)

// HistoryTypes are the declared types of the history table's columns.
// CREATE TABLE declares the key, Version, as "<type> PRIMARY KEY" and
// every other column as "<type> NOT NULL".
type HistoryTypes struct {
	Version, Name, Checksum, Batch, AppliedAt, ExecutionMS, State string
}

// SeedTypes are the declared types of the seed table's columns. CREATE
// TABLE declares the key, Name, as "<type> PRIMARY KEY" and every other
// column as "<type> NOT NULL".
type SeedTypes struct {
	Name, Checksum, AppliedAt string
}

// historyColumns are the history table's columns in the order every
// statement lists them, the order dialect.Dialect documents.
const historyColumns = "version, name, checksum, batch, applied_at, execution_ms, state"

// seedColumns are the seed table's columns in the order every statement
// lists them.
const seedColumns = "name, checksum, applied_at"

// QuoteIdent quotes name part by part: "app.hoist_migrations" becomes
// "app"."hoist_migrations" with '"' as the quote.
func (d *Dialect) QuoteIdent(name string) string {
	q := string(d.Quote)
	var b strings.Builder
	b.Grow(len(name) + 4)
	for i, part := range strings.Split(name, ".") {
		if i > 0 {
			b.WriteByte('.')
		}
		b.WriteByte(d.Quote)
		b.WriteString(strings.ReplaceAll(part, q, q+q))
		b.WriteByte(d.Quote)
	}
	return b.String()
}

// placeholders returns the placeholders of arguments 1 to n, separated
// by commas.
func (d *Dialect) placeholders(n int) string {
	ps := make([]string, n)
	for i := range ps {
		ps[i] = d.placeholder(i + 1)
	}
	return strings.Join(ps, ", ")
}

// placeholder returns the placeholder of argument i, counted from 1.
func (d *Dialect) placeholder(i int) string {
	if d.Placeholder == Dollar {
		return "$" + strconv.Itoa(i)
	}
	return "?"
}

// column is one column of a CREATE TABLE.
type column struct{ name, typ string }

// createTable declares key as the primary key and every other column
// NOT NULL, one column a line.
func (d *Dialect) createTable(table string, key column, others ...column) string {
	var b strings.Builder
	b.WriteString("CREATE TABLE IF NOT EXISTS " + d.QuoteIdent(table) + " (\n")
	b.WriteString("\t" + key.name + " " + key.typ + " PRIMARY KEY")
	for _, c := range others {
		b.WriteString(",\n\t" + c.name + " " + c.typ + " NOT NULL")
	}
	b.WriteString("\n)" + d.TableOptions)
	return b.String()
}

// CreateHistoryTable creates the history table if it does not exist.
func (d *Dialect) CreateHistoryTable(table string) string {
	h := d.History
	return d.createTable(table, column{"version", h.Version},
		column{"name", h.Name},
		column{"checksum", h.Checksum},
		column{"batch", h.Batch},
		column{"applied_at", h.AppliedAt},
		column{"execution_ms", h.ExecutionMS},
		column{"state", h.State})
}

// SelectHistory reads every history row ordered by version.
func (d *Dialect) SelectHistory(table string) string {
	return "SELECT " + historyColumns + " FROM " + d.QuoteIdent(table) + " ORDER BY version"
}

// InsertHistory inserts one history row; its arguments are version
// through state.
func (d *Dialect) InsertHistory(table string) string {
	return "INSERT INTO " + d.QuoteIdent(table) + " (" + historyColumns + ") VALUES (" + d.placeholders(7) + ")"
}

// DeleteHistory deletes the row of the version in argument 1.
func (d *Dialect) DeleteHistory(table string) string {
	return "DELETE FROM " + d.QuoteIdent(table) + " WHERE version = " + d.placeholder(1)
}

// DeleteHistoryState deletes every row in the state in argument 1.
func (d *Dialect) DeleteHistoryState(table string) string {
	return "DELETE FROM " + d.QuoteIdent(table) + " WHERE state = " + d.placeholder(1)
}

// ClearHistory deletes every row and keeps the table.
func (d *Dialect) ClearHistory(table string) string {
	return "DELETE FROM " + d.QuoteIdent(table)
}

// DropHistoryTable drops the history table if it exists.
func (d *Dialect) DropHistoryTable(table string) string {
	return "DROP TABLE IF EXISTS " + d.QuoteIdent(table)
}

// CreateSeedTable creates the seed table if it does not exist.
func (d *Dialect) CreateSeedTable(table string) string {
	s := d.Seeds
	return d.createTable(table, column{"name", s.Name},
		column{"checksum", s.Checksum},
		column{"applied_at", s.AppliedAt})
}

// SelectSeeds reads the name of every recorded seeder.
func (d *Dialect) SelectSeeds(table string) string {
	return "SELECT name FROM " + d.QuoteIdent(table)
}

// InsertSeed records one seeder; its arguments are name, checksum and
// applied_at.
func (d *Dialect) InsertSeed(table string) string {
	return "INSERT INTO " + d.QuoteIdent(table) + " (" + seedColumns + ") VALUES (" + d.placeholders(3) + ")"
}
