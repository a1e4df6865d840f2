package mysql_test

import (
	"context"
	"database/sql"
	"testing"
	"time"

	"github.com/hoistdb/hoist/dialect/mysql"
	"github.com/hoistdb/hoist/testkit"
)

type historyRow struct {
	version     int64
	name        string
	checksum    string
	batch       int
	appliedAt   time.Time
	executionMS int64
	state       string
}

func TestHistoryStatements(t *testing.T) {
	t.Parallel()
	db := testkit.MySQL(t)
	var database string
	if err := db.DB.QueryRowContext(context.Background(), "SELECT DATABASE()").Scan(&database); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct{ name, table string }{
		{"plain", "hoist_migrations"},
		{"database_qualified", database + ".qualified_migrations"},
		{"quotes_in_names", "hoist `odd` migrations"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			testHistory(t, db.DB, tt.table)
		})
	}
}

func testHistory(t *testing.T, db *sql.DB, table string) {
	ctx := context.Background()
	d := mysql.New()
	exec := func(query string, args ...any) {
		t.Helper()
		if _, err := db.ExecContext(ctx, query, args...); err != nil {
			t.Fatalf("%s: %v", query, err)
		}
	}

	exec(d.CreateHistoryTable(table))
	exec(d.CreateHistoryTable(table)) // idempotent

	// Nanoseconds on purpose: MySQL 8 rounds them to microseconds,
	// MariaDB truncates.
	at := time.Date(2026, 11, 22, 4, 5, 6, 123456789, time.UTC)
	rows := []historyRow{
		{1, "create users", "c1", 1, at, 12, "applied"},
		{20261122040506, "añadir correo 📧", "c2", 2, at.Add(time.Hour), 7, "applied"},
		{20261122040507, "broken", "c3", 2, at.Add(2 * time.Hour), 0, "failed"},
	}
	for _, r := range rows {
		exec(d.InsertHistory(table), r.version, r.name, r.checksum, r.batch, r.appliedAt, r.executionMS, r.state)
	}
	assertHistory(t, db, table, rows)

	exec(d.DeleteHistory(table), rows[1].version)
	assertHistory(t, db, table, []historyRow{rows[0], rows[2]})

	exec(d.DeleteHistoryState(table), "failed")
	assertHistory(t, db, table, rows[:1])

	exec(d.ClearHistory(table))
	assertHistory(t, db, table, nil)

	exec(d.DropHistoryTable(table))
	exec(d.DropHistoryTable(table)) // idempotent
	_, err := db.QueryContext(ctx, d.SelectHistory(table))
	if !d.IsMissingTable(err) {
		t.Errorf("select after drop: IsMissingTable(%v) = false, want true", err)
	}
}

func assertHistory(t *testing.T, db *sql.DB, table string, want []historyRow) {
	t.Helper()
	rows, err := db.QueryContext(context.Background(), mysql.New().SelectHistory(table))
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var got []historyRow
	for rows.Next() {
		var (
			r         historyRow
			appliedAt any // []byte without parseTime, as the engine must expect
		)
		if err := rows.Scan(&r.version, &r.name, &r.checksum, &r.batch, &appliedAt, &r.executionMS, &r.state); err != nil {
			t.Fatal(err)
		}
		r.appliedAt = parseDatetime(t, appliedAt)
		got = append(got, r)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	if len(got) != len(want) {
		t.Fatalf("history has %d rows, want %d: %+v", len(got), len(want), got)
	}
	for i := range want {
		g, w := got[i], want[i]
		if !sameMicrosecond(g.appliedAt, w.appliedAt) {
			t.Errorf("row %d: applied_at = %s, want %s to the microsecond", i, g.appliedAt.Format(time.RFC3339Nano), w.appliedAt.Format(time.RFC3339Nano))
		}
		g.appliedAt, w.appliedAt = time.Time{}, time.Time{}
		if g != w {
			t.Errorf("row %d = %+v, want %+v", i, g, w)
		}
	}
}

// parseDatetime reads a DATETIME(6) as the driver returns it without
// parseTime, taking it as UTC.
func parseDatetime(t *testing.T, v any) time.Time {
	t.Helper()
	var s string
	switch v := v.(type) {
	case []byte:
		s = string(v)
	case string:
		s = v
	case time.Time:
		return v
	default:
		t.Fatalf("applied_at scanned as %T", v)
	}
	at, err := time.ParseInLocation("2006-01-02 15:04:05.999999", s, time.UTC)
	if err != nil {
		t.Fatalf("applied_at %q: %v", s, err)
	}
	return at
}

// sameMicrosecond reports whether a stored time is the instant that was
// written, rounded or truncated to the microsecond.
func sameMicrosecond(got, want time.Time) bool {
	d := got.Sub(want)
	return d > -time.Microsecond && d < time.Microsecond
}
