package testkit

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"slices"
	"testing"
	"testing/fstest"
	"time"

	"github.com/hoistdb/hoist/sdk"
)

// serverHas reports whether the server has a database called name.
func serverHas(t *testing.T, srv server, name string) bool {
	t.Helper()
	var admin *sql.DB
	query := ""
	switch s := srv.(type) {
	case *postgresServer:
		admin, query = s.admin, "SELECT count(*) FROM pg_database WHERE datname = $1"
	case *mysqlServer:
		admin, query = s.admin, "SELECT count(*) FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = ?"
	default:
		t.Fatalf("no catalogue query for %T", srv)
	}
	var n int
	if err := admin.QueryRowContext(context.Background(), query, name).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n > 0
}

// TestClonePool: after the first Migrated of a set, its pool fills with
// HOIST_TEST_POOL clones; the next Migrated gets one of them, migrated;
// the pooled databases are named like test databases, so that a later
// binary sweeps them if this one is killed; and closing the pool, as Main
// does, drops the ones left.
func TestClonePool(t *testing.T) {
	t.Setenv("HOIST_TEST_POOL", "2")
	for _, c := range []struct {
		name string
		kind Kind
	}{{"postgres", Postgres}, {"mysql", MySQL}} {
		t.Run(c.name, func(t *testing.T) {
			e, srv := engineNamed(t, c.name)
			opts := []sdk.Option{sdk.WithFS(HundredMigrations(fmt.Sprintf("TestClonePool %d %d", os.Getpid(), time.Now().UnixNano())))}
			DropTemplateAtEnd(t, c.name, opts...)
			key, _, _, err := templateKey(context.Background(), e, srv.templates(), opts)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { pools.Delete(e.name + " " + key) })

			Migrated(t, c.kind, opts...)
			v, ok := pools.Load(e.name + " " + key)
			if !ok {
				t.Fatal("no pool after the first Migrated")
			}
			p := v.(*clonePool)
			if cap(p.ready) != 2 {
				t.Errorf("pool of %d; want HOIST_TEST_POOL=2", cap(p.ready))
			}
			// Wait for the pool to fill (it clones in the background).
			for deadline := time.Now().Add(2 * time.Minute); len(p.ready) < 2; time.Sleep(20 * time.Millisecond) {
				if time.Now().After(deadline) {
					t.Fatalf("the pool holds %d clones after 2 minutes; want 2", len(p.ready))
				}
			}
			var pooled []string
			for range 2 {
				c := <-p.ready
				pooled = append(pooled, c.name)
				if !databaseName.MatchString(c.name) {
					t.Errorf("pooled database %s is not named like a test database; the sweep would not drop it", c.name)
				}
				p.ready <- c
			}

			db := Migrated(t, c.kind, opts...)
			var current string
			q := map[string]string{"postgres": "SELECT current_database()", "mysql": "SELECT DATABASE()"}[c.name]
			if err := db.DB.QueryRowContext(context.Background(), q).Scan(&current); err != nil {
				t.Fatal(err)
			}
			if !slices.Contains(pooled, current) {
				t.Errorf("Migrated gave %s; want one of the pooled %v", current, pooled)
			}
			var rows int
			if err := db.DB.QueryRowContext(context.Background(), "SELECT count(*) FROM t4").Scan(&rows); err != nil || rows != 3 {
				t.Errorf("the pooled database's t4 has %d rows (%v); want the 3 the migrations insert", rows, err)
			}

			p.close()
			for _, name := range pooled {
				if name != current && serverHas(t, srv, name) {
					t.Errorf("pooled database %s is still there after the pool closed", name)
				}
			}
			if len(p.ready) != 0 {
				t.Errorf("%d clones left in the closed pool", len(p.ready))
			}
		})
	}
}

// TestClonePoolNotForFailedTemplate: a set whose template cannot be
// built gets no pool, so no clones of a bad template are made.
func TestClonePoolNotForFailedTemplate(t *testing.T) {
	t.Parallel()
	for _, name := range []string{"postgres", "mysql"} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			e, srv := engineNamed(t, name)
			opts := []sdk.Option{sdk.WithFS(fstest.MapFS{
				"0001_ok.sql":  {Data: []byte(fmt.Sprintf("-- +hoist up\n-- %s %d\nCREATE TABLE ok (id INTEGER);\n", t.Name(), time.Now().UnixNano()))},
				"0002_bad.sql": {Data: []byte("-- +hoist up\nCREATE TABLE ok (id INTEGER);\n")},
			})}
			key, _, _, err := templateKey(context.Background(), e, srv.templates(), opts)
			if err != nil {
				t.Fatal(err)
			}
			dbName := newDatabaseName(time.Now())
			if _, _, err := migratedClone(t, e, srv, &migratedRequest{opts: opts}, dbName); err == nil {
				t.Fatal("a set with a failing migration was cloned")
			}
			if _, ok := pools.Load(e.name + " " + key); ok {
				t.Error("a pool exists for a template that failed to build")
			}
			templates.Delete(e.name + " " + key)
		})
	}
}
