package dialecttest

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/hoistdb/hoist/dialect"
)

// historyRow is one history row as the suite writes and reads it.
type historyRow struct {
	version     int64
	name        string
	checksum    string
	batch       int
	appliedAt   time.Time
	executionMS int64
	state       string
}

func (s *suite) history(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct{ name, table string }{
		{"plain", "hoist_migrations"},
		{"quoted", quotedName(s.d)},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s.checkHistory(t, s.open(t).DB, tt.table)
		})
	}
	if s.historyTables != nil {
		t.Run("given", func(t *testing.T) {
			t.Parallel()
			db := s.open(t)
			// Named by position: a name may hold the database's
			// random name, and a test's name should not change.
			for i, table := range s.historyTables(t, db) {
				t.Run(strconv.Itoa(i+1), func(t *testing.T) {
					t.Logf("table %s", table)
					s.checkHistory(t, db.DB, table)
				})
			}
		})
	}
}

// quotedName is a table name with the dialect's quote characters in it:
// `hoist "odd" migrations` where identifiers are quoted with ".
func quotedName(d dialect.Dialect) string {
	q := d.QuoteIdent("x")
	open, _ := utf8.DecodeRuneInString(q)
	closing, _ := utf8.DecodeLastRuneInString(q)
	return fmt.Sprintf("hoist %codd%c migrations", open, closing)
}

// checkHistory runs every history statement on table, which must not
// exist yet, and drops it in the end.
func (s *suite) checkHistory(t *testing.T, db *sql.DB, table string) {
	d := s.d
	ctx := context.Background()
	exec := func(query string, args ...any) {
		t.Helper()
		if _, err := db.ExecContext(ctx, query, args...); err != nil {
			t.Fatalf("%s: %v", query, err)
		}
	}

	exec(d.CreateHistoryTable(table))
	exec(d.CreateHistoryTable(table)) // idempotent

	// Nanoseconds on purpose: engines keep microseconds, and round
	// (MySQL 8) or truncate (MariaDB) the rest.
	at := time.Date(2026, 11, 22, 4, 5, 6, 123456789, time.UTC)
	rows := []historyRow{
		{1, "create users", "c1", 1, at, 12, "applied"},
		{20261122040506, "añadir correo 📧", "c2", 2, at.Add(time.Hour), 7, "applied"},
		{20261122040507, "broken", "c3", 2, at.Add(2 * time.Hour), 0, "failed"},
		{20261122040508, "go migration", "", 3, at.Add(3 * time.Hour), 1, "applied"},
	}
	for _, r := range rows {
		exec(d.InsertHistory(table), r.version, r.name, r.checksum, r.batch, r.appliedAt, r.executionMS, r.state)
	}
	s.assertHistory(t, db, table, rows)
	s.assertBootAggregate(t, db, table, rows)

	exec(d.DeleteHistory(table), rows[1].version)
	s.assertHistory(t, db, table, []historyRow{rows[0], rows[2], rows[3]})

	exec(d.DeleteHistoryState(table), "failed")
	s.assertHistory(t, db, table, []historyRow{rows[0], rows[3]})

	exec(d.ClearHistory(table))
	s.assertHistory(t, db, table, nil)
	s.assertBootAggregate(t, db, table, nil)

	exec(d.DropHistoryTable(table))
	exec(d.DropHistoryTable(table)) // idempotent
	if rows, err := db.QueryContext(ctx, d.SelectHistory(table)); !d.IsMissingTable(err) {
		if err == nil {
			rows.Close()
		}
		t.Errorf("select after drop: IsMissingTable(%v) = false, want true", err)
	}
}

// readHistory reads the history table with SelectHistory.
func (s *suite) readHistory(t *testing.T, db *sql.DB, table string) []historyRow {
	t.Helper()
	rows, err := db.QueryContext(context.Background(), s.d.SelectHistory(table))
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var got []historyRow
	for rows.Next() {
		var (
			r         historyRow
			appliedAt any // time.Time, or text such as MySQL's without parseTime
		)
		if err := rows.Scan(&r.version, &r.name, &r.checksum, &r.batch, &appliedAt, &r.executionMS, &r.state); err != nil {
			t.Fatal(err)
		}
		r.appliedAt = s.timeOf(t, appliedAt)
		got = append(got, r)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return got
}

func (s *suite) assertHistory(t *testing.T, db *sql.DB, table string, want []historyRow) {
	t.Helper()
	got := s.readHistory(t, db, table)
	if len(got) != len(want) {
		t.Fatalf("history has %d rows, want %d: %+v", len(got), len(want), got)
	}
	for i := range want {
		g, w := got[i], want[i]
		if !sameMicrosecond(g.appliedAt, w.appliedAt) {
			t.Errorf("row %d: applied_at = %s, want %s to the microsecond", i, g.appliedAt.UTC().Format(time.RFC3339Nano), w.appliedAt.Format(time.RFC3339Nano))
		}
		g.appliedAt, w.appliedAt = time.Time{}, time.Time{}
		if g != w {
			t.Errorf("row %d = %+v, want %+v", i, g, w)
		}
	}
}

// assertBootAggregate checks SelectBootAggregate against want, when the
// dialect has that ability.
func (s *suite) assertBootAggregate(t *testing.T, db *sql.DB, table string, want []historyRow) {
	t.Helper()
	ba, ok := s.d.(dialect.BootAggregate)
	if !ok {
		return
	}
	query := ba.SelectBootAggregate(table)
	var (
		count int
		value sql.NullString
	)
	if err := db.QueryRowContext(context.Background(), query).Scan(&count, &value); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	if count != len(want) {
		t.Errorf("%s counts %d rows, want %d", query, count, len(want))
	}
	if len(want) == 0 {
		if value.Valid {
			t.Errorf("%s on an empty table = %q, want NULL", query, value.String)
		}
		return
	}
	var wantRows []string
	for _, r := range want {
		v := r.version
		if r.state != "applied" {
			v = -v
		}
		wantRows = append(wantRows, fmt.Sprintf("%d %s", v, r.checksum))
	}
	got := strings.Split(value.String, ",")
	slices.Sort(got)
	slices.Sort(wantRows)
	if !value.Valid || !slices.Equal(got, wantRows) {
		t.Errorf("%s = %q (valid %v), want the rows %q in any order", query, value.String, value.Valid, wantRows)
	}
}

// timeOf reads a scanned timestamp: time.Time, or text in the layout
// that WithTextTimestamps gave, taken as UTC.
func (s *suite) timeOf(t *testing.T, v any) time.Time {
	t.Helper()
	var text string
	switch v := v.(type) {
	case time.Time:
		return v
	case []byte:
		text = string(v)
	case string:
		text = v
	}
	if s.timestampLayout == "" || text == "" {
		t.Fatalf("applied_at scanned as %T (%q); want time.Time, or text with WithTextTimestamps", v, text)
	}
	at, err := time.ParseInLocation(s.timestampLayout, text, time.UTC)
	if err != nil {
		t.Fatalf("applied_at %q: %v", text, err)
	}
	return at
}

// sameMicrosecond reports whether a stored time is the instant that was
// written, rounded or truncated to the microsecond.
func sameMicrosecond(got, want time.Time) bool {
	d := got.Sub(want)
	return d > -time.Microsecond && d < time.Microsecond
}

// transactionalDDL creates a table in a transaction that rolls back and
// checks that the table is gone exactly when the dialect says so.
func (s *suite) transactionalDDL(t *testing.T) {
	t.Parallel()
	db := s.open(t).DB
	ctx := context.Background()
	const table = "hoist_ddl"
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tx.ExecContext(ctx, s.d.CreateHistoryTable(table)); err != nil {
		_ = tx.Rollback()
		t.Fatalf("%s: %v", s.d.CreateHistoryTable(table), err)
	}
	if err := tx.Rollback(); err != nil {
		t.Fatalf("rollback: %v", err)
	}
	rows, err := db.QueryContext(ctx, s.d.SelectHistory(table))
	if err == nil {
		rows.Close()
	}
	rolledBack := s.d.IsMissingTable(err)
	if err != nil && !rolledBack {
		t.Fatalf("select after rollback: %v", err)
	}
	if rolledBack != s.d.TransactionalDDL() {
		t.Errorf("the table created in a rolled back transaction is gone: %v; TransactionalDDL() = %v", rolledBack, s.d.TransactionalDDL())
	}
}
