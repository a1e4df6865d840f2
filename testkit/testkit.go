package testkit

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/hoistdb/hoist/dialect"
)

// DB is one disposable database.
type DB struct {
	// DB is an open handle on the database, bounded to 10 connections.
	// testkit closes it in t.Cleanup.
	DB *sql.DB
	// DSN is what sql.Open(Driver, DSN) takes to open the same database
	// again, from this process or another one.
	DSN string
	// Driver is the database/sql driver name: "pgx", "mysql" or "sqlite".
	Driver string
	// Dialect is the hoist dialect of the database's engine.
	Dialect dialect.Dialect
}

// maxOpenConns bounds every returned pool.
const maxOpenConns = 10

// setupTimeout bounds creating, opening and dropping one database.
const setupTimeout = time.Minute

// errNotConfigured is returned by a server constructor when its
// environment variable is unset.
var errNotConfigured = errors.New("not configured")

// server hands out fresh databases on one database engine.
type server interface {
	// create makes a new empty database called name and returns the DSN
	// that opens it.
	create(ctx context.Context, name string) (dsn string, err error)
	// drop removes the database called name; it is closed already.
	drop(ctx context.Context, name string) error
	// redact masks the password in a DSN that create returned.
	redact(dsn string) string
}

// engine describes one engine to the provider functions.
type engine struct {
	title   string // for messages: "PostgreSQL"
	driver  string
	dialect dialect.Dialect
	// env and example say how to configure the engine's server.
	env, example string
}

// open returns a new database on srv, or skips or fails t when srv could
// not be had.
func open(t testing.TB, e engine, srv server, srvErr error) *DB {
	t.Helper()
	if errors.Is(srvErr, errNotConfigured) {
		unavailable(t, e)
		return nil
	}
	if srvErr != nil {
		t.Fatalf("testkit: %s server from %s: %v", e.title, e.env, srvErr)
	}

	name := "hoist_test_" + randomHex(4)
	ctx, cancel := context.WithTimeout(context.Background(), setupTimeout)
	defer cancel()
	dsn, err := srv.create(ctx, name)
	if err != nil {
		t.Fatalf("testkit: create %s database %s: %v", e.title, name, err)
	}
	db, err := sql.Open(e.driver, dsn)
	if err != nil {
		dropNow(t, e, srv, name)
		t.Fatalf("testkit: open %s database %s: %v", e.title, srv.redact(dsn), err)
	}
	db.SetMaxOpenConns(maxOpenConns)
	t.Cleanup(func() {
		if err := db.Close(); err != nil {
			t.Errorf("testkit: close %s database %s: %v", e.title, name, err)
		}
		if t.Failed() || os.Getenv("HOIST_TEST_KEEP") == "1" {
			t.Logf("testkit: kept %s database %s (drop it when done): %s", e.title, name, srv.redact(dsn))
			return
		}
		dropNow(t, e, srv, name)
	})
	if err := db.PingContext(ctx); err != nil {
		t.Fatalf("testkit: connect to %s database %s: %v", e.title, srv.redact(dsn), err)
	}
	return &DB{DB: db, DSN: dsn, Driver: e.driver, Dialect: e.dialect}
}

// dropNow drops a database from a cleanup, with a fresh context: the
// test's own context is cancelled by then.
func dropNow(t testing.TB, e engine, srv server, name string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), setupTimeout)
	defer cancel()
	if err := srv.drop(ctx, name); err != nil {
		t.Errorf("testkit: drop %s database %s: %v", e.title, name, err)
	}
}

// unavailable skips t, or fails it under HOIST_TEST_REQUIRE=1, saying how
// to configure the missing server.
func unavailable(t testing.TB, e engine) {
	t.Helper()
	how := fmt.Sprintf("set %s, for example %s='%s'", e.env, e.env, e.example)
	if os.Getenv("HOIST_TEST_REQUIRE") == "1" {
		t.Fatalf("testkit: no %s server and HOIST_TEST_REQUIRE=1: %s", e.title, how)
	}
	t.Skipf("testkit: no %s server: %s (HOIST_TEST_REQUIRE=1 turns this skip into a failure)", e.title, how)
}

// randomHex returns n random bytes in hex.
func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b) // never returns an error: it crashes the program instead
	return hex.EncodeToString(b)
}
