package dialecttest

import (
	"context"
	"testing"
	"time"

	"github.com/hoistdb/hoist/dialect"
)

// lockWaits checks a LockWaits ability: with the waits of one connection
// bounded (in a transaction by LocalLockWait, where the dialect has it,
// and by BoundLockWaits), its ALTER TABLE behind another connection's open write
// transaction gives up with an error that IsLockTimeout knows (and
// other errors are not lock timeouts), LockBlockers answers without an
// error, and once the bound is lifted and the writer is gone the ALTER
// goes through.
func (s *suite) lockWaits(t *testing.T, lw dialect.LockWaits) {
	t.Parallel()
	db := s.open(t).DB
	ctx := context.Background()
	if _, err := db.ExecContext(ctx, "CREATE TABLE lw (id INTEGER PRIMARY KEY)"); err != nil {
		t.Fatal(err)
	}
	holder, err := db.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer holder.Close()
	waiter, err := db.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer waiter.Close()
	if _, err := holder.ExecContext(ctx, "BEGIN"); err != nil {
		t.Fatal(err)
	}
	if _, err := holder.ExecContext(ctx, "INSERT INTO lw (id) VALUES (1)"); err != nil {
		t.Fatal(err)
	}

	const alter = "ALTER TABLE lw ADD COLUMN note INTEGER"
	if stmt := lw.LocalLockWait(100 * time.Millisecond); stmt != "" {
		tx, err := waiter.BeginTx(ctx, nil)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := tx.ExecContext(ctx, stmt); err != nil {
			t.Fatalf("LocalLockWait's %s: %v", stmt, err)
		}
		_, err = tx.ExecContext(ctx, alter)
		_ = tx.Rollback()
		if err == nil || !lw.IsLockTimeout(err) {
			t.Fatalf("%s behind an open write transaction, after %s: %v; want an error that IsLockTimeout knows", alter, stmt, err)
		}
	}
	restore, err := lw.BoundLockWaits(ctx, waiter, 100*time.Millisecond)
	if err != nil {
		t.Fatalf("BoundLockWaits: %v", err)
	}
	_, err = waiter.ExecContext(ctx, alter)
	if err == nil || !lw.IsLockTimeout(err) {
		t.Fatalf("%s behind an open write transaction, with lock waits bounded: %v; want an error that IsLockTimeout knows", alter, err)
	}
	_, other := waiter.ExecContext(ctx, "SELECT * FROM no_such_table_lw")
	if other == nil || lw.IsLockTimeout(other) || lw.IsLockTimeout(nil) {
		t.Fatalf("IsLockTimeout(%v) or IsLockTimeout(nil) is true", other)
	}
	blockers, err := lw.LockBlockers(ctx, waiter, 5)
	if err != nil {
		t.Fatalf("LockBlockers: %v", err)
	}
	for _, b := range blockers {
		if b.Session == "" {
			t.Errorf("LockBlockers returned a blocker without a session: %+v", b)
		}
	}
	if err := restore(ctx); err != nil {
		t.Fatalf("restoring the lock waits: %v", err)
	}
	if _, err := holder.ExecContext(ctx, "ROLLBACK"); err != nil {
		t.Fatal(err)
	}
	if _, err := waiter.ExecContext(ctx, alter); err != nil {
		t.Fatalf("%s once the writer rolled back: %v", alter, err)
	}
}
