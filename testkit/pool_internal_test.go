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
// HOIST_TEST_POOL connected clones; the next Migrated gets one of them,
// migrated; closing the pool, as Main does, puts the clones no test used
// on the server's shelf and leaves the used one off it; and a pool made
// afterwards, as the next test binary's is, hands out a clone from the
// shelf.
func TestClonePool(t *testing.T) {
	t.Setenv("HOIST_TEST_POOL", "2")
	for _, c := range []struct {
		name string
		kind Kind
	}{{"postgres", Postgres}, {"mysql", MySQL}} {
		t.Run(c.name, func(t *testing.T) {
			e, srv := engineNamed(t, c.name)
			sh := srv.(shelfStore)
			ctx := context.Background()
			opts := []sdk.Option{sdk.WithFS(HundredMigrations(fmt.Sprintf("TestClonePool %d %d", os.Getpid(), time.Now().UnixNano())))}
			DropTemplateAtEnd(t, c.name, opts...)
			key, _, _, err := templateKey(ctx, e, srv.templates(), opts)
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
			waitFull(t, p)
			var pooled []string
			for range 2 {
				c := <-p.ready
				pooled = append(pooled, c.name)
				if shelfKind(c.name) == "" || !ours(c.name) {
					t.Errorf("pooled database %s is not named as a shelf clone; a sweep would not know it", c.name)
				}
				p.ready <- c
			}

			db := Migrated(t, c.kind, opts...)
			current := currentDatabase(t, db)
			if !slices.Contains(pooled, current) {
				t.Errorf("Migrated gave %s; want one of the pooled %v", current, pooled)
			}
			var rows int
			if err := db.DB.QueryRowContext(ctx, "SELECT count(*) FROM t4").Scan(&rows); err != nil || rows != 3 {
				t.Errorf("the pooled database's t4 has %d rows (%v); want the 3 the migrations insert", rows, err)
			}

			p.close()
			if len(p.ready) != 0 {
				t.Errorf("%d clones left in the closed pool", len(p.ready))
			}
			shelved, err := sh.shelved(ctx, key)
			if err != nil {
				t.Fatal(err)
			}
			for _, name := range pooled {
				onShelf := slices.Contains(shelved, shelfSibling(name, "pool"))
				if name == current && onShelf {
					t.Errorf("the clone a test used, %s, is on the shelf", name)
				}
				if name != current && !onShelf {
					t.Errorf("the clone no test used, %s, is not on the shelf %v", name, shelved)
				}
			}

			// The next binary's pool starts from the shelf.
			pools.Delete(e.name + " " + key)
			next := currentDatabase(t, Migrated(t, c.kind, opts...))
			if !slices.Contains(shelved, shelfSibling(next, "pool")) {
				t.Errorf("the next pool's first clone is %s; want one from the shelf %v", next, shelved)
			}
			if v, ok := pools.Load(e.name + " " + key); ok {
				v.(*clonePool).close()
			}
		})
	}
}

// waitFull waits for the pool to fill (it fills in the background).
func waitFull(t *testing.T, p *clonePool) {
	t.Helper()
	for deadline := time.Now().Add(2 * time.Minute); len(p.ready) < cap(p.ready); time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("the pool holds %d clones after 2 minutes; want %d", len(p.ready), cap(p.ready))
		}
	}
}

// currentDatabase returns the name of the database db is connected to.
func currentDatabase(t *testing.T, db *DB) string {
	t.Helper()
	q := map[string]string{"postgres": "SELECT current_database()", "mysql": "SELECT DATABASE()"}[db.Dialect.Name()]
	var name string
	if err := db.DB.QueryRowContext(context.Background(), q).Scan(&name); err != nil {
		t.Fatal(err)
	}
	return name
}

// TestClonePoolNotForFailedTemplate: a set whose template cannot be
// built gets no clones, pooled or shelved, so no clones of a bad
// template are made.
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
			if _, _, _, err := migratedClone(t, e, srv, &migratedRequest{opts: opts}, dbName); err == nil {
				t.Fatal("a set with a failing migration was cloned")
			}
			if v, ok := pools.LoadAndDelete(e.name + " " + key); ok {
				p := v.(*clonePool)
				p.discard()
				if p.tpl != "" {
					t.Errorf("the pool of a template that failed to build knows template %s", p.tpl)
				}
			}
			if shelved, err := srv.(shelfStore).shelved(context.Background(), key); err != nil || len(shelved) > 0 {
				t.Errorf("clones of a template that failed to build are on the shelf: %v (%v)", shelved, err)
			}
			templates.Delete(e.name + " " + key)
		})
	}
}
