package sdk_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/hoistdb/hoist/sdk"
	"github.com/hoistdb/hoist/testkit"
)

// eventsOf returns the event log as "kind version" strings, oldest first.
func eventsOf(t *testing.T, ctx context.Context, m *sdk.Migrator) ([]sdk.HistoryEvent, []string) {
	t.Helper()
	ev, err := m.Events(ctx)
	if err != nil {
		t.Fatalf("Events: %v", err)
	}
	var out []string
	for _, e := range ev {
		out = append(out, fmt.Sprintf("%s %d", e.Kind, e.Version))
	}
	return ev, out
}

func sameStrings(a, b []string) bool { return fmt.Sprint(a) == fmt.Sprint(b) }

// eventMigrations is a SQL migration (one script on PostgreSQL) and a Go
// migration (statements in a transaction on every engine).
func eventMigrations() []sdk.Option {
	fs := fstest.MapFS{"0001_widgets.sql": {Data: []byte("-- +hoist up\nCREATE TABLE widgets (id INTEGER PRIMARY KEY);\n-- +hoist down\nDROP TABLE widgets;\n")}}
	gomig := sdk.GoMigration(2, "fill_widgets",
		func(ctx context.Context, tx sdk.Tx) error {
			_, err := tx.ExecContext(ctx, "INSERT INTO widgets (id) VALUES (1)")
			return err
		},
		func(ctx context.Context, tx sdk.Tx) error {
			_, err := tx.ExecContext(ctx, "DELETE FROM widgets WHERE id = 1")
			return err
		})
	return []sdk.Option{sdk.WithFS(fs), sdk.WithMigrations(gomig)}
}

// TestEventLogKeepsRollbacks: apply, roll back, apply again leaves every
// step in the event log, in order, with the host, process id, program
// and (PostgreSQL, MySQL) database user, although the history holds only
// the last applies. Both the one-script path (SQL on PostgreSQL) and the
// statement path (the Go migration) write their events.
func TestEventLogKeepsRollbacks(t *testing.T) {
	eachEngine(t, func(t *testing.T, db *testkit.DB) {
		ctx := testContext(t)
		m := newMigrator(t, db, eventMigrations()...)
		if _, err := m.Up(ctx); err != nil {
			t.Fatalf("Up: %v", err)
		}
		if _, err := m.Rollback(ctx, sdk.RollbackOptions{Steps: 2}); err != nil {
			t.Fatalf("Rollback: %v", err)
		}
		if _, err := m.Up(ctx); err != nil {
			t.Fatalf("Up again: %v", err)
		}
		ev, got := eventsOf(t, ctx, m)
		want := []string{"applied 1", "applied 2", "rolled_back 2", "rolled_back 1", "applied 1", "applied 2"}
		if !sameStrings(got, want) {
			t.Fatalf("events = %v; want %v", got, want)
		}
		host, _ := os.Hostname()
		for i, e := range ev {
			if e.Host != host || e.PID != os.Getpid() || e.App != filepath.Base(os.Args[0]) {
				t.Errorf("event %d: host %q pid %d app %q; want %q %d %q", i, e.Host, e.PID, e.App, host, os.Getpid(), filepath.Base(os.Args[0]))
			}
			if (db.Dialect.Name() == "sqlite") != (e.DBUser == "") {
				t.Errorf("event %d on %s: database user %q", i, db.Dialect.Name(), e.DBUser)
			}
			if e.At.IsZero() || (i > 0 && e.At.Before(ev[i-1].At)) {
				t.Errorf("event %d at %v, after event %d at %v", i, e.At, i-1, ev[i-1].At)
			}
			if e.Batch < 1 || e.Name == "" {
				t.Errorf("event %d: batch %d name %q", i, e.Batch, e.Name)
			}
		}
		if ev[2].Batch != ev[1].Batch {
			t.Errorf("batches %d, %d: a rollback keeps the batch it undoes", ev[1].Batch, ev[2].Batch)
		}

		// ResetHistory keeps the audit trail; DeleteHistory drops it with
		// the history.
		if err := m.ResetHistory(ctx); err != nil {
			t.Fatalf("ResetHistory: %v", err)
		}
		if _, got := eventsOf(t, ctx, m); !sameStrings(got, want) {
			t.Fatalf("after ResetHistory, events = %v; want %v", got, want)
		}
		if err := m.DeleteHistory(ctx); err != nil {
			t.Fatalf("DeleteHistory: %v", err)
		}
		if tableExists(t, db, sdk.EventsTable(m.Table())) {
			t.Fatalf("DeleteHistory left %s", sdk.EventsTable(m.Table()))
		}
	})
}

// TestEventLogFailedMigration: a migration whose failure a transaction
// undoes (PostgreSQL, SQLite) leaves no event; on MySQL, where its CREATE
// TABLE committed, the failure is recorded as dirty, and a failed event
// follows it, then a repaired event after Repair. Never an applied one.
func TestEventLogFailedMigration(t *testing.T) {
	eachEngine(t, func(t *testing.T, db *testkit.DB) {
		ctx := testContext(t)
		fs := fstest.MapFS{
			"0001_ok.sql":     {Data: []byte("-- +hoist up\nCREATE TABLE ok_table (id INTEGER PRIMARY KEY);\n")},
			"0002_broken.sql": {Data: []byte("-- +hoist up\nCREATE TABLE half (id INTEGER PRIMARY KEY);\nINSERT INTO no_such_table (id) VALUES (1);\n")},
		}
		m := newMigrator(t, db, sdk.WithFS(fs))
		_, err := m.Up(ctx)
		var me *sdk.MigrationError
		if !errors.As(err, &me) || me.Version != 2 {
			t.Fatalf("Up: %v; want a MigrationError of version 2", err)
		}
		_, got := eventsOf(t, ctx, m)
		want := []string{"applied 1"}
		if me.Dirty {
			want = append(want, "failed 2")
		}
		if !sameStrings(got, want) {
			t.Fatalf("events = %v (dirty %v); want %v", got, me.Dirty, want)
		}
		if db.Dialect.Name() != "mysql" {
			if me.Dirty {
				t.Fatalf("%s recorded a transactional failure as dirty", db.Dialect.Name())
			}
			return
		}
		if !me.Dirty {
			t.Fatal("MySQL: a failure after a committed CREATE TABLE is not dirty")
		}
		if _, err := m.Repair(ctx); err != nil {
			t.Fatalf("Repair: %v", err)
		}
		if _, got := eventsOf(t, ctx, m); !sameStrings(got, append(want, "repaired 2")) {
			t.Fatalf("after Repair, events = %v; want %v", got, append(want, "repaired 2"))
		}
	})
}

// TestEventLogChecksumAccepted: accepting an edited migration's checksum
// is an event.
func TestEventLogChecksumAccepted(t *testing.T) {
	eachEngine(t, func(t *testing.T, db *testkit.DB) {
		ctx := testContext(t)
		fs := fstest.MapFS{"0001_ok.sql": {Data: []byte("-- +hoist up\nCREATE TABLE ok_table (id INTEGER PRIMARY KEY);\n")}}
		if _, err := newMigrator(t, db, sdk.WithFS(fs)).Up(ctx); err != nil {
			t.Fatalf("Up: %v", err)
		}
		fs["0001_ok.sql"] = &fstest.MapFile{Data: []byte("-- +hoist up\n-- a comment\nCREATE TABLE ok_table (id INTEGER PRIMARY KEY);\n")}
		m := newMigrator(t, db, sdk.WithFS(fs))
		if acc, err := m.AcceptChecksums(ctx); err != nil || len(acc) != 1 {
			t.Fatalf("AcceptChecksums = %v, %v; want one", acc, err)
		}
		if _, got := eventsOf(t, ctx, m); !sameStrings(got, []string{"applied 1", "checksum_accepted 1"}) {
			t.Fatalf("events = %v", got)
		}
	})
}

// TestEventLogRoundTrips: on PostgreSQL the event rides in the
// migration's script, so each more SQL migration costs exactly one more
// statement; the test logs what one costs on every engine.
func TestEventLogRoundTrips(t *testing.T) {
	eachEngine(t, func(t *testing.T, db *testkit.DB) {
		ctx := testContext(t)
		cost := func(n int) int64 {
			fs := fstest.MapFS{}
			for i := 1; i <= n; i++ {
				fs[fmt.Sprintf("%04d_t%d.sql", i, i)] = &fstest.MapFile{Data: []byte(fmt.Sprintf("-- +hoist up\nCREATE TABLE rt%d_%d (id INTEGER PRIMARY KEY);\n", n, i))}
			}
			counted, count := openCounting(t, db)
			m, err := sdk.New(counted, db.Dialect, sdk.WithFS(fs), sdk.WithTable(fmt.Sprintf("rt_history_%d", n)), quiet())
			if err != nil {
				t.Fatal(err)
			}
			if _, err := m.Up(ctx); err != nil {
				t.Fatalf("Up: %v", err)
			}
			sent := count.Load()
			if _, got := eventsOf(t, ctx, m); len(got) != n {
				t.Fatalf("events = %v; want %d", got, n)
			}
			return sent
		}
		one, two := cost(1), cost(2)
		t.Logf("%s: Up of one migration %d statements, of two %d: %d per migration", db.Dialect.Name(), one, two, two-one)
		if db.Dialect.Name() == "postgres" && two-one != 1 {
			t.Fatalf("PostgreSQL: a migration costs %d statements; want 1 (its script, event included)", two-one)
		}
	})
}

// TestEventLogOffForLongTableName: a history table name that leaves no
// room for "_events" within the engine's identifier limit keeps working
// as before, without an event log, and New says so in a warning.
func TestEventLogOffForLongTableName(t *testing.T) {
	eachEngine(t, func(t *testing.T, db *testkit.DB) {
		limit, limited := identifierLimits[db.Dialect.Name()]
		if !limited {
			t.Skip("no identifier limit on " + db.Dialect.Name())
		}
		ctx := testContext(t)
		long := "e" + strings.Repeat("v", limit-len("_events")) // one character too many for the log
		var logs bytes.Buffer
		fs := fstest.MapFS{"0001_ok.sql": {Data: []byte("-- +hoist up\nCREATE TABLE ok_table (id INTEGER PRIMARY KEY);\n")}}
		m, err := sdk.New(db.DB, db.Dialect, sdk.WithFS(fs), sdk.WithTable(long), sdk.WithLogger(slog.New(slog.NewTextHandler(&logs, nil))))
		if err != nil {
			t.Fatalf("New with a %d-character table: %v; want it accepted", len(long), err)
		}
		if !strings.Contains(logs.String(), "no event log") || !strings.Contains(logs.String(), long+"_events") {
			t.Errorf("New logged %q; want a warning naming %s_events", logs.String(), long)
		}
		if res, err := m.Up(ctx); err != nil || len(res.Applied) != 1 {
			t.Fatalf("Up: %v", err)
		}
		if ev, err := m.Events(ctx); err != nil || len(ev) != 0 {
			t.Fatalf("Events = %v, %v; want none", ev, err)
		}
	})
}

// TestEventLogNoTransaction: a migration run without a transaction gets
// its events too, after its history row says applied (or is deleted).
func TestEventLogNoTransaction(t *testing.T) {
	eachEngine(t, func(t *testing.T, db *testkit.DB) {
		ctx := testContext(t)
		fs := fstest.MapFS{
			"0001_loose.up.sql":   {Data: []byte("-- +hoist no-transaction\nCREATE TABLE loose (id INTEGER PRIMARY KEY);\n")},
			"0001_loose.down.sql": {Data: []byte("-- +hoist no-transaction\nDROP TABLE loose;\n")},
		}
		m := newMigrator(t, db, sdk.WithFS(fs))
		if _, err := m.Up(ctx); err != nil {
			t.Fatalf("Up: %v", err)
		}
		if _, err := m.Rollback(ctx, sdk.RollbackOptions{}); err != nil {
			t.Fatalf("Rollback: %v", err)
		}
		if _, got := eventsOf(t, ctx, m); !sameStrings(got, []string{"applied 1", "rolled_back 1"}) {
			t.Fatalf("events = %v; want applied 1, rolled_back 1", got)
		}
	})
}
