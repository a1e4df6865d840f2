package sdk_test

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/hoistdb/hoist/sdk"
	"github.com/hoistdb/hoist/testkit"
)

// threeTables is three reversible migrations, one table each.
func threeTables() fstest.MapFS {
	fsys := fstest.MapFS{}
	for i, name := range []string{"alpha", "beta", "gamma"} {
		fsys[string(rune('1'+i))+"_"+name+".sql"] = &fstest.MapFile{Data: []byte(
			"-- +hoist up\nCREATE TABLE " + name + " (id INTEGER PRIMARY KEY);\n-- +hoist down\nDROP TABLE " + name + ";\n")}
	}
	return fsys
}

// rebuildSQLiteHistory recreates SQLite's history table by hand, as an
// operator would to change it (SQLite alters little in place): version
// gets versionType, checksum drops NOT NULL, and extra columns are added,
// each filled with ”.
func rebuildSQLiteHistory(t *testing.T, db *testkit.DB, versionType string, primaryKey bool, extra ...string) {
	t.Helper()
	key, cols, vals := "", "", ""
	if primaryKey {
		key = " PRIMARY KEY"
	}
	for _, c := range extra {
		cols += ", " + c
		vals += ", ''"
	}
	execAll(t, db,
		"ALTER TABLE hoist_migrations RENAME TO old_history",
		"CREATE TABLE hoist_migrations (version "+versionType+key+", name TEXT NOT NULL, checksum TEXT, batch INTEGER NOT NULL, "+
			"applied_at TIMESTAMP NOT NULL, execution_ms INTEGER NOT NULL, state TEXT NOT NULL"+cols+")",
		"INSERT INTO hoist_migrations SELECT *"+vals+" FROM old_history",
		"DROP TABLE old_history")
}

// Each way of damaging the history table by hand is refused by Up,
// Rollback and Status with ErrCorruptHistory and a message that names
// the row or column, and nothing runs.
func TestCorruptHistory(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		// applied is how many migrations are applied before the damage.
		applied int64
		damage  func(t *testing.T, db *testkit.DB)
		// names are what the message must name.
		names []string
	}{
		{
			name:    "duplicate_version",
			applied: 2,
			damage: func(t *testing.T, db *testkit.DB) {
				switch db.Dialect.Name() {
				case "postgres":
					execAll(t, db, "ALTER TABLE hoist_migrations DROP CONSTRAINT hoist_migrations_pkey")
				case "mysql":
					execAll(t, db, "ALTER TABLE hoist_migrations DROP PRIMARY KEY")
				default:
					rebuildSQLiteHistory(t, db, "INTEGER", false)
				}
				execAll(t, db, "INSERT INTO hoist_migrations SELECT * FROM hoist_migrations WHERE version = 2")
			},
			names: []string{"version 2 has more than one row", "PRIMARY KEY"},
		},
		{
			name:    "unknown_state",
			applied: 2,
			damage: func(t *testing.T, db *testkit.DB) {
				execAll(t, db, "UPDATE hoist_migrations SET state = 'skipped' WHERE version = 2")
			},
			names: []string{"version 2", `"skipped"`},
		},
		{
			name:    "null_checksum",
			applied: 3,
			damage: func(t *testing.T, db *testkit.DB) {
				switch db.Dialect.Name() {
				case "postgres":
					execAll(t, db, "ALTER TABLE hoist_migrations ALTER COLUMN checksum DROP NOT NULL")
				case "mysql":
					execAll(t, db, "ALTER TABLE hoist_migrations MODIFY checksum VARCHAR(64) NULL")
				default:
					rebuildSQLiteHistory(t, db, "INTEGER", true)
				}
				execAll(t, db, "UPDATE hoist_migrations SET checksum = NULL WHERE version = 2")
			},
			names: []string{"version 2 has a NULL checksum"},
		},
		{
			name:    "text_version",
			applied: 2,
			damage: func(t *testing.T, db *testkit.DB) {
				switch db.Dialect.Name() {
				case "postgres":
					execAll(t, db, "ALTER TABLE hoist_migrations ALTER COLUMN version TYPE TEXT")
				case "mysql":
					execAll(t, db, "ALTER TABLE hoist_migrations MODIFY version VARCHAR(20) NOT NULL")
				default:
					rebuildSQLiteHistory(t, db, "TEXT", true)
				}
			},
			names: []string{"column version", "not an integer"},
		},
		{
			name:    "extra_required_column",
			applied: 2,
			damage: func(t *testing.T, db *testkit.DB) {
				switch db.Dialect.Name() {
				case "postgres":
					execAll(t, db, "ALTER TABLE hoist_migrations ADD COLUMN note TEXT NOT NULL DEFAULT ''",
						"ALTER TABLE hoist_migrations ALTER COLUMN note DROP DEFAULT")
				case "mysql":
					execAll(t, db, "ALTER TABLE hoist_migrations ADD COLUMN note VARCHAR(20) NOT NULL")
				default:
					rebuildSQLiteHistory(t, db, "INTEGER", true, "note TEXT NOT NULL")
				}
			},
			names: []string{"column note", "NOT NULL without a default"},
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			eachEngine(t, func(t *testing.T, db *testkit.DB) {
				ctx := testContext(t)
				m := newMigrator(t, db, sdk.WithFS(threeTables()))
				if _, err := m.UpTo(ctx, c.applied); err != nil {
					t.Fatal(err)
				}
				c.damage(t, db)
				// The next boot, on connections that have not seen the
				// table before (pgx caches the plans of the old one).
				fresh, err := sql.Open(db.Driver, db.DSN)
				if err != nil {
					t.Fatal(err)
				}
				t.Cleanup(func() { fresh.Close() })
				m = newMigrator(t, &testkit.DB{DB: fresh, Dialect: db.Dialect}, sdk.WithFS(threeTables()))
				refused := func(op string, err error) {
					t.Helper()
					if !errors.Is(err, sdk.ErrCorruptHistory) {
						t.Errorf("%s: %v; want ErrCorruptHistory", op, err)
						return
					}
					for _, n := range c.names {
						if !strings.Contains(err.Error(), n) {
							t.Errorf("%s: message %q does not say %q", op, err, n)
						}
					}
				}
				_, err = m.Up(ctx)
				refused("Up", err)
				_, err = m.RollbackTo(ctx, 0)
				refused("RollbackTo(0)", err)
				_, err = m.Rollback(ctx, sdk.RollbackOptions{})
				refused("Rollback", err)
				_, err = m.Status(ctx)
				refused("Status", err)
				// Nothing ran: the tables are those of the migrations
				// applied before the damage.
				for i, table := range []string{"alpha", "beta", "gamma"} {
					if want := int64(i) < c.applied; tableExists(t, db, table) != want {
						t.Errorf("table %s exists: %t, want %t", table, !want, want)
					}
				}
			})
		})
	}
}

// A new state that hoist does not know, written by a newer hoist or by
// hand, is not taken for applied by the boot query either.
func TestCorruptHistoryNoOpBoot(t *testing.T) {
	t.Parallel()
	eachEngine(t, func(t *testing.T, db *testkit.DB) {
		ctx := context.Background()
		m := newMigrator(t, db, sdk.WithFS(threeTables()))
		if _, err := m.Up(ctx); err != nil {
			t.Fatal(err)
		}
		execAll(t, db, "UPDATE hoist_migrations SET state = 'skipped' WHERE version = 3")
		if _, err := m.Up(ctx); !errors.Is(err, sdk.ErrCorruptHistory) || !strings.Contains(err.Error(), "version 3") {
			t.Fatalf("Up: %v; want ErrCorruptHistory naming version 3", err)
		}
	})
}
