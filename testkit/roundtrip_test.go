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

// rtReorder is a set whose second down puts a dropped column back at the
// end of the table: the best a down can do on PostgreSQL and MySQL.
func rtReorder() []sdk.Option {
	return []sdk.Option{sdk.WithFS(fstest.MapFS{
		"0001_people.sql": {Data: []byte(`-- +hoist up
CREATE TABLE people (id INTEGER PRIMARY KEY, nickname VARCHAR(50), age INTEGER);
-- +hoist down
DROP TABLE people;
`)},
		"0002_drop_nickname.sql": {Data: []byte(`-- +hoist up
ALTER TABLE people DROP COLUMN nickname;
-- +hoist down
ALTER TABLE people ADD COLUMN nickname VARCHAR(50);
`)},
	})}
}

// TestRoundTripColumnOrder: a down that re-adds a dropped column at the
// end passes by default, with a log line, and fails with
// StrictColumnOrder, naming the migration and showing the order.
func TestRoundTripColumnOrder(t *testing.T) {
	t.Parallel()
	for _, e := range tkEngines {
		t.Run(e.name, func(t *testing.T) {
			t.Parallel()
			t.Run("by_name", func(t *testing.T) {
				t.Parallel()
				rec := tkRecord(t, func(t testing.TB) { testkit.RoundTrip(t, e.open(t), rtReorder()...) })
				if rec.Failed() {
					t.Fatalf("RoundTrip failed on a column-order-only difference:\n%s", rec.output())
				}
				logs := strings.Join(rec.logs, "\n")
				if !strings.Contains(logs, "the down of migration 2 drop_nickname (0002_drop_nickname.sql) puts columns back in another order") {
					t.Errorf("logs:\n%s\nwant a line saying the order changed", logs)
				}
			})
			t.Run("strict", func(t *testing.T) {
				t.Parallel()
				rec := tkRecord(t, func(t testing.TB) {
					testkit.RoundTripOptions{StrictColumnOrder: true}.Run(t, e.open(t), rtReorder()...)
				})
				out := rec.output()
				if !rec.fatal {
					t.Fatalf("strict RoundTrip did not fail fatally; recorded:\n%s", out)
				}
				for _, want := range []string{
					"the down of migration 2 drop_nickname (0002_drop_nickname.sql) does not undo its up",
					"--- before up 2\n+++ after up and down 2\n",
					"nickname",
				} {
					if !strings.Contains(out, want) {
						t.Errorf("report:\n%s\nwant it to contain %q", out, want)
					}
				}
			})
		})
	}
}

// TestRoundTripAll: two broken downs, one that leaves an index behind
// (so its up cannot be applied again and the database is emptied and
// migrated afresh) and one that leaves a table behind, are both
// reported, each with its file, and the good migrations are not.
func TestRoundTripAll(t *testing.T) {
	t.Parallel()
	for _, e := range tkEngines {
		t.Run(e.name, func(t *testing.T) {
			t.Parallel()
			db := e.open(t)
			rec := tkRecord(t, func(t testing.TB) {
				testkit.RoundTripAll(t, db, sdk.WithFS(fstest.MapFS{
					"0001_users.sql": {Data: []byte(rtUsers)},
					"0002_leaky.sql": {Data: []byte(`-- +hoist up
CREATE TABLE audit (id INTEGER);
CREATE INDEX users_email_leak ON users (email);
-- +hoist down
DROP TABLE audit;
`)},
					"0003_posts.sql":     {Data: []byte("-- +hoist up\nCREATE TABLE posts (id INTEGER PRIMARY KEY);\n-- +hoist down\nDROP TABLE posts;\n")},
					"0004_tags.up.sql":   {Data: []byte("CREATE TABLE tags (id INTEGER PRIMARY KEY);\nCREATE TABLE tag_links (tag_id INTEGER);\n")},
					"0004_tags.down.sql": {Data: []byte("DROP TABLE tag_links;\n")},
					"0005_notes.sql":     {Data: []byte("-- +hoist up\nCREATE TABLE notes (id INTEGER PRIMARY KEY);\n-- +hoist down\nDROP TABLE notes;\n")},
				}))
				t.Errorf("RoundTripAll returned; want it to end with Fatal")
			})
			out := rec.output()
			if !rec.fatal {
				t.Fatalf("RoundTripAll did not fail fatally; recorded:\n%s", out)
			}
			last := rec.errors[len(rec.errors)-1]
			for _, want := range []string{
				"2 migration(s) fail the round trip",
				"  - migration 2 leaky (0002_leaky.sql): its down does not undo its up",
				"  - migration 4 tags (0004_tags.up.sql): its down (down in 0004_tags.down.sql) does not undo its up",
			} {
				if !strings.Contains(last, want) {
					t.Errorf("final report:\n%s\nwant it to contain %q", last, want)
				}
			}
			for _, unwanted := range []string{"migration 1 ", "migration 3 ", "migration 5 "} {
				if strings.Contains(last, unwanted) {
					t.Errorf("final report:\n%s\nlists a good migration (%q)", last, unwanted)
				}
			}
			for _, want := range []string{"\n+index users.users_email_leak ", "\n+table tags"} {
				if !strings.Contains(out, want) {
					t.Errorf("reports:\n%s\nwant the diffs, with %q", out, want)
				}
			}
			if strings.Contains(out, "RoundTripAll returned") {
				t.Errorf("RoundTripAll went on after Fatalf")
			}
			t.Logf("the reports:\n%s", out)
		})
	}
}
