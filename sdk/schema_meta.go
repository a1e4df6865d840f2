package sdk

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"
	"strings"

	"github.com/hoistdb/hoist/dialect"
)

// Schema metadata is what a schema migration describes and no catalogue
// holds: the Go field name of a column, the relation names of a foreign
// key, the name and member order of an enum on engines that spell enums
// in their columns (MySQL, SQLite). The migration's [DialectSteps.Meta]
// lists it as rows, and the Migrator keeps them in the table
// <history table>_schema under the migration's version:
//
//   - up: the rows of the version are written in the migration's
//     transaction, just before its history row says applied (replacing
//     any that a failed earlier attempt left);
//   - down: they are deleted just after its history row is;
//   - [Migrator.ResetHistory] empties the table, [Migrator.DeleteHistory]
//     drops it.
//
// Readers take only the rows of versions whose history row is applied,
// in order of version, so that the rows agree with the history even
// where a failure or a kill comes between the two writes on an engine
// without transactional DDL (MySQL commits each DDL statement, so the
// rows and the applied mark are committed one after the other): rows of
// a migration that is running, failed, repaired away or rolled back are
// ignored. The table is created with the history table, by Up and
// Rollback under the lock, where a migration keeps metadata.

// SchemaMeta is one row of schema metadata. Kind says what it records;
// package sdk/schema writes and reads the kinds, the Migrator only keeps
// the rows. Version is the migration's, filled in when rows are read.
type SchemaMeta struct {
	Version int64
	Kind    string
	Table   string
	Column  string
	Key     string
	Value   string
}

// SchemaMetaTable is the name of the table that keeps schema metadata
// next to the history table history (hoist_migrations_schema by
// default).
func SchemaMetaTable(history string) string { return history + "_schema" }

// schemaMetaTable is this Migrator's schema metadata table.
func (m *Migrator) schemaMetaTable() string { return SchemaMetaTable(m.table) }

// keepsSchemaMeta reports whether the Migrator has a migration that keeps
// schema metadata, and so may create the table.
func (m *Migrator) keepsSchemaMeta() bool {
	for i := range m.migrations {
		if s := m.migrations[i].dialectSteps; s != nil && s.Meta != nil {
			return true
		}
	}
	return false
}

// createSchemaMetaSQL creates the metadata table if it does not exist,
// in SQL that PostgreSQL, MySQL/MariaDB and SQLite read alike. Rows are
// numbered by seq within a version, since their order matters (a rename
// after an addition).
func createSchemaMetaSQL(quote func(string) string, table string) string {
	return "CREATE TABLE IF NOT EXISTS " + quote(table) + " (" +
		"version BIGINT NOT NULL, seq INTEGER NOT NULL, kind VARCHAR(32) NOT NULL, " +
		"table_name VARCHAR(255) NOT NULL, column_name VARCHAR(255) NOT NULL, " +
		"meta_key VARCHAR(255) NOT NULL, meta_value TEXT NOT NULL, PRIMARY KEY (version, seq))"
}

// selectSchemaMetaSQL reads every row with the state of its version's
// history row (NULL when there is none), in order.
func selectSchemaMetaSQL(quote func(string) string, meta, history string) string {
	return "SELECT s.version, s.seq, s.kind, s.table_name, s.column_name, s.meta_key, s.meta_value, h.state FROM " +
		quote(meta) + " s LEFT JOIN " + quote(history) + " h ON h.version = s.version ORDER BY s.version, s.seq"
}

// placeholders returns the argument placeholders of n arguments from
// first on, in the style of the dialect's own statements ($1 or ?).
func (m *Migrator) placeholders(first, n int) []string {
	dollar := strings.Contains(m.dialect.DeleteHistory(m.table), "$1")
	out := make([]string, n)
	for i := range out {
		out[i] = "?"
		if dollar {
			out[i] = "$" + strconv.Itoa(first+i)
		}
	}
	return out
}

// createSchemaMeta creates the metadata table, if a migration keeps
// metadata, with the history table: under the lock, before any migration
// runs and outside its transaction, so that reading and writing it in a
// migration's transaction cannot fail for want of it (PostgreSQL aborts
// the transaction on any error) and, on MySQL, no implicit commit of a
// CREATE TABLE counts as a change of the migration.
func (m *Migrator) createSchemaMeta(ctx context.Context, conn *sql.Conn) error {
	if !m.keepsSchemaMeta() {
		return nil
	}
	if _, err := conn.ExecContext(ctx, createSchemaMetaSQL(m.dialect.QuoteIdent, m.schemaMetaTable())); err != nil {
		return fmt.Errorf("hoist: creating schema metadata table %s: %w", m.schemaMetaTable(), err)
	}
	return nil
}

// keepSchemaMeta writes (up) or deletes (down) the schema metadata of mig
// through q, in the migration's transaction. The up's rows go before the
// history row says applied, the down's are deleted after its history row
// is: either way an interruption between the two leaves rows that
// readers ignore (see above).
func (m *Migrator) keepSchemaMeta(ctx context.Context, q Tx, mig *Migration, dir Direction) error {
	s := mig.dialectSteps
	if s == nil || s.Meta == nil {
		return nil
	}
	quote := m.dialect.QuoteIdent
	table := m.schemaMetaTable()
	fail := func(err error) error {
		return m.recordErr(mig, dir, fmt.Errorf("keeping its schema metadata in %s: %w", table, err))
	}
	del := "DELETE FROM " + quote(table) + " WHERE version = " + strconv.FormatInt(mig.Version, 10)
	if _, err := q.ExecContext(ctx, del); err != nil {
		return fail(err)
	}
	if dir == Down || len(s.Meta) == 0 {
		return nil
	}
	var b strings.Builder
	b.WriteString("INSERT INTO " + quote(table) + " (version, seq, kind, table_name, column_name, meta_key, meta_value) VALUES ")
	args := make([]any, 0, 7*len(s.Meta))
	for i, r := range s.Meta {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString("(" + strings.Join(m.placeholders(len(args)+1, 7), ", ") + ")")
		args = append(args, mig.Version, i+1, r.Kind, r.Table, r.Column, r.Key, r.Value)
	}
	if _, err := q.ExecContext(ctx, b.String(), args...); err != nil {
		return fail(err)
	}
	return nil
}

// ReadSchemaMeta reads the schema metadata of the migrations applied
// according to the history table history, in order of version and of
// the rows within a version: what package sdk/schema merges into an
// inspected schema, and what the hoist command, which has no compiled
// migrations, reads. A database without the table has none; but q
// should not be a PostgreSQL transaction then, which the failed read
// would abort.
func ReadSchemaMeta(ctx context.Context, q Querier, d dialect.Dialect, history string) ([]SchemaMeta, error) {
	rows, err := readSchemaMeta(ctx, q, d, history)
	if err != nil {
		return nil, err
	}
	var out []SchemaMeta
	for _, r := range rows {
		if r.state == string(StateApplied) {
			out = append(out, r.SchemaMeta)
		}
	}
	return out, nil
}

// Querier is what [ReadSchemaMeta] reads through: *sql.DB, *sql.Conn,
// *sql.Tx and [Tx] all satisfy it.
type Querier interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

type schemaMetaRow struct {
	SchemaMeta
	state string
}

func readSchemaMeta(ctx context.Context, q Querier, d dialect.Dialect, history string) ([]schemaMetaRow, error) {
	table := SchemaMetaTable(history)
	rows, err := q.QueryContext(ctx, selectSchemaMetaSQL(d.QuoteIdent, table, history))
	if err != nil {
		if d.IsMissingTable(err) {
			return nil, nil
		}
		return nil, fmt.Errorf("hoist: reading schema metadata from %s: %w", table, err)
	}
	defer rows.Close()
	var out []schemaMetaRow
	for rows.Next() {
		var r schemaMetaRow
		var seq int64
		var state *string
		if err := rows.Scan(&r.Version, &seq, &r.Kind, &r.Table, &r.Column, &r.Key, &r.Value, &state); err != nil {
			return nil, fmt.Errorf("hoist: reading schema metadata from %s: %w", table, err)
		}
		if state != nil {
			r.state = *state
		}
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("hoist: reading schema metadata from %s: %w", table, err)
	}
	return out, nil
}

// runningMeta is what a dialect migration's steps find in their context
// (see bindDialect): the Migrator and the migration that runs.
type runningMeta struct {
	m   *Migrator
	mig *Migration
	dir Direction
}

type runningMetaKey struct{}

// RunningSchemaMeta reads, from inside the up or down of a migration
// built with [DialectMigration] with [DialectSteps.Meta] set, the schema
// metadata of the migrations applied before it, through its transaction
// tx; for a down it includes the migration's own rows, since its changes
// are still in place. ctx must be the context the step was given;
// elsewhere there is no Migrator and it returns nothing.
func RunningSchemaMeta(ctx context.Context, tx Tx) ([]SchemaMeta, error) {
	run, ok := ctx.Value(runningMetaKey{}).(runningMeta)
	if !ok {
		return nil, nil
	}
	m := run.m
	rows, err := readSchemaMeta(ctx, tx, m.dialect, m.table)
	if err != nil {
		return nil, err
	}
	var out []SchemaMeta
	for _, r := range rows {
		own := r.Version == run.mig.Version
		// On MySQL the history row of the migration is "running" by now.
		if (own && run.dir == Down) || (!own && r.state == string(StateApplied)) {
			out = append(out, r.SchemaMeta)
		}
	}
	return out, nil
}

// withRunningMeta gives a dialect migration's step the context in which
// [RunningSchemaMeta] finds its Migrator.
func (m *Migrator) withRunningMeta(ctx context.Context, mig *Migration, dir Direction) context.Context {
	return context.WithValue(ctx, runningMetaKey{}, runningMeta{m: m, mig: mig, dir: dir})
}

// clearSchemaMeta empties (drop false) or drops the metadata table, for
// ResetHistory and DeleteHistory.
func (m *Migrator) clearSchemaMeta(ctx context.Context, q Tx, drop bool) error {
	table := m.dialect.QuoteIdent(m.schemaMetaTable())
	stmt := "DELETE FROM " + table
	if drop {
		stmt = "DROP TABLE IF EXISTS " + table
	}
	if _, err := q.ExecContext(ctx, stmt); err != nil && (drop || !m.dialect.IsMissingTable(err)) {
		return fmt.Errorf("hoist: clearing schema metadata %s: %w", m.schemaMetaTable(), err)
	}
	return nil
}
