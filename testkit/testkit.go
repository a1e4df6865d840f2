package testkit

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"fmt"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/hoistdb/hoist/dialect"
)

// DB is one disposable database.
type DB struct {
	// DB is an open handle on the database, bounded to 10 connections
	// unless [WithMaxOpenConns] says otherwise. testkit closes it in
	// t.Cleanup.
	DB *sql.DB
	// DSN is what sql.Open(Driver, DSN) takes to open the same database
	// again, from this process or another one.
	DSN string
	// Driver is the database/sql driver name: "pgx", "mysql" or "sqlite".
	Driver string
	// Dialect is the hoist dialect of the database's engine.
	Dialect dialect.Dialect
}

// setupTimeout bounds creating, cloning, opening and dropping one
// database.
const setupTimeout = time.Minute

// server hands out fresh databases on one database engine. Every name it
// is given starts with namePrefix.
type server interface {
	// create makes a new empty database called name and returns the DSN
	// that opens it.
	create(ctx context.Context, name string) (dsn string, err error)
	// drop removes the database called name; it is closed already.
	drop(ctx context.Context, name string) error
	// redact masks the password in a DSN that create returned.
	redact(dsn string) string
	// limiter bounds the databases open at once on the server; nil for
	// no bound.
	limiter() *limiter
	// templates returns what Migrated needs of the server.
	templates() templateStore
	// where says which provider gave the server, for the test log.
	where() string
	// disposable reports whether the server goes away with the test
	// binary, and kept databases with it.
	disposable() bool
}

// engine describes one engine to the provider functions.
type engine struct {
	name    string // as in HOIST_TEST_PROVIDER and Docker labels: "postgres"
	title   string // for messages: "PostgreSQL"
	driver  string
	dialect dialect.Dialect
	// env and example say how to point testkit at an existing server.
	env, example string
	// install says how to get local server binaries.
	install string
	// logged is done once the first test has logged where the engine's
	// databases come from.
	logged sync.Once
}

// open returns a new database on the server that resolve finds, or skips
// or fails t when there is none.
func open(t testing.TB, e *engine, resolve func() (server, error), opts []Option) *DB {
	t.Helper()
	o, err := buildOptions(opts)
	if err != nil {
		t.Fatalf("testkit: %s: %v", e.title, err)
	}
	if o.migrated != nil {
		o.migrated.seen = true
	}
	srv, err := resolve()
	if err != nil {
		unavailable(t, e, err)
		return nil
	}
	e.logged.Do(func() { t.Logf("testkit: %s databases come from %s", e.title, srv.where()) })
	if o.tx && e != sqliteEngine {
		if se, release, ok := openShared(t, e, srv, o.migrated); ok {
			return beginTx(t, e, se.dsn, se, o, release)
		}
	}
	if s, ok := srv.(*sqliteServer); ok && o.tx {
		return openSQLiteTx(t, s, o) // pool_sqlite.go
	}
	release := srv.limiter().acquire(t)

	ctx, cancel := context.WithTimeout(context.Background(), setupTimeout)
	defer cancel()
	name := newDatabaseName(time.Now())
	var (
		dsn string
		db  *sql.DB // open already when it comes from a pool
	)
	if o.migrated != nil {
		dsn, name, db, err = migratedClone(t, e, srv, o.migrated, name)
	} else {
		dsn, err = srv.create(ctx, name)
	}
	if err != nil {
		release()
		t.Fatalf("testkit: create %s database %s: %v", e.title, name, err)
	}
	pooled := db != nil // connected already
	if db == nil {
		if db, err = sql.Open(e.driver, dsn); err != nil {
			dropNow(t, e, srv, name)
			release()
			t.Fatalf("testkit: open %s database %s: %v", e.title, srv.redact(dsn), err)
		}
	}
	db.SetMaxOpenConns(o.maxOpenConns)
	t.Cleanup(func() {
		defer release()
		if err := db.Close(); err != nil {
			t.Errorf("testkit: close %s database %s: %v", e.title, name, err)
		}
		if t.Failed() || os.Getenv("HOIST_TEST_KEEP") == "1" {
			note := "drop it when done; a later test binary drops it after a day"
			if idle, ok := sharedLocalIdle(srv); ok {
				note = fmt.Sprintf("until the shared local server stops, %s after its last client disconnects; drop it when done", idle)
			} else if srv.disposable() {
				note = "until the test binary exits and its server with it"
			}
			kept, keptDSN := keepNow(t, e, srv, name, dsn)
			t.Logf("testkit: kept %s database %s (%s): %s", e.title, kept, note, srv.redact(keptDSN))
			return
		}
		dropNow(t, e, srv, name)
	})
	if !pooled {
		if err := db.PingContext(ctx); err != nil {
			t.Fatalf("testkit: connect to %s database %s: %v", e.title, srv.redact(dsn), err)
		}
	}
	if o.tx { // MigratedTx on a database of the test's own
		return beginTx(t, e, dsn, nil, o, func() {})
	}
	return &DB{DB: db, DSN: dsn, Driver: e.driver, Dialect: e.dialect}
}

// dropNow drops a database from a cleanup, with a fresh context: the
// test's own context is cancelled by then.
func dropNow(t testing.TB, e *engine, srv server, name string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), setupTimeout)
	defer cancel()
	if err := srv.drop(ctx, name); err != nil {
		t.Errorf("testkit: drop %s database %s: %v", e.title, name, err)
	}
}

// keepNow keeps a database for a failed test. A clone from a pool is
// taken out of the pool's bookkeeping first (shelf.go), and an SQLite
// database out of its binary's (ownerLockFile), so that the next
// binary's sweep leaves it for a day like any kept database. It returns
// the name and DSN the database is kept under.
func keepNow(t testing.TB, e *engine, srv server, name, dsn string) (string, string) {
	t.Helper()
	if s, ok := srv.(*sqliteServer); ok {
		s.disown(name)
	}
	sh, ok := srv.(shelfStore)
	if !ok || shelfKind(name) == "" {
		return name, dsn
	}
	ctx, cancel := context.WithTimeout(context.Background(), setupTimeout)
	defer cancel()
	kept, err := sh.keep(ctx, name)
	if err != nil {
		t.Errorf("testkit: keep %s database %s: %v", e.title, name, err)
		return name, dsn
	}
	switch s := srv.(type) {
	case *postgresServer:
		dsn, _ = postgresDSN(s.base, kept)
	case *mysqlServer:
		dsn = s.dsn(kept)
	}
	return kept, dsn
}

// unavailable skips t, or fails it under HOIST_TEST_REQUIRE=1, with what
// resolving a server said: every provider's reason and how to enable
// one. An error that is not an *unavailableError (a configured server
// that does not work) always fails t.
func unavailable(t testing.TB, e *engine, err error) {
	t.Helper()
	u, ok := err.(*unavailableError)
	if !ok {
		t.Fatalf("testkit: %s: %v", e.title, err)
	}
	if os.Getenv("HOIST_TEST_REQUIRE") == "1" {
		t.Fatalf("testkit: no %s server and HOIST_TEST_REQUIRE=1; %s", e.title, u.details())
	}
	t.Skipf("testkit: no %s server; %s\n(HOIST_TEST_REQUIRE=1 turns this skip into a failure)", e.title, u.details())
}

// randomHex returns n random bytes in hex.
func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b) // never returns an error: it crashes the program instead
	return hex.EncodeToString(b)
}

// stopFuncs are what Main calls when the tests are done: stopping the
// servers and containers testkit started.
var stopFuncs struct {
	mu  sync.Mutex
	fns []func()
}

// atExit registers fn to run in Main, or never when Main is not used:
// then each thing started must clean up after the test binary by itself.
func atExit(fn func()) {
	stopFuncs.mu.Lock()
	defer stopFuncs.mu.Unlock()
	stopFuncs.fns = append(stopFuncs.fns, fn)
}

// Main runs the tests of a package, then stops the local servers of
// its own (under HOIST_TEST_LOCAL_IDLE=0) and the Docker containers that
// testkit started for them and waits until they are gone. Call it from TestMain when you want that to happen before
// go test returns:
//
//	func TestMain(m *testing.M) { testkit.Main(m) }
//
// Without it nothing is left behind either, only later: a container
// ends at the end of its lifetime (see the package documentation). The
// local servers that test binaries share are not stopped at all: they
// stop by themselves after HOIST_TEST_LOCAL_IDLE without clients; with
// HOIST_TEST_LOCAL_IDLE=0, this binary's own servers stop within a
// second of its exit.
func Main(m *testing.M) {
	code := m.Run()
	stopAll()
	os.Exit(code)
}

// stopAll runs the registered stop functions, newest first.
func stopAll() {
	stopFuncs.mu.Lock()
	fns := stopFuncs.fns
	stopFuncs.fns = nil
	stopFuncs.mu.Unlock()
	for i := len(fns) - 1; i >= 0; i-- {
		fns[i]()
	}
}
