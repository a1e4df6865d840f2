package sdk_test

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/hoistdb/hoist/dialect/sqlite"
	"github.com/hoistdb/hoist/embedfs"
	"github.com/hoistdb/hoist/sdk"
	"github.com/hoistdb/hoist/testkit"
)

func TestNewRejects(t *testing.T) {
	t.Parallel()
	db, err := sql.Open("sqlite", "file::memory:")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	good := fstest.MapFS{"0001_a.sql": {Data: []byte("-- +hoist up\nCREATE TABLE a (id INTEGER);\n")}}
	noop := func(context.Context, sdk.Tx) error { return nil }

	tests := []struct {
		name string
		opts []sdk.Option
		want string // in the message
		is   error  // or nil
	}{
		{"nil_fs", []sdk.Option{sdk.WithFS(nil)}, "WithFS: nil file system", nil},
		{"fs_twice", []sdk.Option{sdk.WithFS(good), sdk.WithFS(good)}, "WithFS: given twice", nil},
		{"bad_table", []sdk.Option{sdk.WithTable("users; DROP TABLE x")}, "not a plain table name", nil},
		{"long_table", []sdk.Option{sdk.WithTable(strings.Repeat("t", 64))}, "at most 63", nil},
		{"zero_lock_timeout", []sdk.Option{sdk.WithLockTimeout(0)}, "WithLockTimeout: 0s is not positive", nil},
		{"nil_logger", []sdk.Option{sdk.WithLogger(nil)}, "WithLogger: nil logger", nil},
		{"unknown_policy", []sdk.Option{sdk.WithChecksumPolicy(7)}, "unknown policy 7", nil},
		{"go_migration_without_up", []sdk.Option{sdk.WithMigrations(sdk.GoMigration(3, "x", nil, nil))}, "migration 3 \"x\" has no up", nil},
		{"go_migration_bad_version", []sdk.Option{sdk.WithMigrations(sdk.GoMigration(0, "x", noop, nil))}, "version 0 is not positive", nil},
		{"go_version_collides_with_file", []sdk.Option{sdk.WithFS(good), sdk.WithMigrations(sdk.GoMigration(1, "b", noop, nil))},
			"duplicate migration version 1: 1 a (0001_a.sql) and 1 b (go)", nil},
		{"seeder_without_run", []sdk.Option{sdk.WithSeeders(sdk.Seeder{Name: "s"})}, "seeder \"s\" has no Run", nil},
		{"duplicate_seeders", []sdk.Option{sdk.WithSeedFS(fstest.MapFS{"s.sql": {Data: []byte("SELECT 1;")}}),
			sdk.WithSeeders(sdk.Seeder{Name: "s", Run: noop})}, "two seeders are named \"s\"", nil},
		{"empty_fs", []sdk.Option{sdk.WithFS(fstest.MapFS{"migrations/0001_a.sql": good["0001_a.sql"]})}, "fs.Sub", sdk.ErrNoMigrations},
		{"duplicate_files", []sdk.Option{sdk.WithFS(fstest.MapFS{
			"0001_a.sql":    good["0001_a.sql"],
			"0001_b.up.sql": {Data: []byte("SELECT 1;")},
		})}, "0001_b.up.sql", embedfs.ErrDuplicateVersion},
		{"unparsable_name", []sdk.Option{sdk.WithFS(fstest.MapFS{"create_users.sql": good["0001_a.sql"]})}, "create_users.sql", embedfs.ErrBadFileName},
		{"empty_up", []sdk.Option{sdk.WithFS(fstest.MapFS{"0001_a.sql": {Data: []byte("-- +hoist up\n-- +hoist down\nDROP TABLE a;\n")}})},
			"0001_a.sql", embedfs.ErrEmptyUp},
		{"unterminated_block", []sdk.Option{sdk.WithFS(fstest.MapFS{"0001_a.sql": {Data: []byte(
			"-- +hoist up\n-- +hoist statement-begin\nCREATE TABLE a (id INTEGER);\n")}})}, "0001_a.sql:2", embedfs.ErrUnterminated},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := sdk.New(db, sqlite.New(), tt.opts...)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("sdk.New: %v; want an error containing %q", err, tt.want)
			}
			if tt.is != nil && !errors.Is(err, tt.is) {
				t.Fatalf("sdk.New: %v; want errors.Is %v", err, tt.is)
			}
		})
	}
	if _, err := sdk.New(nil, sqlite.New()); err == nil {
		t.Error("sdk.New(nil db) succeeded")
	}
	if _, err := sdk.New(db, nil); err == nil {
		t.Error("sdk.New(nil dialect) succeeded")
	}
	m, err := sdk.New(db, sqlite.New())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := m.Up(context.Background()); !errors.Is(err, sdk.ErrNoMigrations) {
		t.Errorf("Up without sources: %v; want ErrNoMigrations", err)
	}
}

// TestWithTable: two applications with different history tables share a
// database without seeing each other's history or waiting for each
// other's lock.
func TestWithTable(t *testing.T) {
	t.Parallel()
	eachEngine(t, func(t *testing.T, db *testkit.DB) {
		ctx := testContext(t)
		one := fstest.MapFS{"0001_one.sql": {Data: []byte("-- +hoist up\nCREATE TABLE one (id INTEGER);\n-- +hoist down\nDROP TABLE one;\n")}}
		two := fstest.MapFS{"0001_two.sql": {Data: []byte("-- +hoist up\nCREATE TABLE two (id INTEGER);\n-- +hoist down\nDROP TABLE two;\n")}}

		// Application one's lock is held, through another connection.
		conn, err := db.DB.Conn(ctx)
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		held := db.Dialect.NewLock(conn, "one_migrations")
		if ok, err := held.TryAcquire(ctx); !ok || err != nil {
			t.Fatalf("taking application one's lock: %v, %v", ok, err)
		}
		m2 := newMigrator(t, db, sdk.WithFS(two), sdk.WithTable("two_migrations"), sdk.WithLockTimeout(5*time.Second))
		if res, err := m2.Up(ctx); err != nil || len(res.Applied) != 1 {
			t.Fatalf("application two waited for application one's lock or failed: %v", err)
		}
		m1 := newMigrator(t, db, sdk.WithFS(one), sdk.WithTable("one_migrations"), sdk.WithLockTimeout(100*time.Millisecond))
		if _, err := m1.Up(ctx); !errors.Is(err, sdk.ErrLockTimeout) {
			t.Fatalf("application one while its lock is held: %v; want ErrLockTimeout", err)
		}
		if err := held.Release(ctx); err != nil {
			t.Fatal(err)
		}
		if res, err := m1.Up(ctx); err != nil || len(res.Applied) != 1 {
			t.Fatalf("application one: %v", err)
		}
		for _, m := range []*sdk.Migrator{m1, m2} {
			st, err := m.Status(ctx)
			if err != nil || len(st.Applied) != 1 || len(st.Missing) != 0 || st.Applied[0].Version != 1 {
				t.Fatalf("%s: %v, %+v; want only its own migration", m.Table(), err, st)
			}
		}
		if !tableExists(t, db, "one_migrations") || !tableExists(t, db, "two_migrations") || tableExists(t, db, "hoist_migrations") {
			t.Fatal("history tables are not the ones named by WithTable")
		}
	})
}
