package testkit

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sync/atomic"
	"testing"
	"testing/fstest"

	"github.com/hoistdb/hoist/sdk"
)

// engineNamed returns an engine and its server by the engine's name,
// skipping t (or failing it under HOIST_TEST_REQUIRE=1) when there is no
// server.
func engineNamed(t testing.TB, name string) (*engine, server) {
	t.Helper()
	var e *engine
	var resolve func() (server, error)
	switch name {
	case "postgres":
		e, resolve = postgresEngine, resolvePostgres
	case "mysql":
		e, resolve = mysqlEngine, resolveMySQL
	case "sqlite":
		e, resolve = sqliteEngine, resolveSQLite
	default:
		t.Fatalf("no engine %q", name)
	}
	srv, err := resolve()
	if err != nil {
		unavailable(t, e, err)
	}
	return e, srv
}

// TemplateBuilds returns how many times this test binary built the
// template that Migrated uses on the engine called engineName with opts.
func TemplateBuilds(t testing.TB, engineName string, opts ...sdk.Option) int {
	t.Helper()
	e, srv := engineNamed(t, engineName)
	key, _, _, err := templateKey(context.Background(), e, srv.templates(), opts)
	if err != nil {
		t.Fatal(err)
	}
	n, ok := templateBuilds.Load(e.name + " " + key)
	if !ok {
		return 0
	}
	return int(n.(*atomic.Int64).Load())
}

// HundredMigrations is a set of 100 migrations of the kind applications
// have: tables with indexes and foreign keys, columns added later, and
// some rows. Each salt makes a set of its own.
func HundredMigrations(salt string) fstest.MapFS {
	fsys := fstest.MapFS{}
	add := func(v int, up, down string) {
		fsys[fmt.Sprintf("%04d_step_%d.sql", v, v)] = &fstest.MapFile{
			Data: []byte("-- +hoist up\n" + up + "\n-- +hoist down\n" + down + "\n"),
		}
	}
	for v := 1; v <= 100; v++ {
		switch {
		case v == 1:
			add(v, "-- "+salt+"\nCREATE TABLE t1 (id INTEGER PRIMARY KEY, name VARCHAR(100) NOT NULL, created_at TIMESTAMP NULL);",
				"DROP TABLE t1;")
		case v%10 == 0: // a column added to an earlier table
			add(v, fmt.Sprintf("ALTER TABLE t%d ADD COLUMN note%d VARCHAR(50) NULL;", v-1, v),
				fmt.Sprintf("ALTER TABLE t%d DROP COLUMN note%d;", v-1, v))
		case v%10 == 5: // rows
			add(v, fmt.Sprintf("INSERT INTO t%d (id, name) VALUES (1, 'a'), (2, 'b'), (3, 'c');", v-1),
				fmt.Sprintf("DELETE FROM t%d;", v-1))
		default: // a table referring to the previous one, with an index
			add(v, fmt.Sprintf("CREATE TABLE t%d (id INTEGER PRIMARY KEY, name VARCHAR(100) NOT NULL, parent_id INTEGER NULL, "+
				"created_at TIMESTAMP NULL, FOREIGN KEY (parent_id) REFERENCES t1 (id));\nCREATE INDEX t%d_name ON t%d (name);", v, v, v),
				fmt.Sprintf("DROP TABLE t%d;", v))
		}
	}
	return fsys
}

// SharedServers reports whether the PostgreSQL and MySQL servers outlive
// this test binary and are shared with its children, as an existing
// server is and the servers testkit starts are not.
func SharedServers(t testing.TB) bool {
	t.Helper()
	for _, name := range []string{"postgres", "mysql"} {
		if _, srv := engineNamed(t, name); srv.disposable() {
			return false
		}
	}
	return true
}

// DropTemplateAtEnd drops, when t ends, the template that Migrated builds
// for opts on the engine called engineName, with its pool and the clones
// on its shelf: tests that make sets of migrations of their own leave no
// template behind.
func DropTemplateAtEnd(t testing.TB, engineName string, opts ...sdk.Option) {
	t.Helper()
	e, srv := engineNamed(t, engineName)
	t.Cleanup(func() {
		ctx := context.Background()
		st := srv.templates()
		key, _, _, err := templateKey(ctx, e, st, opts)
		if err != nil {
			t.Error(err)
			return
		}
		// The pools first: a pool's background lookup of the template
		// would find it again.
		if v, ok := pools.LoadAndDelete(e.name + " " + key); ok {
			v.(*clonePool).discard()
		}
		if v, ok := filePools.LoadAndDelete(key); ok {
			v.(*filePool).close()
		}
		templates.Delete(e.name + " " + key)
		if err := dropShelf(ctx, srv, key); err != nil {
			t.Errorf("drop the shelf: %v", err)
		}
		name, ok, err := st.findTemplate(ctx, key, func(context.Context, string) (bool, error) { return true, nil })
		switch {
		case err != nil:
			t.Error(err)
		case ok && e == sqliteEngine:
			err = os.Remove(name)
			_ = os.Remove(filepath.Join(sqliteTemplateDir(), key[:16]+".lock"))
		case ok:
			err = srv.drop(ctx, name)
		}
		if err != nil {
			t.Errorf("drop the template: %v", err)
		}
	})
}
