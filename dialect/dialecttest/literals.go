package dialecttest

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/hoistdb/hoist/dialect"
)

// literalNames need quoting, or more, in a string literal.
var literalNames = []string{"plain", "it's", `back\slash`, `both\'s`, "añadir correo 📧", "", "tab\there", "semi;colon -- and # and /* */"}

// literals writes history rows with the literal statements and reads them
// back with SelectHistory.
func (s *suite) literals(t *testing.T, l dialect.HistoryLiterals) {
	t.Parallel()
	db := s.open(t).DB
	ctx := context.Background()
	const table = "hist_literal"
	exec := func(query string) {
		t.Helper()
		if _, err := db.ExecContext(ctx, query); err != nil {
			t.Fatalf("%s: %v", query, err)
		}
	}
	exec(s.d.DropHistoryTable(table))
	exec(s.d.CreateHistoryTable(table))
	at := time.Date(2026, 11, 22, 4, 5, 6, 123456000, time.UTC)
	var want []historyRow
	for i, name := range literalNames {
		r := historyRow{int64(20261122000000 + i), name, fmt.Sprintf("c'%d\\", i), i + 1, at.Add(time.Duration(i) * time.Second), int64(i * 10), "applied"}
		if i%2 == 1 {
			r.state = "failed"
		}
		exec(l.InsertHistoryLiteral(table, r.version, r.name, r.checksum, r.batch, r.appliedAt, r.executionMS, r.state))
		want = append(want, r)
	}
	s.assertHistory(t, db, table, want)
	exec(l.DeleteHistoryLiteral(table, want[2].version))
	s.assertHistory(t, db, table, append(want[:2:2], want[3:]...))
	exec(s.d.DropHistoryTable(table))
}

// implicitCommits checks CommitsImplicitly against the engine: a row
// inserted in a transaction survives its rollback exactly when a
// statement the dialect says commits implicitly ran after it.
func (s *suite) implicitCommits(t *testing.T, ic dialect.ImplicitCommits) {
	t.Parallel()
	db := s.open(t).DB
	ctx := context.Background()
	q := s.d.QuoteIdent
	if _, err := db.ExecContext(ctx, "CREATE TABLE "+q("marks")+" (id INTEGER PRIMARY KEY)"); err != nil {
		t.Fatal(err)
	}
	statements := []string{
		"CREATE TABLE " + q("made") + " (id INTEGER)",
		"ALTER TABLE " + q("made") + " ADD COLUMN extra INTEGER",
		"CREATE INDEX " + q("made_id") + " ON " + q("made") + " (id)",
		"  create temporary table " + q("scratch") + " (id INTEGER)",
		"DROP TEMPORARY TABLE " + q("scratch"),
		"INSERT INTO " + q("made") + " (id) VALUES (1)",
		"UPDATE " + q("made") + " SET id = 2",
		"TRUNCATE TABLE " + q("made"),
		"RENAME TABLE " + q("made") + " TO " + q("made2"),
		"DROP TABLE " + q("made2"),
	}
	for i, stmt := range statements {
		conn, err := db.Conn(ctx)
		if err != nil {
			t.Fatal(err)
		}
		tx, err := conn.BeginTx(ctx, nil)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := tx.ExecContext(ctx, fmt.Sprintf("INSERT INTO %s (id) VALUES (%d)", q("marks"), i)); err != nil {
			t.Fatal(err)
		}
		if _, err := tx.ExecContext(ctx, stmt); err != nil {
			t.Fatalf("%s: %v", stmt, err)
		}
		_ = tx.Rollback()
		var n int
		if err := conn.QueryRowContext(ctx, fmt.Sprintf("SELECT COUNT(*) FROM %s WHERE id = %d", q("marks"), i)).Scan(&n); err != nil {
			t.Fatal(err)
		}
		conn.Close()
		if committed := n == 1; committed != ic.CommitsImplicitly(stmt) {
			t.Errorf("%s: the transaction before it was committed: %v; CommitsImplicitly = %v", stmt, committed, !committed)
		}
	}
}
