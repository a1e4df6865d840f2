package sdk_test

import (
	"context"
	"fmt"

	"github.com/hoistdb/hoist/sdk"
	"github.com/hoistdb/hoist/testkit"
)

// The checks of the random-kill test: what the history says against
// what the schema and the counter hold.

// readKillHistory returns the state of each version in the history, or
// nothing if the killed migrator did not get to create the table.
func readKillHistory(ctx context.Context, db *testkit.DB) (map[int64]sdk.State, error) {
	h := map[int64]sdk.State{}
	if ok, err := hasTable(ctx, db, "hoist_migrations"); err != nil || !ok {
		return h, err
	}
	rows, err := db.DB.QueryContext(ctx, "SELECT version, state FROM hoist_migrations")
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var v int64
		var s string
		if err := rows.Scan(&v, &s); err != nil {
			return nil, err
		}
		if _, dup := h[v]; dup {
			return nil, fmt.Errorf("version %d has two history rows", v)
		}
		h[v] = sdk.State(s)
	}
	return h, rows.Err()
}

// killWant is what checkKillState asks of the history besides agreeing
// with the schema.
type killWant int

const (
	wantSettled killWant = iota // nothing more
	wantApplied                 // every migration applied
	wantEmpty                   // none left
)

// checkKillState compares the history with the schema and the counter,
// migration by migration, and returns each inconsistency: an applied
// migration must have all its tables and its insert exactly once; one
// without a row must have left nothing; a running or failed one may
// have left part of itself, but never its insert twice. want may ask
// more: every migration applied, or none.
func checkKillState(ctx context.Context, db *testkit.DB, set killSet, want killWant) (problems []string) {
	fail := func(format string, args ...any) { problems = append(problems, fmt.Sprintf(format, args...)) }
	h, err := readKillHistory(ctx, db)
	if err != nil {
		return []string{err.Error()}
	}
	counter, err := hasTable(ctx, db, killCounter)
	if err != nil {
		return []string{err.Error()}
	}
	for _, s := range set.steps() {
		var present []string
		for _, tb := range s.tables {
			ok, err := hasTable(ctx, db, tb)
			if err != nil {
				return append(problems, err.Error())
			}
			if ok {
				present = append(present, tb)
			}
		}
		inserts := 0
		if s.counts && counter {
			q := fmt.Sprintf("SELECT COUNT(*) FROM %s WHERE version = %d", killCounter, s.version)
			if err := db.DB.QueryRowContext(ctx, q).Scan(&inserts); err != nil {
				return append(problems, err.Error())
			}
		}
		state, recorded := h[s.version]
		switch {
		case !recorded:
			if len(present) > 0 || inserts > 0 {
				fail("migration %d has no history row, yet its tables %v exist and its insert landed %d times", s.version, present, inserts)
			}
		case state == sdk.StateApplied:
			if len(present) != len(s.tables) || (s.counts && inserts != 1) {
				fail("migration %d is recorded as applied with tables %v of %v and its insert landed %d times", s.version, present, s.tables, inserts)
			}
		case state == sdk.StateRunning || state == sdk.StateFailed:
			if inserts > 1 {
				fail("migration %d is %s and its insert landed %d times", s.version, state, inserts)
			}
		default:
			fail("migration %d has a history row in state %q", s.version, state)
		}
		if want == wantApplied && state != sdk.StateApplied {
			fail("migration %d is not applied (history: %q)", s.version, state)
		}
		if want == wantEmpty && recorded {
			fail("migration %d is still in the history (%q) after rolling back to 0", s.version, state)
		}
		delete(h, s.version)
	}
	for v := range h {
		fail("the history has a row for version %d, which is not in the set", v)
	}
	return problems
}

// hasTable asks the engine's catalogue whether a table exists.
func hasTable(ctx context.Context, db *testkit.DB, name string) (bool, error) {
	q := "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = ?"
	switch db.Dialect.Name() {
	case "postgres":
		q = "SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = current_schema() AND table_name = $1"
	case "mysql":
		q = "SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = DATABASE() AND table_name = ?"
	}
	var n int
	if err := db.DB.QueryRowContext(ctx, q, name).Scan(&n); err != nil {
		return false, fmt.Errorf("looking for table %s: %w", name, err)
	}
	return n > 0, nil
}
