package sdk_test

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/hoistdb/hoist/dialect"
	"github.com/hoistdb/hoist/sdk"
	"github.com/hoistdb/hoist/sdk/schema"
	"github.com/hoistdb/hoist/testkit"
)

// driftMigrations are one migration of each kind: a SQL file, a Go
// migration, a schema migration with an index, and a no-transaction
// SQL file (CREATE INDEX CONCURRENTLY on PostgreSQL, which the replay
// cannot run in the transaction it rolls back).
func driftMigrations(engine string) []sdk.Option {
	concurrently := ""
	if engine == "postgres" {
		concurrently = "CONCURRENTLY "
	}
	fsys := fstest.MapFS{
		"0001_create_users.sql": {Data: []byte("-- +hoist up\nCREATE TABLE users (id INTEGER PRIMARY KEY, name VARCHAR(100) NOT NULL, email VARCHAR(255) NOT NULL);\n-- +hoist down\nDROP TABLE users;\n")},
		"0004_index_emails.sql": {Data: []byte("-- +hoist up\n-- +hoist no-transaction\nCREATE INDEX " + concurrently + "users_email_idx ON users (email);\n-- +hoist down\nDROP INDEX users_email_idx" + map[bool]string{true: " ON users", false: ""}[engine == "mysql"] + ";\n")},
	}
	tags := sdk.GoMigration(2, "create tags", func(ctx context.Context, tx sdk.Tx) error {
		_, err := tx.ExecContext(ctx, "CREATE TABLE tags (id INTEGER PRIMARY KEY, label VARCHAR(50) NOT NULL)")
		return err
	}, nil)
	gadgets := schema.Migration(3, "create gadgets", func(s *schema.Builder) {
		s.CreateTable("gadgets", func(t *schema.Table) {
			t.ID()
			t.String("name", 50).Index()
		})
	})
	return []sdk.Option{sdk.WithFS(fsys), sdk.WithMigrations(tags, gadgets)}
}

// TestDrift, on each engine: a database as its migrations made it has no
// drift, in the transaction's mode (PostgreSQL) and after a
// no-transaction migration; an index, a column and a column type
// changed by hand are each named, with SQL that, once run, leaves no
// drift again.
func TestDrift(t *testing.T) {
	t.Parallel()
	eachEngine(t, func(t *testing.T, db *testkit.DB) {
		ctx := testContext(t)
		m := newMigrator(t, db, driftMigrations(engineOf(db))...)
		if d, err := m.Drift(ctx); err != nil || d.Drifted {
			t.Fatalf("Drift of an empty database: %v, %+v; want no drift", err, d)
		}
		if _, err := m.UpTo(ctx, 3); err != nil {
			t.Fatal(err)
		}
		if d, err := m.Drift(ctx); err != nil || d.Drifted || d.Version != 3 {
			t.Fatalf("Drift up to 3: %v, %+v; want no drift at version 3", err, d)
		}
		if _, err := m.Up(ctx); err != nil {
			t.Fatal(err)
		}
		if d, err := m.Drift(ctx); err != nil || d.Drifted || d.Version != 4 {
			t.Fatalf("Drift after the no-transaction migration: %v, %+v; want no drift at version 4", err, d)
		}
		hand := []string{
			"CREATE INDEX users_name_idx ON users (name)",
			"ALTER TABLE users ADD COLUMN phone VARCHAR(20)",
		}
		switch engineOf(db) {
		case "postgres":
			hand = append(hand, "ALTER TABLE tags ALTER COLUMN label TYPE VARCHAR(80)")
		case "mysql":
			hand = append(hand, "ALTER TABLE tags MODIFY label VARCHAR(80) NOT NULL")
		case "sqlite": // no ALTER COLUMN: rebuilt by hand
			hand = append(hand, "CREATE TABLE tags_new (id INTEGER PRIMARY KEY, label VARCHAR(80) NOT NULL)",
				"INSERT INTO tags_new SELECT * FROM tags", "DROP TABLE tags", "ALTER TABLE tags_new RENAME TO tags")
		}
		for _, q := range hand {
			if _, err := db.DB.ExecContext(ctx, q); err != nil {
				t.Fatalf("%s: %v", q, err)
			}
		}
		d, err := m.Drift(ctx)
		if err != nil {
			t.Fatal(err)
		}
		want := []string{"index users_name_idx on users is not in the migrations", "column users.phone is not in the migrations", "column tags.label differs"}
		got := strings.Join(d.Differences, "\n")
		for _, w := range want {
			if !strings.Contains(got, w) {
				t.Errorf("Drift differences lack %q:\n%s", w, got)
			}
		}
		sqlText := strings.Join(d.SQL, ";\n")
		for _, w := range []string{"DROP INDEX", "phone", "label"} {
			if !strings.Contains(sqlText, w) {
				t.Errorf("Drift SQL lacks %q:\n%s", w, sqlText)
			}
		}
		if !d.Drifted || d.Version != 4 || !strings.Contains(d.String(), "users_name_idx") {
			t.Fatalf("Drift after changes by hand: %+v", d)
		}
		for _, q := range d.SQL {
			if _, err := db.DB.ExecContext(ctx, q); err != nil {
				t.Fatalf("the reconciling SQL %s: %v", q, err)
			}
		}
		if d, err := m.Drift(ctx); err != nil || d.Drifted {
			t.Fatalf("Drift after running its SQL: %v, %+v; want no drift", err, d)
		}
		if engineOf(db) == "postgres" { // schemas are the database's own; MySQL's databases are the server's
			var n int
			if err := db.DB.QueryRowContext(ctx, `SELECT count(*) FROM pg_namespace WHERE nspname LIKE 'hoist\_scratch\_%'`).Scan(&n); err != nil || n != 0 {
				t.Fatalf("%d scratch schemas left (%v)", n, err)
			}
		}
	})
}

// TestDriftScratchRemoved: the scratch place a replay ran in is gone
// afterwards, after a replay that went well and after one that failed;
// on PostgreSQL also in the committed (outside) mode.
func TestDriftScratchRemoved(t *testing.T) {
	t.Parallel()
	eachEngine(t, func(t *testing.T, db *testkit.DB) {
		ctx := testContext(t)
		rp := db.Dialect.(schema.Replayer)
		where := map[string]string{
			"postgres": "SELECT current_schema()",
			"mysql":    "SELECT DATABASE()",
			"sqlite":   "SELECT file FROM pragma_database_list WHERE name = 'main'",
		}[engineOf(db)]
		exists := map[string]string{
			"postgres": "SELECT count(*) FROM pg_namespace WHERE nspname = $1",
			"mysql":    "SELECT count(*) FROM information_schema.schemata WHERE schema_name = ?",
		}[engineOf(db)]
		boom := errors.New("boom")
		for _, c := range []struct {
			name    string
			outside bool
			err     error
		}{{"ok", false, nil}, {"failed", false, boom}, {"outside", true, nil}, {"outside_failed", true, boom}} {
			t.Run(c.name, func(t *testing.T) {
				var place string
				err := rp.ScratchReplay(ctx, db.DB, c.outside, func(q sdk.Tx, _ *sql.Conn) error {
					if _, err := q.ExecContext(ctx, "CREATE TABLE drift_probe (id INTEGER PRIMARY KEY)"); err != nil {
						return err
					}
					if err := q.QueryRowContext(ctx, where).Scan(&place); err != nil {
						return err
					}
					return c.err
				})
				if !errors.Is(err, c.err) {
					t.Fatalf("ScratchReplay: %v; want %v", err, c.err)
				}
				if engineOf(db) == "sqlite" {
					if place != "" {
						t.Fatalf("the SQLite scratch place is file %q; want :memory:", place)
					}
					return
				}
				if !strings.HasPrefix(place, "hoist_scratch_") {
					t.Fatalf("the scratch place is %q; want hoist_scratch_...", place)
				}
				var n int
				if err := db.DB.QueryRowContext(ctx, exists, place).Scan(&n); err != nil || n != 0 {
					t.Fatalf("the scratch place %s is left (%d, %v)", place, n, err)
				}
			})
		}
		if s, err := schema.Inspect(ctx, db.DB, db.Dialect); err != nil || len(s.Tables) != 0 {
			t.Fatalf("the replays reached the database (%v):\n%s", err, s)
		}
	})
}

// hidden hides every optional ability of a dialect.
type hidden struct{ dialect.Dialect }

// TestDriftNeedsTheAbility: a dialect without sdk.DriftChecker makes
// Drift fail with a message that says so; a dirty history, or an applied
// migration the Migrator does not have, is refused.
func TestDriftNeedsTheAbility(t *testing.T) {
	t.Parallel()
	db := testkit.SQLite(t)
	ctx := testContext(t)
	m, err := sdk.New(db.DB, hidden{db.Dialect}, quiet(), sdk.WithFS(lifecycleFS()))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := m.Drift(ctx); err == nil || !strings.Contains(err.Error(), "no sdk.DriftChecker ability") {
		t.Fatalf("Drift with a dialect without the ability: %v", err)
	}
	full := newMigrator(t, db, sdk.WithFS(lifecycleFS()))
	if _, err := full.Up(ctx); err != nil {
		t.Fatal(err)
	}
	fewer := newMigrator(t, db, sdk.WithFS(fstest.MapFS{"0001_create_users.sql": lifecycleFS()["0001_create_users.sql"]}))
	if _, err := fewer.Drift(ctx); err == nil || !strings.Contains(err.Error(), "not among this Migrator's migrations") {
		t.Fatalf("Drift with an applied migration it does not have: %v", err)
	}
	if _, err := db.DB.ExecContext(ctx, "UPDATE hoist_migrations SET state = 'failed' WHERE version = 3"); err != nil {
		t.Fatal(err)
	}
	if _, err := full.Drift(ctx); !errors.Is(err, sdk.ErrDirty) {
		t.Fatalf("Drift on a dirty history: %v; want ErrDirty", err)
	}
}

// engineOf names db's engine as the drift tests do.
func engineOf(db *testkit.DB) string {
	return map[string]string{"pgx": "postgres", "mysql": "mysql", "sqlite": "sqlite"}[db.Driver]
}

// TestDriftPostgresSearchPath: on PostgreSQL the replay's schema is
// alone on the search path, so a migration that names a table made
// outside the migrations fails, with a message that says why, and the
// live table is not touched.
func TestDriftPostgresSearchPath(t *testing.T) {
	t.Parallel()
	db := testkit.Postgres(t)
	ctx := testContext(t)
	if _, err := db.DB.ExecContext(ctx, "CREATE TABLE legacy (id INTEGER PRIMARY KEY)"); err != nil {
		t.Fatal(err)
	}
	fsys := fstest.MapFS{"0001_alter_legacy.sql": {Data: []byte("-- +hoist up\nALTER TABLE legacy ADD COLUMN note TEXT;\n-- +hoist down\nALTER TABLE legacy DROP COLUMN note;\n")}}
	m := newMigrator(t, db, sdk.WithFS(fsys))
	if _, err := m.Up(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := db.DB.ExecContext(ctx, "ALTER TABLE legacy DROP COLUMN note"); err != nil {
		t.Fatal(err)
	}
	_, err := m.Drift(ctx)
	if err == nil || !strings.Contains(err.Error(), "alone on the search path") {
		t.Fatalf("Drift replaying a migration of a table made outside the migrations: %v; want the search path explained", err)
	}
	var n int
	if err := db.DB.QueryRowContext(ctx, "SELECT count(*) FROM information_schema.columns WHERE table_name = 'legacy' AND column_name = 'note'").Scan(&n); err != nil || n != 0 {
		t.Fatalf("the replay changed the live table legacy (%d, %v)", n, err)
	}
}
