package testkit_test

import (
	"context"
	"strings"
	"sync/atomic"
	"testing"
	"testing/fstest"

	"github.com/hoistdb/hoist/sdk"
	"github.com/hoistdb/hoist/testkit"
)

// rtUsers is the first migration of every set: a table and an index.
const rtUsers = `-- +hoist up
CREATE TABLE users (id INTEGER PRIMARY KEY, email VARCHAR(255) NOT NULL);
CREATE UNIQUE INDEX users_email ON users (email);

-- +hoist down
DROP TABLE users;
`

// rtAddName is a Go migration that adds a column and drops it again.
var rtAddName = sdk.GoMigration(2, "add_name",
	func(ctx context.Context, tx sdk.Tx) error {
		_, err := tx.ExecContext(ctx, "ALTER TABLE users ADD COLUMN name VARCHAR(100)")
		return err
	},
	func(ctx context.Context, tx sdk.Tx) error {
		_, err := tx.ExecContext(ctx, "ALTER TABLE users DROP COLUMN name")
		return err
	})

// rtGood is a reversible set in all three layouts: a native file, a Go
// migration and a golang-migrate pair.
func rtGood() []sdk.Option {
	return []sdk.Option{
		sdk.WithFS(fstest.MapFS{
			"0001_users.sql": {Data: []byte(rtUsers)},
			"0003_posts.up.sql": {Data: []byte(`
CREATE TABLE posts (
	id INTEGER PRIMARY KEY,
	user_id INTEGER NOT NULL,
	title VARCHAR(200),
	FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE
);
CREATE VIEW post_titles AS SELECT title FROM posts;
`)},
			"0003_posts.down.sql": {Data: []byte("DROP VIEW post_titles;\nDROP TABLE posts;\n")},
		}),
		sdk.WithMigrations(rtAddName),
	}
}

func TestRoundTrip(t *testing.T) {
	t.Parallel()
	for _, e := range tkEngines {
		t.Run(e.name, func(t *testing.T) {
			t.Parallel()
			db := e.open(t)
			testkit.RoundTrip(t, db, rtGood()...)

			// It leaves every migration applied.
			m, err := sdk.New(db.DB, db.Dialect, rtGood()...)
			if err != nil {
				t.Fatal(err)
			}
			st, err := m.Status(t.Context())
			if err != nil {
				t.Fatal(err)
			}
			if len(st.Applied) != 3 || len(st.Pending) != 0 {
				t.Errorf("after RoundTrip:\n%s\nwant all 3 applied", st)
			}
		})
	}
}

func TestRoundTripWithTable(t *testing.T) {
	t.Parallel()
	for _, e := range tkEngines {
		t.Run(e.name, func(t *testing.T) {
			t.Parallel()
			testkit.RoundTrip(t, e.open(t), append(rtGood(), sdk.WithTable("rt_history"))...)
		})
	}
}

// TestRoundTripIrreversible: a migration without a down is applied, its
// check skipped with a log line, and the final roll back stops at it.
func TestRoundTripIrreversible(t *testing.T) {
	t.Parallel()
	for _, e := range tkEngines {
		t.Run(e.name, func(t *testing.T) {
			t.Parallel()
			db := e.open(t)
			rec := tkRecord(t, func(t testing.TB) {
				testkit.RoundTrip(t, db, sdk.WithFS(fstest.MapFS{
					"0001_users.sql":       {Data: []byte(rtUsers)},
					"0002_email_index.sql": {Data: []byte("-- +hoist up\nCREATE INDEX users_email_plain ON users (email);\n")},
					"0003_tags.sql":        {Data: []byte("-- +hoist up\nCREATE TABLE tags (name VARCHAR(50));\n-- +hoist down\nDROP TABLE tags;\n")},
				}))
			})
			if rec.Failed() {
				t.Fatalf("RoundTrip failed:\n%s", rec.output())
			}
			logs := strings.Join(rec.logs, "\n")
			if !strings.Contains(logs, "migration 2 email_index (0002_email_index.sql) has no down") {
				t.Errorf("logs:\n%s\nwant a line about skipping migration 2", logs)
			}
			s := testkit.Snapshot(t, db)
			if !strings.Contains(s, "table tags") || !strings.Contains(s, "users_email_plain") {
				t.Errorf("snapshot after RoundTrip:\n%s\nwant every migration applied", s)
			}
		})
	}
}

// TestRoundTripLeak proves that RoundTrip fails on a down that leaves
// something behind, and that the report says which migration and shows
// what is left.
func TestRoundTripLeak(t *testing.T) {
	t.Parallel()
	for _, e := range tkEngines {
		t.Run(e.name, func(t *testing.T) {
			t.Parallel()
			db := e.open(t)
			rec := tkRecord(t, func(t testing.TB) {
				testkit.RoundTrip(t, db, sdk.WithFS(fstest.MapFS{
					"0001_users.sql": {Data: []byte(rtUsers)},
					"0002_leaky.sql": {Data: []byte(`-- +hoist up
CREATE TABLE audit (id INTEGER);
CREATE INDEX users_email_leak ON users (email);
-- +hoist down
DROP TABLE audit;
`)},
				}))
				t.Errorf("RoundTrip returned; want it to stop the goroutine with Fatal")
			})
			out := rec.output()
			if !rec.fatal {
				t.Fatalf("RoundTrip did not fail fatally; recorded:\n%s", out)
			}
			for _, want := range []string{
				"migration 2 leaky (0002_leaky.sql)",
				"does not undo its up",
				"--- before up 2\n+++ after up and down 2\n@@ ",
				"\n+index users.users_email_leak ",
			} {
				if !strings.Contains(out, want) {
					t.Errorf("report:\n%s\nwant it to contain %q", out, want)
				}
			}
			if strings.Contains(out, "RoundTrip returned") {
				t.Errorf("RoundTrip went on after Fatalf")
			}
			t.Logf("the report:\n%s", out)
		})
	}
}

// TestRoundTripUpAgainDiffers: a migration whose second up builds
// another schema than its first fails with the second check.
func TestRoundTripUpAgainDiffers(t *testing.T) {
	t.Parallel()
	db := testkit.SQLite(t)
	var runs atomic.Int32
	fickle := sdk.GoMigration(1, "fickle",
		func(ctx context.Context, tx sdk.Tx) error {
			table := "first"
			if runs.Add(1) > 1 {
				table = "second"
			}
			_, err := tx.ExecContext(ctx, "CREATE TABLE "+table+" (id INTEGER)")
			return err
		},
		func(ctx context.Context, tx sdk.Tx) error {
			for _, table := range []string{"first", "second"} {
				if _, err := tx.ExecContext(ctx, "DROP TABLE IF EXISTS "+table); err != nil {
					return err
				}
			}
			return nil
		})
	rec := tkRecord(t, func(t testing.TB) { testkit.RoundTrip(t, db, sdk.WithMigrations(fickle)) })
	out := rec.output()
	for _, want := range []string{"applying migration 1 fickle (Go) again", "-table first", "+table second"} {
		if !strings.Contains(out, want) {
			t.Errorf("report:\n%s\nwant it to contain %q", out, want)
		}
	}
}

func TestRoundTripNeedsFreshDatabase(t *testing.T) {
	t.Parallel()
	db := testkit.SQLite(t)
	m, err := sdk.New(db.DB, db.Dialect, rtGood()...)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := m.UpTo(t.Context(), 1); err != nil {
		t.Fatal(err)
	}
	rec := tkRecord(t, func(t testing.TB) { testkit.RoundTrip(t, db, rtGood()...) })
	if out := rec.output(); !strings.Contains(out, "1 migration(s) already applied") {
		t.Errorf("report:\n%s\nwant a refusal naming the applied migration", out)
	}
}
