package sdk

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/hoistdb/hoist/dialect"
)

// history is the history table read at one moment, ordered by version.
type history struct {
	rows    []HistoryEntry
	missing bool // the table does not exist yet
}

func (h *history) byVersion() map[int64]HistoryEntry {
	m := make(map[int64]HistoryEntry, len(h.rows))
	for _, r := range h.rows {
		m[r.Version] = r
	}
	return m
}

// lastBatch is the highest batch recorded, 0 for an empty history.
func (h *history) lastBatch() int {
	n := 0
	for _, r := range h.rows {
		n = max(n, r.Batch)
	}
	return n
}

// ErrCorruptHistory: the history table has a shape or content that hoist
// never writes (a version recorded twice, a state it does not know, a
// NULL where a value belongs, a column of another type, a column it
// cannot fill), so what is applied cannot be known. Nothing ran. Tested
// with errors.Is; the message names the row or column and how to mend
// it by hand.
var ErrCorruptHistory = errors.New("hoist: the history table is damaged")

// knownStates are the states hoist writes in the history's state column.
// A row in any other state is refused as damaged; every known state but
// StateApplied stops Up and Rollback as [ErrDirty] does. A new state is
// one more entry here.
var knownStates = []State{StateApplied, StateFailed, StateRunning}

func knownState(s State) bool { return slices.Contains(knownStates, s) }

// historyColumns are the columns hoist reads and writes, in the order of
// the dialect's SelectHistory and InsertHistory.
var historyColumns = [...]string{"version", "name", "checksum", "batch", "applied_at", "execution_ms", "state"}

// readHistory reads the history table in one query. A table that does not
// exist is an empty history, not an error. A table whose shape or rows
// hoist never writes is refused with ErrCorruptHistory, so that nothing
// runs on a history that cannot say what is applied.
func (m *Migrator) readHistory(ctx context.Context, q Tx) (*history, error) {
	rows, err := q.QueryContext(ctx, m.dialect.SelectHistory(m.table))
	if err != nil {
		if m.dialect.IsMissingTable(err) {
			return &history{missing: true}, nil
		}
		return nil, fmt.Errorf("hoist: reading history table %s: %w", m.table, err)
	}
	defer rows.Close()
	var bad damage
	m.checkColumnTypes(rows, &bad)
	h := &history{}
	for n := 1; rows.Next(); n++ {
		var (
			version, batch, ms    sql.NullInt64
			name, checksum, state sql.NullString
			at                    timeValue
		)
		if err := rows.Scan(&version, &name, &checksum, &batch, &at, &ms, &state); err != nil {
			if bad.any() {
				break // the column types already say why
			}
			bad.addf("row %d (in version order) cannot be read: %v; correct its values by hand", n, err)
			continue
		}
		for i, v := range []bool{version.Valid, name.Valid, checksum.Valid, batch.Valid, true, ms.Valid, state.Valid} {
			if !v {
				bad.addf("the row of version %s has a NULL %s; set it (UPDATE %s SET %s = ... WHERE version = %s: %s)",
					nullVersion(version), historyColumns[i], m.table, historyColumns[i], nullVersion(version), mendNull(historyColumns[i]))
			}
		}
		e := HistoryEntry{Version: version.Int64, Name: name.String, Checksum: checksum.String, Batch: int(batch.Int64),
			AppliedAt: at.Time, ExecutionTime: time.Duration(ms.Int64) * time.Millisecond, State: State(state.String)}
		if state.Valid && !knownState(e.State) {
			bad.addf("the row of version %d has state %q, which hoist does not write (it knows %s); after checking the schema, "+
				"set it to %q if the migration is applied or %q if it may be half done (UPDATE %s SET state = ... WHERE version = %d)",
				e.Version, state.String, stateList(), StateApplied, StateFailed, m.table, e.Version)
		}
		h.rows = append(h.rows, e)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("hoist: reading history table %s: %w", m.table, err)
	}
	slices.SortFunc(h.rows, func(a, b HistoryEntry) int { return compareInt(a.Version, b.Version) })
	for i := 1; i < len(h.rows); i++ {
		if v := h.rows[i].Version; v == h.rows[i-1].Version && (i == 1 || h.rows[i-2].Version != v) {
			bad.addf("version %d has more than one row (the table lost its primary key); delete all but the right one "+
				"and restore the key (ALTER TABLE %s ADD PRIMARY KEY (version))", v, m.table)
		}
	}
	if err := bad.err(m.table); err != nil {
		return nil, err
	}
	return h, nil
}

// checkColumnTypes checks the types of the integer columns as the driver
// reports them, at no cost: the query has run. A version stored as text
// compares and sorts as text, and breaks the boot query's arithmetic.
func (m *Migrator) checkColumnTypes(rows *sql.Rows, bad *damage) {
	types, err := rows.ColumnTypes()
	if err != nil || len(types) != len(historyColumns) {
		return
	}
	for i, ct := range types {
		switch historyColumns[i] {
		case "version", "batch", "execution_ms":
		default:
			continue
		}
		// Drivers name the type as the engine does (INT8, BIGINT,
		// INTEGER, UNSIGNED BIGINT); "" is a type they cannot tell.
		if t := strings.ToUpper(ct.DatabaseTypeName()); t != "" && !strings.Contains(t, "INT") {
			bad.addf("column %s is %s, not an integer; change it back to what hoist creates (%s)",
				historyColumns[i], t, m.columnDefinition(historyColumns[i]))
		}
	}
}

// columnDefinition is the line of the dialect's CREATE TABLE for the
// history that defines column, such as "version BIGINT PRIMARY KEY".
func (m *Migrator) columnDefinition(column string) string {
	for _, line := range strings.Split(m.dialect.CreateHistoryTable(m.table), "\n") {
		if line = strings.TrimSpace(line); strings.HasPrefix(line, column+" ") {
			return strings.TrimSuffix(line, ",")
		}
	}
	return column + " as an integer"
}

// checkRequiredColumns refuses a history table with a column that an
// INSERT must fill (NOT NULL, no default) and hoist does not write: the
// row of a migration that ran could not be recorded, and on MySQL the
// migration's DDL would stay without one. It costs one catalogue query,
// so it runs under the lock before anything is written, where the
// dialect can tell ([dialect.RequiredColumns]).
func (m *Migrator) checkRequiredColumns(ctx context.Context, q Tx) error {
	rc, ok := m.dialect.(dialect.RequiredColumns)
	if !ok {
		return nil
	}
	query, args := rc.SelectRequiredColumns(m.table)
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return fmt.Errorf("hoist: reading the columns of history table %s: %w", m.table, err)
	}
	defer rows.Close()
	var bad damage
	for rows.Next() {
		var col string
		if err := rows.Scan(&col); err != nil {
			return fmt.Errorf("hoist: reading the columns of history table %s: %w", m.table, err)
		}
		if !slices.Contains(historyColumns[:], strings.ToLower(col)) {
			bad.addf("column %s is NOT NULL without a default, and hoist does not write it, so the row of a migration that ran could not be recorded; "+
				"drop it or give it a default (ALTER TABLE %s DROP COLUMN %s)", col, m.table, col)
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("hoist: reading the columns of history table %s: %w", m.table, err)
	}
	return bad.err(m.table)
}

// damage collects what is wrong with a history table, for one error.
type damage struct{ problems []string }

func (d *damage) addf(format string, args ...any) {
	d.problems = append(d.problems, fmt.Sprintf(format, args...))
}

func (d *damage) any() bool { return len(d.problems) > 0 }

func (d *damage) err(table string) error {
	if !d.any() {
		return nil
	}
	return fmt.Errorf("%w: %s: %s; nothing was run", ErrCorruptHistory, table, strings.Join(d.problems, "; "))
}

func nullVersion(v sql.NullInt64) string {
	if !v.Valid {
		return "NULL"
	}
	return strconv.FormatInt(v.Int64, 10)
}

// mendNull says what value a NULL column should get.
func mendNull(column string) string {
	switch column {
	case "version":
		return "the version of the migration the row records, or delete the row"
	case "checksum":
		return "the migration's checksum from `hoist migrate:status --json`, or '' to stop checking its text"
	case "state":
		return fmt.Sprintf("%q once the schema is checked", StateApplied)
	case "batch":
		return "the batch it was applied in"
	case "execution_ms":
		return "0 will do"
	}
	return "the migration's " + column
}

func stateList() string {
	s := make([]string, len(knownStates))
	for i, st := range knownStates {
		s[i] = strconv.Quote(string(st))
	}
	return strings.Join(s, ", ")
}

// migrationIndex is the index in m.migrations of the migration of version.
func (m *Migrator) migrationIndex(version int64) (int, bool) {
	return slices.BinarySearchFunc(m.migrations, version, func(mig Migration, v int64) int { return compareInt(mig.Version, v) })
}

// timeValue scans a timestamp whatever the driver makes of it: time.Time,
// or text when a MySQL DSN lacks parseTime=true.
type timeValue struct{ time.Time }

var timeLayouts = []string{
	time.RFC3339Nano,
	"2006-01-02 15:04:05.999999999-07:00",
	"2006-01-02 15:04:05.999999999Z07:00",
	"2006-01-02 15:04:05.999999999",
	"2006-01-02T15:04:05.999999999",
}

func (t *timeValue) Scan(v any) error {
	switch v := v.(type) {
	case time.Time:
		t.Time = v.UTC()
		return nil
	case nil:
		t.Time = time.Time{}
		return nil
	case []byte:
		return t.parse(string(v))
	case string:
		return t.parse(v)
	}
	return fmt.Errorf("cannot read %T as a timestamp", v)
}

func (t *timeValue) parse(s string) error {
	for _, layout := range timeLayouts {
		if p, err := time.Parse(layout, s); err == nil {
			t.Time = p.UTC()
			return nil
		}
	}
	return fmt.Errorf("cannot read %q as a timestamp", s)
}

func compareInt(a, b int64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

func sortStatus(s []MigrationStatus) {
	slices.SortFunc(s, func(a, b MigrationStatus) int { return compareInt(a.Version, b.Version) })
}

// isBusy reports whether d says err is a busy database ([dialect.BusyErrors]).
func isBusy(d dialect.Dialect, err error) bool {
	b, ok := d.(dialect.BusyErrors)
	return ok && b.IsBusy(err)
}
