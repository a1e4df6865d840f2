package sdk_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/hoistdb/hoist/dialect"
	"github.com/hoistdb/hoist/sdk"
	"github.com/hoistdb/hoist/testkit"
)

// TestDialectMigration: the steps of a dialect migration receive the
// Migrator's dialect, up and down, and run in the migration's
// transaction like any Go migration.
func TestDialectMigration(t *testing.T) {
	t.Parallel()
	eachEngine(t, func(t *testing.T, db *testkit.DB) {
		ctx := context.Background()
		var seen []string
		mig := sdk.DialectMigration(1, "by dialect", sdk.DialectSteps{
			Up: func(ctx context.Context, d dialect.Dialect, tx sdk.Tx) error {
				seen = append(seen, "up "+d.Name())
				_, err := tx.ExecContext(ctx, "CREATE TABLE made_by_"+d.Name()+" (id INT)")
				return err
			},
			Down: func(ctx context.Context, d dialect.Dialect, tx sdk.Tx) error {
				seen = append(seen, "down "+d.Name())
				_, err := tx.ExecContext(ctx, "DROP TABLE made_by_"+d.Name())
				return err
			},
		})
		if !mig.Reversible() || !mig.IsGo() {
			t.Fatalf("Reversible() = %v, IsGo() = %v; want both true", mig.Reversible(), mig.IsGo())
		}
		m := newMigrator(t, db, sdk.WithMigrations(mig))
		if _, err := m.Up(ctx); err != nil {
			t.Fatal(err)
		}
		if _, err := db.DB.ExecContext(ctx, "SELECT * FROM made_by_"+db.Dialect.Name()); err != nil {
			t.Fatalf("the up's table: %v", err)
		}
		if _, err := m.Rollback(ctx, sdk.RollbackOptions{}); err != nil {
			t.Fatal(err)
		}
		name := db.Dialect.Name()
		if got := strings.Join(seen, ", "); got != "up "+name+", down "+name {
			t.Errorf("steps saw %q, want the Migrator's dialect up and down", got)
		}
	})
}

// TestDialectMigrationCheck: a failing check stops sdk.New with the
// migration named, and a dialect migration without a down is
// irreversible.
func TestDialectMigrationCheck(t *testing.T) {
	t.Parallel()
	db := testkit.SQLite(t)
	refuse := sdk.DialectMigration(4, "picky", sdk.DialectSteps{
		Check: func(d dialect.Dialect) error { return errors.New("not on " + d.Name()) },
		Up:    func(context.Context, dialect.Dialect, sdk.Tx) error { return nil },
	})
	if refuse.Reversible() {
		t.Error("a dialect migration without Down is reversible, want irreversible")
	}
	_, err := sdk.New(db.DB, db.Dialect, sdk.WithMigrations(refuse))
	if err == nil || err.Error() != `hoist: migration 4 "picky": not on sqlite` {
		t.Fatalf("New = %v, want the check's error with the migration named", err)
	}
}
