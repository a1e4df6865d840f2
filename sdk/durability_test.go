package sdk_test

import (
	"context"
	"database/sql"
	"path/filepath"
	"testing"
	"testing/fstest"

	"github.com/hoistdb/hoist/dialect/sqlite"
	"github.com/hoistdb/hoist/sdk"
	"github.com/hoistdb/hoist/testkit"
)

// SQLite's synchronous levels, as PRAGMA synchronous reads them.
const (
	syncFull  = 2
	syncExtra = 3
)

// singleConn opens dsn again with a pool of one connection, so that the
// connection hoist migrates on is the one the application gets back, and
// runs setup on it.
func singleConn(t *testing.T, driver, dsn string, setup ...string) *sql.DB {
	t.Helper()
	app, err := sql.Open(driver, dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { app.Close() })
	app.SetMaxOpenConns(1)
	for _, q := range setup {
		if _, err := app.Exec(q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	return app
}

// probe is a Go migration that reads query inside its transaction, up
// and down, into *got.
func probe(version int64, query string, got *string) sdk.Migration {
	read := func(ctx context.Context, tx sdk.Tx) error {
		return tx.QueryRowContext(ctx, query).Scan(got)
	}
	return sdk.GoMigration(version, "probe", read, read)
}

// TestDurableCommitsOption: by default a migration's commit does not wait
// for the disk where the engine can lose a recent commit but never half
// of one (PostgreSQL's synchronous_commit, SQLite's synchronous in WAL
// mode); with sdk.WithDurableCommits it waits as the application's
// session says. MySQL's setting is the server's alone, and hoist leaves
// it as it is either way.
func TestDurableCommitsOption(t *testing.T) {
	eachEngine(t, func(t *testing.T, db *testkit.DB) {
		ctx := testContext(t)
		var (
			setup                   []string
			query, relaxed, durable string
		)
		switch db.Dialect.Name() {
		case "postgres":
			setup = []string{"SET synchronous_commit = on"}
			query, relaxed, durable = "SELECT current_setting('synchronous_commit')", "off", "on"
		case "mysql":
			query = "SELECT CAST(@@GLOBAL.innodb_flush_log_at_trx_commit AS CHAR)"
			if err := db.DB.QueryRowContext(ctx, query).Scan(&relaxed); err != nil {
				t.Fatal(err)
			}
			durable = relaxed
		case "sqlite":
			setup = []string{"PRAGMA synchronous = FULL"}
			query, relaxed, durable = "SELECT CAST(synchronous AS TEXT) FROM pragma_synchronous", "1", "2"
		}
		for _, tc := range []struct {
			table string
			opts  []sdk.Option
			want  string
		}{
			{"relaxed_history", nil, relaxed},
			{"durable_history", []sdk.Option{sdk.WithDurableCommits()}, durable},
		} {
			app := singleConn(t, db.Driver, db.DSN, setup...)
			var got string
			opts := append([]sdk.Option{quiet(), sdk.WithTable(tc.table), sdk.WithMigrations(probe(1, query, &got))}, tc.opts...)
			m, err := sdk.New(app, db.Dialect, opts...)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := m.Up(ctx); err != nil {
				t.Fatalf("%s: Up: %v", tc.table, err)
			}
			if got != tc.want {
				t.Errorf("%s: a migration ran with %q = %s; want %s", tc.table, query, got, tc.want)
			}
		}
	})
}

// TestSynchronousRestoredSQLite: in WAL mode a run migrates at
// synchronous=NORMAL, and the connection goes back to the application's
// pool with its own level (EXTRA here, set on that connection), whether
// the run succeeds, a migration fails, panics or is cancelled.
func TestSynchronousRestoredSQLite(t *testing.T) {
	t.Parallel()
	create := func(v string) *fstest.MapFile {
		return &fstest.MapFile{Data: []byte("-- +hoist up\nCREATE TABLE t" + v + " (id INTEGER);\n-- +hoist down\nDROP TABLE t" + v + ";\n")}
	}
	const levelQuery = "SELECT CAST(synchronous AS TEXT) FROM pragma_synchronous"
	for _, tc := range []struct {
		name    string
		second  func(cancel context.CancelFunc) sdk.Migration // nil: a SQL migration
		fsys    fstest.MapFS
		wantErr bool
	}{
		{name: "success", fsys: fstest.MapFS{"0002_t.sql": create("2")}},
		{name: "failed", fsys: fstest.MapFS{"0002_bad.sql": {Data: []byte("-- +hoist up\nCREATE TABLE t2 (id INTEGER);\nINSERT INTO missing VALUES (1);\n")}}, wantErr: true},
		{name: "panic", second: func(context.CancelFunc) sdk.Migration {
			return sdk.GoMigration(2, "panics", func(context.Context, sdk.Tx) error { panic("boom") }, nil)
		}},
		{name: "cancelled", second: func(cancel context.CancelFunc) sdk.Migration {
			return sdk.GoMigration(2, "cancelled", func(ctx context.Context, tx sdk.Tx) error {
				cancel()
				return ctx.Err()
			}, nil)
		}, wantErr: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			db := testkit.SQLite(t)
			// Set on the connection itself, not in the DSN: a connection
			// that hoist closed instead of returning would come back at
			// the default, FULL.
			app := singleConn(t, "sqlite", db.DSN, "PRAGMA synchronous = EXTRA")
			ctx, cancel := context.WithCancel(testContext(t))
			defer cancel()
			var during string
			migs := []sdk.Migration{probe(1, levelQuery, &during)}
			if tc.second != nil {
				migs = append(migs, tc.second(cancel))
			}
			opts := []sdk.Option{quiet(), sdk.WithMigrations(migs...)}
			if tc.fsys != nil {
				opts = append(opts, sdk.WithFS(tc.fsys))
			}
			m, err := sdk.New(app, db.Dialect, opts...)
			if err != nil {
				t.Fatal(err)
			}
			panicked := func() (p any) {
				defer func() { p = recover() }()
				_, err = m.Up(ctx)
				return nil
			}()
			switch {
			case tc.name == "panic" && panicked == nil:
				t.Fatal("Up did not pass the migration's panic on")
			case tc.name != "panic" && panicked != nil:
				t.Fatalf("Up panicked: %v", panicked)
			case tc.wantErr && err == nil:
				t.Fatal("Up succeeded; want the second migration's failure")
			case !tc.wantErr && err != nil:
				t.Fatalf("Up: %v", err)
			}
			if during != "1" {
				t.Errorf("the first migration ran at synchronous = %s; want 1 (NORMAL)", during)
			}
			if got := synchronous(t, app); got != syncExtra {
				t.Errorf("after Up (%s), the application's connection has synchronous = %d; want %d (EXTRA), its own", tc.name, got, syncExtra)
			}
			if tc.name != "success" {
				return
			}
			during = ""
			if _, err := m.RollbackTo(context.Background(), 0); err != nil {
				t.Fatalf("RollbackTo(0): %v", err)
			}
			if during != "1" {
				t.Errorf("the first migration's down ran at synchronous = %s; want 1 (NORMAL)", during)
			}
			if got := synchronous(t, app); got != syncExtra {
				t.Errorf("after RollbackTo, the application's connection has synchronous = %d; want %d (EXTRA)", got, syncExtra)
			}
		})
	}
}

// TestSynchronousRollbackJournalSQLite: a database in a rollback-journal
// mode is migrated at its own synchronous level, since there NORMAL may
// corrupt the file in a power failure; so is one under
// WithDurableCommits in WAL mode.
func TestSynchronousRollbackJournalSQLite(t *testing.T) {
	t.Parallel()
	const levelQuery = "SELECT CAST(synchronous AS TEXT) FROM pragma_synchronous"
	for _, tc := range []struct {
		name, mode string
		opts       []sdk.Option
	}{
		{"delete", "DELETE", nil},
		{"truncate", "TRUNCATE", nil},
		{"wal durable", "WAL", []sdk.Option{sdk.WithDurableCommits()}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			dsn := "file:" + filepath.Join(t.TempDir(), "app.db") + "?_pragma=busy_timeout(10000)&_pragma=journal_mode(" + tc.mode + ")"
			app := singleConn(t, "sqlite", dsn, "PRAGMA synchronous = FULL")
			var during string
			m, err := sdk.New(app, sqlite.New(), append([]sdk.Option{quiet(), sdk.WithMigrations(probe(1, levelQuery, &during))}, tc.opts...)...)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := m.Up(testContext(t)); err != nil {
				t.Fatalf("Up: %v", err)
			}
			if during != "2" {
				t.Errorf("journal_mode %s: the migration ran at synchronous = %s; want 2 (FULL), the connection's own", tc.mode, during)
			}
			if got := synchronous(t, app); got != syncFull {
				t.Errorf("after Up, the connection has synchronous = %d; want %d", got, syncFull)
			}
		})
	}
}

func synchronous(t *testing.T, db *sql.DB) int64 {
	t.Helper()
	var level int64
	if err := db.QueryRow("PRAGMA synchronous").Scan(&level); err != nil {
		t.Fatal(err)
	}
	return level
}
