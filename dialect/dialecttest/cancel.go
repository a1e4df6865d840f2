package dialecttest

import (
	"context"
	"database/sql"
	"testing"
	"time"

	"github.com/hoistdb/hoist/dialect"
	"github.com/hoistdb/hoist/dialect/internal/enginetest"
)

// cancel checks a [dialect.Canceler] through separate sessions: session
// a learns its id; b sees it alive, cancels a's statement, which waits
// for a row that b's transaction holds, and sees a gone once a closes.
func (s *suite) cancel(t *testing.T, c dialect.Canceler) {
	t.Parallel()
	ctx := context.Background()
	db := s.open(t)
	if _, err := db.DB.ExecContext(ctx, "CREATE TABLE held (id INTEGER PRIMARY KEY)"); err != nil {
		t.Fatal(err)
	}
	if _, err := db.DB.ExecContext(ctx, "INSERT INTO held (id) VALUES (1)"); err != nil {
		t.Fatal(err)
	}
	a, b := enginetest.Open(t, db.Driver, db.DSN), enginetest.Open(t, db.Driver, db.DSN)

	rows, err := a.Conn.QueryContext(ctx, c.BackendID())
	if err != nil {
		t.Fatalf("BackendID: %v", err)
	}
	var id string
	if cols, err := rows.Columns(); err != nil || !rows.Next() {
		t.Fatalf("BackendID returned no row: %v, %v", err, rows.Err())
	} else {
		vals := make([]any, len(cols))
		for i := range vals {
			vals[i] = new(sql.RawBytes)
		}
		if err := rows.Scan(vals...); err != nil {
			t.Fatalf("BackendID: %v", err)
		}
		id = string(*vals[0].(*sql.RawBytes))
	}
	rows.Close()
	if id == "" {
		t.Fatal("BackendID returned an empty id")
	}
	if alive := count(t, b.Conn, c.BackendAlive(id)); alive != 1 {
		t.Errorf("BackendAlive of a live session counts %d; want 1", alive)
	}

	tx, err := b.Conn.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, "UPDATE held SET id = 1 WHERE id = 1"); err != nil {
		t.Fatal(err)
	}
	waiting := make(chan error, 1)
	go func() {
		_, err := a.Conn.ExecContext(ctx, "UPDATE held SET id = 1 WHERE id = 1")
		waiting <- err
	}()
	time.Sleep(300 * time.Millisecond) // a now waits for b's row lock
	canceller := enginetest.Open(t, db.Driver, db.DSN)
	if _, err := canceller.Conn.ExecContext(ctx, c.CancelBackend(id)); err != nil {
		t.Fatalf("CancelBackend: %v", err)
	}
	if err := <-waiting; err == nil {
		t.Error("the cancelled statement succeeded; want it to fail")
	}
	if err := tx.Rollback(); err != nil {
		t.Fatal(err)
	}
	if _, err := a.Conn.ExecContext(ctx, "SELECT 1"); err != nil {
		t.Errorf("the cancelled session no longer works: %v", err)
	}
	if r := c.ResetSession(); r != "" {
		if _, err := a.Conn.ExecContext(ctx, r); err != nil {
			t.Errorf("ResetSession: %v", err)
		}
	}

	a.Close(t)
	for deadline := time.Now().Add(30 * time.Second); count(t, b.Conn, c.BackendAlive(id)) != 0; time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("BackendAlive still counts the session 30 seconds after it closed")
		}
	}
}

func count(t *testing.T, conn *sql.Conn, query string) int {
	t.Helper()
	var n int
	if err := conn.QueryRowContext(context.Background(), query).Scan(&n); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	return n
}
