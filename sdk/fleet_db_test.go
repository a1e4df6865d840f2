package sdk_test

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"log"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"testing/fstest"

	gomysql "github.com/go-sql-driver/mysql"

	"github.com/hoistdb/hoist/dialect/mysql"
	"github.com/hoistdb/hoist/sdk"
	"github.com/hoistdb/hoist/testkit"
)

// ExampleWithDatabaseTargets migrates every tenant_* database of a
// MariaDB server at boot, each through a pool of its own; up-to-date
// databases are read in a few queries through the server pool and never
// opened.
func ExampleWithDatabaseTargets() {
	server, err := sql.Open("mysql", "app@tcp(db:3306)/app?parseTime=true")
	if err != nil {
		log.Fatal(err)
	}
	fleet, err := sdk.NewFleet(server, mysql.New(), sdk.TargetPattern("tenant_*"),
		sdk.WithDatabaseTargets(func(name string) (*sql.DB, error) {
			return sql.Open("mysql", "app@tcp(db:3306)/"+name+"?parseTime=true")
		}),
		sdk.WithTargetOptions(sdk.WithFS(migrationsFS)),
		sdk.WithFailurePolicy(sdk.FleetContinue))
	if err != nil {
		log.Fatal(err)
	}
	defer fleet.Close()
	if res, err := fleet.Up(context.Background()); err != nil {
		log.Printf("%d of %d tenant databases failed: %v", res.Count(sdk.TargetFailed), len(res.Targets), err)
	}
}

// dbFleet is a fleet of databases made for one test: on the server of a
// testkit database (MySQL, PostgreSQL) or files in a directory (SQLite).
type dbFleet struct {
	server *testkit.DB // lists and creates the tenants; nil for SQLite
	prefix string      // every tenant's name starts with it
	names  []string
	open   sdk.TargetOpener
	opened *atomic.Int32 // pools the opener opened
	dsn    func(name string) string
	driver string
}

// randomPrefix is "targets_" and 8 hex digits: the databases this
// helper makes carry its name, and two tests never share one.
func randomPrefix() string {
	var b [4]byte
	_, _ = rand.Read(b[:])
	return "targets_" + hex.EncodeToString(b[:])
}

// newDBFleet makes n empty tenants of the engine ("mysql", "postgres",
// "sqlite"), removed when the test ends.
func newDBFleet(t *testing.T, engine string, n int) *dbFleet {
	t.Helper()
	f := &dbFleet{prefix: randomPrefix(), opened: &atomic.Int32{}}
	switch engine {
	case "mysql":
		f.server, f.driver = testkit.MySQL(t), "mysql"
		cfg, err := gomysql.ParseDSN(f.server.DSN)
		if err != nil {
			t.Fatal(err)
		}
		f.dsn = func(name string) string {
			c := cfg.Clone()
			c.DBName = name
			return c.FormatDSN()
		}
	case "postgres":
		f.server, f.driver = testkit.Postgres(t), "pgx"
		u, err := url.Parse(f.server.DSN)
		if err != nil {
			t.Fatal(err)
		}
		f.dsn = func(name string) string {
			c := *u
			c.Path = "/" + name
			return c.String()
		}
	default:
		dir := t.TempDir()
		f.prefix, f.driver = filepath.Join(dir, "tenant"), "sqlite"
		f.dsn = func(name string) string { return "file:" + name + "?_pragma=busy_timeout(10000)" }
	}
	f.open = func(name string) (*sql.DB, error) {
		f.opened.Add(1)
		return sql.Open(f.driver, f.dsn(name))
	}
	for i := range n {
		f.names = append(f.names, f.create(t, fmt.Sprintf("%s_%02d", f.prefix, i)))
	}
	return f
}

// create makes one more tenant, removed when the test ends.
func (f *dbFleet) create(t *testing.T, name string) string {
	t.Helper()
	f.cleanup(t, name)
	var err error
	switch f.driver {
	case "sqlite":
		name += ".db"
		err = os.WriteFile(name, nil, 0o644) // an empty file is an empty database
	default:
		_, err = f.server.DB.Exec("CREATE DATABASE " + f.server.Dialect.QuoteIdent(name))
	}
	if err != nil {
		t.Fatal(err)
	}
	return name
}

// cleanup drops a database tenant when the test ends (SQLite files go
// with the test's directory).
func (f *dbFleet) cleanup(t *testing.T, name string) {
	if f.driver == "sqlite" {
		return
	}
	t.Cleanup(func() {
		q := "DROP DATABASE IF EXISTS " + f.server.Dialect.QuoteIdent(name)
		if f.driver == "pgx" {
			q += " WITH (FORCE)"
		}
		if _, err := f.server.DB.Exec(q); err != nil {
			t.Errorf("dropping %s: %v", name, err)
		}
	})
}

// pattern matches every tenant of the fleet.
func (f *dbFleet) pattern() sdk.Targets {
	if f.driver == "sqlite" {
		return sdk.TargetPattern(f.prefix + "_*.db")
	}
	return sdk.TargetPattern(f.prefix + "_*")
}

// tenant opens one tenant for checks.
func (f *dbFleet) tenant(t *testing.T, name string) *sql.DB {
	t.Helper()
	db, err := sql.Open(f.driver, f.dsn(name))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func (f *dbFleet) fleet(t *testing.T, opts ...sdk.FleetOption) *sdk.Fleet {
	t.Helper()
	return f.fleetWith(t, dbFleetOptions(), opts...)
}

// fleetWith is a fleet of f's tenants with the target options of
// migrations, then opts.
func (f *dbFleet) fleetWith(t *testing.T, migrations sdk.FleetOption, opts ...sdk.FleetOption) *sdk.Fleet {
	t.Helper()
	var server *sql.DB
	d := testkit.SQLite(t).Dialect
	if f.server != nil {
		server, d = f.server.DB, f.server.Dialect
	}
	fl, err := sdk.NewFleet(server, d, f.pattern(), append([]sdk.FleetOption{sdk.WithDatabaseTargets(f.open), migrations}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { fl.Close() })
	return fl
}

// dbFleetOptions are fleetOptions and a migration that runs outside a
// transaction, which a fleet of databases runs as a single database
// would.
func dbFleetOptions() sdk.FleetOption {
	fsys := lifecycleFS()
	fsys["0005_users_name.sql"] = &fstest.MapFile{Data: []byte("-- +hoist up\n-- +hoist no-transaction\nCREATE INDEX users_name ON users (name);\n-- +hoist down\nDROP INDEX users_name ON users;\n")}
	return sdk.WithTargetOptions(sdk.WithFS(fsys), sdk.WithMigrations(seedAdmin), quiet())
}

const dbFleetMigrationCount = fleetMigrationCount + 1

// checkMigrated checks that every migration is applied once to tenant,
// in that database: its history and the Go migration's row.
func (f *dbFleet) checkMigrated(t *testing.T, name string) {
	t.Helper()
	db := f.tenant(t, name)
	if n := countRows(t, db, "SELECT count(*) FROM hoist_migrations WHERE state = 'applied'"); n != dbFleetMigrationCount {
		t.Fatalf("%s has %d applied rows; want %d", name, n, dbFleetMigrationCount)
	}
	if n := countRows(t, db, "SELECT count(*) FROM users WHERE name = 'admin'"); n != 1 {
		t.Fatalf("%s.users has %d admins; want the Go migration's one", name, n)
	}
}

// TestFleetEveryKind migrates a fleet of each kind at once, as the issue
// asks: 50 PostgreSQL schemas, 20 MariaDB databases, 10 SQLite files, and
// 3 PostgreSQL databases. Then the no-op boot of the MariaDB fleet reads
// every database's history through the server pool in three queries and
// opens no tenant.
func TestFleetEveryKind(t *testing.T) {
	t.Parallel()
	ctx := testContext(t)
	pg := testkit.Postgres(t)
	schemas := createSchemas(t, pg, "tenant", 50)
	schemaFleet, err := sdk.NewFleet(pg.DB, pg.Dialect, sdk.TargetPattern("tenant_*"), fleetOptions(), sdk.WithFleetConcurrency(4))
	if err != nil {
		t.Fatal(err)
	}
	kinds := map[string]*dbFleet{
		"mysql":    newDBFleet(t, "mysql", 20),
		"sqlite":   newDBFleet(t, "sqlite", 10),
		"postgres": newDBFleet(t, "postgres", 3),
	}
	fleets := map[string]*sdk.Fleet{"schemas": schemaFleet}
	for k, df := range kinds {
		fleets[k] = df.fleet(t, sdk.WithFleetConcurrency(4))
	}
	var (
		wg      sync.WaitGroup
		mu      sync.Mutex
		results = map[string]*sdk.FleetResult{}
	)
	for k, f := range fleets {
		wg.Add(1)
		go func() {
			defer wg.Done()
			res, err := f.Up(ctx)
			if err != nil {
				t.Errorf("%s: Up: %v", k, err)
			}
			mu.Lock()
			results[k] = res
			mu.Unlock()
		}()
	}
	wg.Wait()
	if t.Failed() {
		t.FailNow()
	}
	if got := results["schemas"].Count(sdk.TargetApplied); got != len(schemas) {
		t.Fatalf("schemas: %d applied; want %d", got, len(schemas))
	}
	for _, s := range schemas {
		if n := historyCount(t, pg.DB, s); n != fleetMigrationCount {
			t.Fatalf("%s has %d applied rows; want %d", s, n, fleetMigrationCount)
		}
	}
	for k, df := range kinds {
		if got := results[k].Count(sdk.TargetApplied); got != len(df.names) {
			t.Fatalf("%s: %d of %d targets applied: %+v", k, got, len(df.names), results[k].Targets)
		}
		for i, tr := range results[k].Targets {
			if tr.Target != df.names[i] || len(tr.Result.Applied) != dbFleetMigrationCount {
				t.Fatalf("%s: target %d is %s with %d applied; want %s with %d", k, i, tr.Target, len(tr.Result.Applied), df.names[i], dbFleetMigrationCount)
			}
			df.checkMigrated(t, tr.Target)
		}
	}

	// The no-op boot of the MariaDB databases: the pattern's list, one
	// catalog query, one UNION ALL; no tenant pool opened.
	my := kinds["mysql"]
	counted, n := openCounting(t, my.server)
	my.opened.Store(0)
	noop, err := sdk.NewFleet(counted, my.server.Dialect, my.pattern(), sdk.WithDatabaseTargets(my.open), dbFleetOptions())
	if err != nil {
		t.Fatal(err)
	}
	res, err := noop.Up(ctx)
	if err != nil || res.Count(sdk.TargetUpToDate) != len(my.names) {
		t.Fatalf("no-op Up: %v, %d of %d up to date", err, res.Count(sdk.TargetUpToDate), len(my.names))
	}
	if n.Load() != 3 || my.opened.Load() != 0 {
		t.Fatalf("the no-op boot of %d MariaDB databases sent %d statements and opened %d tenant pools; want 3 and none", len(my.names), n.Load(), my.opened.Load())
	}
	for k, f := range fleets {
		st, err := f.Status(ctx)
		if err != nil {
			t.Fatalf("%s: Status: %v", k, err)
		}
		for _, s := range st {
			if !s.UpToDate() || s.String() != "up to date" {
				t.Fatalf("%s: Status of %s: %s", k, s.Target, s)
			}
		}
	}
}

// TestFleetDatabasesFailurePolicies: one MariaDB database (and one SQLite
// file) whose second migration fails. Stopping at the first failure
// leaves the later tenants untouched; going on completes every other.
// Both report the failed one with its file and line, and Status shows it
// failed at 2 with that error.
func TestFleetDatabasesFailurePolicies(t *testing.T) {
	t.Parallel()
	for _, engine := range []string{"mysql", "sqlite"} {
		for _, policy := range []sdk.FailurePolicy{sdk.FleetStopAtFirst, sdk.FleetContinue} {
			t.Run(engine+"/"+strings.ReplaceAll(policy.String(), " ", "_"), func(t *testing.T) {
				t.Parallel()
				ctx := testContext(t)
				df := newDBFleet(t, engine, 5)
				if _, err := df.tenant(t, df.names[2]).Exec("CREATE TABLE posts (id INTEGER)"); err != nil {
					t.Fatal(err)
				}
				f := df.fleet(t, sdk.WithFleetConcurrency(1), sdk.WithFailurePolicy(policy))
				res, err := f.Up(ctx)
				var me *sdk.MigrationError
				if !errors.As(err, &me) || me.Version != 2 || !strings.Contains(err.Error(), df.names[2]) || !strings.Contains(me.File, "0002_create_posts") || me.Line != 1 {
					t.Fatalf("Up: %v; want %s's MigrationError at 0002_create_posts line 1", err, df.names[2])
				}
				for i, tr := range res.Targets {
					want := sdk.TargetApplied
					switch {
					case i == 2:
						want = sdk.TargetFailed
					case i > 2 && policy == sdk.FleetStopAtFirst:
						want = sdk.TargetNotReached
					}
					if tr.State != want {
						t.Fatalf("%s: %v; want %v", tr.Target, tr.State, want)
					}
					if want == sdk.TargetApplied {
						df.checkMigrated(t, tr.Target)
					}
				}
				st, err := f.Status(ctx)
				if err != nil {
					t.Fatal(err)
				}
				for i, s := range st {
					want := "up to date"
					switch {
					case i == 2:
						want = "failed at 2"
					case i > 2 && policy == sdk.FleetStopAtFirst:
						want = fmt.Sprintf("pending %d", dbFleetMigrationCount)
					}
					if s.String() != want {
						t.Fatalf("Status of %s: %s; want %s", s.Target, s, want)
					}
					if i == 2 && (!errors.As(s.Err, &me) || me.Line != 1) {
						t.Fatalf("Status of %s: Err %v; want the MigrationError", s.Target, s.Err)
					}
				}
				if _, err := df.tenant(t, df.names[2]).Exec("DROP TABLE posts"); err != nil {
					t.Fatal(err)
				}
				if res, err := f.Up(ctx); err != nil || res.Count(sdk.TargetFailed) != 0 {
					t.Fatalf("Up after the fix: %v", err)
				}
				for _, s := range df.names {
					df.checkMigrated(t, s)
				}
				if st, err := f.Status(ctx); err != nil || st[2].Err != nil || !st[2].UpToDate() {
					t.Fatalf("Status after the fix: %v, %v", st, err)
				}
			})
		}
	}
}

// TestFleetDatabasesCancel: a context cancelled while the second MariaDB
// database migrates stops the run there; each target reports its true
// state (the history says the same), the ones not reached have no history
// table, and the next run completes the fleet.
func TestFleetDatabasesCancel(t *testing.T) {
	t.Parallel()
	df := newDBFleet(t, "mysql", 5)
	ctx, cancel := context.WithCancel(testContext(t))
	var calls atomic.Int32
	cancelling := sdk.GoMigration(6, "cancel_on_second_tenant",
		func(ctx context.Context, tx sdk.Tx) error {
			if calls.Add(1) == 2 {
				cancel()
			}
			return nil
		}, nil)
	f := df.fleet(t, sdk.WithTargetOptions(sdk.WithMigrations(cancelling)), sdk.WithFleetConcurrency(1), sdk.WithFailurePolicy(sdk.FleetContinue))
	res, err := f.Up(ctx)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("Up: %v; want context.Canceled", err)
	}
	want := []sdk.TargetState{sdk.TargetApplied, sdk.TargetFailed, sdk.TargetNotReached, sdk.TargetNotReached, sdk.TargetNotReached}
	for i, tr := range res.Targets {
		if i == 1 && tr.State == sdk.TargetApplied { // its commit won the race
			continue
		}
		if tr.State != want[i] {
			t.Fatalf("%s: %v; want %v", tr.Target, tr.State, want[i])
		}
	}
	second := df.tenant(t, df.names[1])
	if got := countRows(t, second, "SELECT count(*) FROM hoist_migrations WHERE state = 'applied'"); got != len(res.Targets[1].Result.Applied) {
		t.Fatalf("%s: the Result lists %d applied, its history %d", df.names[1], len(res.Targets[1].Result.Applied), got)
	}
	for _, s := range df.names[2:] {
		if n := countRows(t, df.server.DB, "SELECT count(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA = '"+s+"'"); n != 0 {
			t.Fatalf("%s, not reached, has %d tables", s, n)
		}
	}
	st, err := f.Status(testContext(t))
	if err != nil {
		t.Fatal(err)
	}
	if st[0].String() != "up to date" || st[1].Err != nil || st[4].String() != fmt.Sprintf("pending %d", dbFleetMigrationCount+1) {
		t.Fatalf("Status after the cancelled run: %v; want the first up to date, no remembered error for the cancelled one, the last pending %d", st, dbFleetMigrationCount+1)
	}
	res, err = f.Up(testContext(t))
	if err != nil || res.Count(sdk.TargetUpToDate)+res.Count(sdk.TargetApplied) != len(df.names) {
		t.Fatalf("the next run: %v", err)
	}
	for _, s := range df.names {
		if got := countRows(t, df.tenant(t, s), "SELECT count(*) FROM hoist_migrations WHERE state = 'applied'"); got != dbFleetMigrationCount+1 {
			t.Fatalf("%s has %d applied rows after the next run", s, got)
		}
	}
}

// TestFleetDatabasesEnsure creates a new tenant of each database kind in
// one call (the database or file, its migrations, its seeds), then sends
// nothing for it on the next call.
func TestFleetDatabasesEnsure(t *testing.T) {
	t.Parallel()
	seeds := fstest.MapFS{"01_plans.sql": {Data: []byte("-- +hoist once\nINSERT INTO tags (id, label) VALUES (2, 'seeded');\n")}}
	for _, engine := range []string{"mysql", "postgres", "sqlite"} {
		t.Run(engine, func(t *testing.T) {
			t.Parallel()
			ctx := testContext(t)
			df := newDBFleet(t, engine, 0)
			f := df.fleet(t, sdk.WithTargetOptions(sdk.WithSeedFS(seeds)))
			name := df.prefix + "_new"
			if engine == "sqlite" {
				name += ".db"
			}
			df.cleanup(t, name)
			st, err := f.Status(ctx)
			if err != nil || len(st) != 0 {
				t.Fatalf("Status of an empty fleet: %v, %v", st, err)
			}
			res, err := f.Ensure(ctx, name)
			if err != nil || len(res.Applied) != dbFleetMigrationCount {
				t.Fatalf("Ensure: %v, %v", res, err)
			}
			df.checkMigrated(t, name)
			if n := countRows(t, df.tenant(t, name), "SELECT count(*) FROM tags WHERE label = 'seeded'"); n != 1 {
				t.Fatalf("the seeder ran %d times; want once", n)
			}
			df.opened.Store(0)
			if res, err := f.Ensure(ctx, name); err != nil || len(res.Applied) != 0 || df.opened.Load() != 0 {
				t.Fatalf("second Ensure: %v, %v, %d pools opened; want nothing done", res, err, df.opened.Load())
			}
			st, err = f.Status(ctx)
			if err != nil || len(st) != 1 || !st[0].UpToDate() || st[0].Target != name {
				t.Fatalf("Status after Ensure: %v, %v", st, err)
			}
		})
	}
}

// TestFleetDatabasesMissing: a listed database or file that does not
// exist fails by name and shows as "no database" or "no file"; Up does
// not create it.
func TestFleetDatabasesMissing(t *testing.T) {
	t.Parallel()
	for _, engine := range []string{"mysql", "postgres", "sqlite"} {
		t.Run(engine, func(t *testing.T) {
			t.Parallel()
			ctx := testContext(t)
			df := newDBFleet(t, engine, 1)
			missing, noun := df.prefix+"_missing", "database"
			var server *sql.DB
			d := testkit.SQLite(t).Dialect
			if df.server != nil {
				server, d = df.server.DB, df.server.Dialect
			} else {
				missing, noun = missing+".db", "file"
			}
			f, err := sdk.NewFleet(server, d, sdk.TargetList(df.names[0], missing), sdk.WithDatabaseTargets(df.open), dbFleetOptions(), sdk.WithFailurePolicy(sdk.FleetContinue))
			if err != nil {
				t.Fatal(err)
			}
			res, err := f.Up(ctx)
			if err == nil || !strings.Contains(err.Error(), noun+" "+missing+" does not exist") || res.Targets[0].State != sdk.TargetApplied {
				t.Fatalf("Up: %v, %+v", err, res.Targets)
			}
			st, err := f.Status(ctx)
			if err != nil || st[1].String() != "no "+noun || !st[0].UpToDate() {
				t.Fatalf("Status: %v, %v", st, err)
			}
			if _, err := os.Stat(missing); engine == "sqlite" && err == nil {
				t.Fatal("Up created the missing file")
			}
		})
	}
}

// TestNewFleetOfDatabasesRefuses: names that cannot be a database, and a
// dialect without WithDatabaseTargets, fail at NewFleet.
func TestNewFleetOfDatabasesRefuses(t *testing.T) {
	t.Parallel()
	my := testkit.MySQL(t)
	open := func(string) (*sql.DB, error) { return nil, errors.New("not opened") }
	for _, tc := range []struct {
		name string
		db   *testkit.DB
		opts []sdk.FleetOption
		tgt  sdk.Targets
		want string
	}{
		{"mysql without databases", my, nil, sdk.TargetList("a"), "WithDatabaseTargets"},
		{"quoted database", my, []sdk.FleetOption{sdk.WithDatabaseTargets(open)}, sdk.TargetList("a`b"), "a MySQL database name"},
		{"nil opener", my, []sdk.FleetOption{sdk.WithDatabaseTargets(nil)}, sdk.TargetList("a"), "nil opener"},
	} {
		_, err := sdk.NewFleet(tc.db.DB, tc.db.Dialect, tc.tgt, append(tc.opts, fleetOptions())...)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: NewFleet: %v; want an error naming %s", tc.name, err, tc.want)
		}
	}
}
