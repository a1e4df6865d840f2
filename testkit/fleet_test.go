package testkit_test

import (
	"context"
	"database/sql"
	"path/filepath"
	"testing"
	"testing/fstest"

	"github.com/hoistdb/hoist/sdk"
	"github.com/hoistdb/hoist/testkit"
)

// fleetMigrations are two migrations, so that each tenant's history has
// two rows.
var fleetMigrations = fstest.MapFS{
	"0001_users.sql": {Data: []byte("-- +hoist up\nCREATE TABLE users (id INTEGER PRIMARY KEY);\n-- +hoist down\nDROP TABLE users;\n")},
	"0002_posts.sql": {Data: []byte("-- +hoist up\nCREATE TABLE posts (id INTEGER PRIMARY KEY);\n-- +hoist down\nDROP TABLE posts;\n")},
}

// TestFleet makes a fleet of 4 tenants on every engine, migrates it with
// sdk.NewFleet, checks that each tenant has the tables and a history of
// its own, and that everything is gone once the subtest has returned.
func TestFleet(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		e    engine
		opts []testkit.FleetOption
	}{
		{"postgres-schemas", engines[0], nil},
		{"postgres-databases", engines[0], []testkit.FleetOption{testkit.FleetOfDatabases()}},
		{"mysql", engines[1], nil},
		{"sqlite", engines[2], nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			probe := c.e.open(t).DB
			var gone []string // databases (SQLite: files) that must be dropped after the subtest
			t.Run("inner", func(t *testing.T) {
				f := testkit.Fleet(t, c.e.open, 4, c.opts...)
				if len(f.Tenants) != 4 {
					t.Fatalf("tenants = %q, want 4", f.Tenants)
				}
				fleet, err := sdk.NewFleet(f.DB, f.Dialect, f.Targets(), f.Options(sdk.WithTargetOptions(sdk.WithFS(fleetMigrations)))...)
				if err != nil {
					t.Fatal(err)
				}
				defer fleet.Close()
				res, err := fleet.Up(context.Background())
				if err != nil {
					t.Fatal(err)
				}
				if n := res.Count(sdk.TargetApplied); n != 4 {
					t.Fatalf("%d targets applied, want 4: %+v", n, res.Targets)
				}
				schemas := c.name == "postgres-schemas"
				for i, tenant := range f.Tenants {
					db, prefix := f.DB, f.Dialect.QuoteIdent(tenant)+"."
					if !schemas {
						db, prefix = f.Databases[i].DB, ""
					}
					// Each tenant has both tables, and a history of its own
					// with both migrations: a row added to tenant 0's users
					// is in no other tenant's.
					if i == 0 {
						if _, err := db.Exec("INSERT INTO " + prefix + "users (id) VALUES (1)"); err != nil {
							t.Fatal(err)
						}
					}
					want := map[string]int{"hoist_migrations": 2, "posts": 0, "users": 0}
					if i == 0 {
						want["users"] = 1
					}
					for table, n := range want {
						var got int
						if err := db.QueryRow("SELECT count(*) FROM " + prefix + table).Scan(&got); err != nil {
							t.Fatalf("tenant %s: %v", tenant, err)
						}
						if got != n {
							t.Errorf("tenant %s: %s has %d rows, want %d", tenant, table, got, n)
						}
					}
					if !schemas {
						gone = append(gone, tenant)
					}
				}
				if schemas {
					gone = append(gone, queryString(t, f.DB, c.e.database))
				}
				for _, name := range gone {
					if !fleetExists(t, c.e, probe, name) {
						t.Fatalf("%s does not exist during the test", name)
					}
				}
			})
			if len(gone) == 0 {
				t.Fatal("the subtest made no fleet")
			}
			for _, name := range gone {
				if fleetExists(t, c.e, probe, name) {
					t.Errorf("%s still exists after the test", name)
				}
			}
		})
	}
}

// fleetExists is exists for a tenant's name: on SQLite a file path.
func fleetExists(t *testing.T, e engine, probe *sql.DB, name string) bool {
	t.Helper()
	if e.name == "sqlite" && !filepath.IsAbs(name) {
		t.Fatalf("SQLite tenant %q is not a file path", name)
	}
	return exists(t, e, probe, name)
}

// A test asks for a fleet of four fresh tenants (here PostgreSQL schemas
// of one fresh database) and migrates it as the application would.
func ExampleFleet() {
	_ = func(t *testing.T) {
		t.Parallel()
		f := testkit.Fleet(t, testkit.Postgres, 4)
		fleet, err := sdk.NewFleet(f.DB, f.Dialect, f.Targets(), f.Options(sdk.WithTargetOptions(sdk.WithFS(exampleMigrations)))...)
		if err != nil {
			t.Fatal(err)
		}
		defer fleet.Close()
		if _, err := fleet.Up(t.Context()); err != nil {
			t.Fatal(err)
		}
	}
}

// TestFleetKeptWithEnv: under HOIST_TEST_KEEP=1 a fleet's databases are
// kept like any other. It uses t.Setenv and so cannot run in parallel.
func TestFleetKeptWithEnv(t *testing.T) {
	// Opened before t.Setenv, so that they are dropped after it is undone.
	probes := make([]*sql.DB, len(engines))
	for i, e := range engines {
		probes[i] = e.open(t).DB
	}
	t.Setenv("HOIST_TEST_KEEP", "1")
	for i, e := range engines {
		t.Run(e.name, func(t *testing.T) {
			probe := probes[i]
			var kept []string
			t.Run("inner", func(t *testing.T) {
				f := testkit.Fleet(t, e.open, 2)
				if e.name == "postgres" {
					kept = []string{queryString(t, f.DB, e.database)}
				} else {
					kept = f.Tenants
				}
			})
			if len(kept) == 0 {
				t.Fatal("the subtest made no fleet")
			}
			for _, name := range kept {
				if !fleetExists(t, e, probe, name) {
					t.Errorf("%s was dropped under HOIST_TEST_KEEP=1", name)
					continue
				}
				remove(t, e, probe, name)
			}
		})
	}
}
