package sdk_test

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"testing"

	"github.com/hoistdb/hoist/dialect"
	"github.com/hoistdb/hoist/sdk"
	"github.com/hoistdb/hoist/testkit"
)

// sessionSetting is a per-connection setting of each engine, for
// TestDialectMigrationAround.
type sessionSetting struct{ set, reset, read, on string }

func settingOf(name string) sessionSetting {
	switch name {
	case "postgres":
		return sessionSetting{"SET application_name = 'hoist_around'", "RESET application_name", "SELECT current_setting('application_name')", "hoist_around"}
	case "mysql":
		return sessionSetting{"SET @hoist_around = 'on'", "SET @hoist_around = NULL", "SELECT COALESCE(@hoist_around, '')", "on"}
	}
	return sessionSetting{"PRAGMA foreign_keys = ON", "PRAGMA foreign_keys = OFF", "PRAGMA foreign_keys", "1"}
}

// TestDialectMigrationAround: a dialect migration's Around step sets the
// migration's connection up before its transaction (the step sees the
// setting in the transaction), and its restore puts the pooled
// connection back after a success, a failure and a panic; an Around
// that fails, fails the migration before anything ran.
func TestDialectMigrationAround(t *testing.T) {
	t.Parallel()
	eachEngine(t, func(t *testing.T, db *testkit.DB) {
		ctx := context.Background()
		db.DB.SetMaxOpenConns(1) // the migration's connection is the one read after
		st := settingOf(db.Dialect.Name())
		read := func(q interface {
			QueryRowContext(context.Context, string, ...any) *sql.Row
		}) string {
			t.Helper()
			var v string
			if err := q.QueryRowContext(ctx, st.read).Scan(&v); err != nil {
				t.Fatal(err)
			}
			return v
		}
		if _, err := db.DB.ExecContext(ctx, st.reset); err != nil {
			t.Fatal(err)
		}
		before := read(db.DB)
		var outcome string // what the up step does: "", "fail" or "panic"
		var seen []string
		around := func(ctx context.Context, _ dialect.Dialect, conn *sql.Conn, dir sdk.Direction) (context.Context, func(context.Context) error, error) {
			if outcome == "refuse" {
				return ctx, nil, errors.New("cannot set the connection up")
			}
			if _, err := conn.ExecContext(ctx, st.set); err != nil {
				return ctx, nil, err
			}
			return ctx, func(ctx context.Context) error {
				_, err := conn.ExecContext(ctx, st.reset)
				return err
			}, nil
		}
		step := func(ctx context.Context, _ dialect.Dialect, tx sdk.Tx) error {
			seen = append(seen, read(tx))
			switch outcome {
			case "fail":
				return errors.New("the step fails")
			case "panic":
				panic("the step panics")
			}
			return nil
		}
		mig := sdk.DialectMigration(1, "around", sdk.DialectSteps{Up: step, Down: step, Around: around})
		m, err := sdk.New(db.DB, db.Dialect, sdk.WithMigrations(mig))
		if err != nil {
			t.Fatal(err)
		}
		for _, outcome = range []string{"fail", "panic", "refuse", ""} {
			func() {
				defer func() {
					if p := recover(); p != nil && outcome != "panic" {
						t.Fatalf("%s: panic %v", outcome, p)
					}
				}()
				_, err = m.Up(ctx)
			}()
			if got := read(db.DB); got != before {
				t.Errorf("after an up that ends in %q: the setting reads %q on the pooled connection; want it restored to %q", outcome, got, before)
			}
			if outcome == "refuse" && (err == nil || !strings.Contains(err.Error(), "cannot set the connection up") || !strings.Contains(err.Error(), "1")) {
				t.Errorf("Up with a failing Around = %v; want the migration failed with its error", err)
			}
		}
		if err != nil {
			t.Fatalf("Up: %v", err)
		}
		if _, err := m.Rollback(ctx, sdk.RollbackOptions{Steps: 1}); err != nil {
			t.Fatal(err)
		}
		if got := read(db.DB); got != before {
			t.Errorf("after the rollback: the setting reads %q; want %q", got, before)
		}
		// fail, panic, the successful up and the down saw the setting
		if len(seen) != 4 || seen[0] != st.on || seen[3] != st.on {
			t.Errorf("the steps saw %q in their transactions; want %q each time", seen, st.on)
		}
	})
}
