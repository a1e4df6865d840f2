package testkit

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"sync"
	"testing"
	"time"

	"github.com/hoistdb/hoist/sdk"
)

// MigratedTx returns a migrated database of the engine kind names, like
// [Migrated], in which the test works inside a transaction that is
// rolled back when the test ends: the go-txdb and Rails transactional
// tests model, for the many tests that only read and write rows.
//
//	db := testkit.MigratedTx(t, testkit.Postgres, sdk.WithFS(migrations.FS))
//	users.Create(t, db) // a Factory works as usual
//
// On PostgreSQL and MySQL every MigratedTx test of one migration set in
// the test binary shares one migrated database (copied once from the
// template), and each test pins one connection to it and begins a
// transaction; nothing a test writes is ever committed, so another test
// never sees it. SQLite allows one writer at a time, so there each test
// gets a migrated copy of its own (a file copy), in a transaction too.
//
// db.DB is an *sql.DB whose every connection is that one transaction:
// BeginTx on it opens a savepoint, and the transaction's Commit and
// Rollback release it and roll back to it. A statement that would end
// the test's transaction — COMMIT, ROLLBACK, BEGIN, and on MySQL and
// MariaDB the DDL and other statements that commit implicitly — is
// refused with an error and fails the test, naming the statement (see
// the package documentation for the list). db.DSN is empty: another
// process cannot join the transaction.
//
// One connection means one statement at a time: a query run while the
// rows of another are still open fails with the driver's "busy" error,
// and on PostgreSQL a failing statement aborts the whole transaction, as
// in any transaction (run a statement expected to fail inside
// db.DB.BeginTx and roll that back). Tests writing the same unique key at
// the same time wait for each other's row locks.
//
// The shared database is dropped by [Main] when the tests end; without
// Main it is left to the sweep of a later test binary (after a day on an
// existing server) or goes with the server testkit started.
func MigratedTx(t testing.TB, kind Kind, opts ...sdk.Option) *DB {
	t.Helper()
	if kind == nil {
		t.Fatal("testkit: MigratedTx: nil kind; pass testkit.Postgres, testkit.MySQL or testkit.SQLite")
	}
	req := &migratedRequest{opts: opts}
	db := kind(t, func(o *options) error {
		o.migrated = req
		o.tx = true
		return nil
	})
	if !req.seen {
		t.Fatal("testkit: MigratedTx: the kind did not pass its options on to testkit.Postgres, MySQL or SQLite, so the database it returned is not migrated")
	}
	return db
}

// sharedEntry is the database that the MigratedTx tests of one migration
// set share on one server.
type sharedEntry struct {
	once sync.Once
	dsn  string
	err  error
	// conns bounds the connections pinned to it at once.
	conns chan struct{}
	// idle holds PostgreSQL connections whose test ended, for the next
	// test: a new PostgreSQL session costs a server process, some 10-20
	// ms, which would be most of what a MigratedTx test waits for.
	idle chan driver.Conn
}

// shared holds the sharedEntry of each engine and template key.
var shared sync.Map // string → *sharedEntry

// openShared returns the DSN of the database shared by the MigratedTx
// tests of req's migration set, creating it on first use, and a release
// of the connection slot taken for the test. ok is false when the set
// cannot be shared (a Go migration that cannot be keyed), so that the
// test gets a database of its own.
func openShared(t testing.TB, e *engine, srv server, req *migratedRequest) (se *sharedEntry, release func(), ok bool) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), templateBuildTimeout)
	defer cancel()
	key, _, uncached, err := templateKey(ctx, e, srv.templates(), req.opts)
	if err != nil {
		t.Fatalf("testkit: MigratedTx: %s: %v", e.title, err)
	}
	if uncached != "" {
		t.Logf("testkit: MigratedTx: this test gets a database of its own, since %s", uncached)
		return nil, nil, false
	}
	v, _ := shared.LoadOrStore(e.name+" "+key, &sharedEntry{conns: make(chan struct{}, defaultMaxOpenConns), idle: make(chan driver.Conn, defaultMaxOpenConns)})
	se = v.(*sharedEntry)
	se.once.Do(func() {
		// A clone from the pool or the shelf when there is one: the
		// tests of a binary's first moments wait for it.
		var db *sql.DB
		name := newDatabaseName(time.Now())
		se.dsn, name, db, se.err = migratedClone(t, e, srv, req, name)
		if se.err != nil {
			return
		}
		if db != nil {
			_ = db.Close()
		}
		t.Logf("testkit: MigratedTx: %s database %s is shared by this test binary's MigratedTx tests of this migration set", e.title, name)
		atExit(func() {
			for len(se.idle) > 0 {
				_ = (<-se.idle).Close()
			}
			dctx, dcancel := context.WithTimeout(context.Background(), setupTimeout)
			defer dcancel()
			_ = srv.drop(dctx, name)
		})
	})
	if se.err != nil {
		t.Fatalf("testkit: MigratedTx: create the shared %s database: %v", e.title, se.err)
	}
	// The test holds one of the shared database's connections, which
	// bound what MigratedTx tests take of the server. It takes no slot of
	// the server's limiter: a slot stands for a database of up to
	// defaultMaxOpenConns connections, and waiting for one made every
	// test beyond the slots wait for another test's whole work.
	select {
	case se.conns <- struct{}{}:
	case <-time.After(time.Minute):
		t.Logf("testkit: MigratedTx: waited a minute for one of %d connections to the shared database; going on over the bound", cap(se.conns))
		return se, func() {}, true
	}
	return se, sync.OnceFunc(func() { <-se.conns }), true
}

// beginTx opens one connection to the database dsn names (or reuses an
// idle one of se, when se is not nil), begins the test's transaction on
// it and returns a DB whose every connection is that transaction, rolled
// back in t.Cleanup.
func beginTx(t testing.TB, e *engine, dsn string, se *sharedEntry, o *options, release func()) *DB {
	t.Helper()
	return beginTxOn(t, e, nil, dsn, se, o, release)
}

// beginTxOn is beginTx on conn, a connection to dsn opened already,
// when it is not nil.
func beginTxOn(t testing.TB, e *engine, conn driver.Conn, dsn string, se *sharedEntry, o *options, release func()) *DB {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), setupTimeout)
	defer cancel()
	if conn == nil && se != nil {
		select {
		case conn = <-se.idle:
		default:
		}
	}
	reused := conn != nil && se != nil
	if conn == nil {
		conn = connectTx(ctx, t, e, dsn, release)
	}
	p := &pinned{conn: conn, dialect: e.dialect, t: t}
	begin := []string{"BEGIN"}
	switch {
	case e == mysqlEngine && reused:
		// autocommit is off on a session kept from an earlier test: its
		// ROLLBACK began the next transaction already.
		begin = nil
	case e == postgresEngine && reused:
		// The earlier test's cleanup began this test's transaction.
		begin = nil
	case e == mysqlEngine:
		// After an implicit commit that the statement check could not
		// see (a stored procedure's DDL), what follows still runs in a
		// transaction that is rolled back.
		begin = []string{"SET autocommit = 0", "START TRANSACTION"}
	}
	for _, s := range begin {
		if err := p.exec(ctx, s); err != nil {
			_ = conn.Close()
			release()
			t.Fatalf("testkit: MigratedTx: %s on the %s database: %v", s, e.title, err)
		}
	}
	db := sql.OpenDB(txConnector{p: p})
	db.SetMaxOpenConns(o.maxOpenConns)
	t.Cleanup(func() {
		defer release()
		if err := db.Close(); err != nil {
			t.Errorf("testkit: MigratedTx: close: %v", err)
		}
		p.mu.Lock()
		defer p.mu.Unlock()
		rctx, rcancel := context.WithTimeout(context.Background(), setupTimeout)
		defer rcancel()
		err := p.exec(rctx, "ROLLBACK")
		if err != nil {
			t.Errorf("testkit: MigratedTx: roll back the test's transaction: %v", err)
		}
		// A rolled-back PostgreSQL session keeps nothing of the test
		// (SET and temporary tables are transactional there) but its
		// session advisory locks: release them and keep the session. A
		// MySQL session keeps what a test set in it (session variables,
		// user variables, temporary tables, named locks): keep it only
		// when the test sent nothing that could (p.session).
		keep := err == nil && se != nil && !t.Failed()
		switch {
		case keep && e == postgresEngine:
			// Then begin the next test's transaction here, so that a
			// test that reuses the session waits for no round trip
			// (MySQL's ROLLBACK does that by itself, with autocommit
			// off); an empty transaction holds no lock and no snapshot,
			// and the server's idle_in_transaction_session_timeout must
			// not end it while it waits.
			for _, s := range []string{"SELECT pg_advisory_unlock_all()", "SET idle_in_transaction_session_timeout = 0", "BEGIN"} {
				if keep = p.exec(rctx, s) == nil; !keep {
					break
				}
			}
		case keep && e == mysqlEngine:
			keep = !p.session
		}
		if keep {
			select {
			case se.idle <- conn:
				return
			default:
			}
		}
		if err := conn.Close(); err != nil {
			t.Errorf("testkit: MigratedTx: close the test's connection: %v", err)
		}
		if t.Failed() {
			t.Logf("testkit: MigratedTx: rolled back the failed test's transaction; use testkit.Migrated to keep a failed test's database")
		}
	})
	return &DB{DB: db, Driver: e.driver, Dialect: e.dialect}
}

// connectTx opens a connection of the driver of e to the database dsn
// names, outside any pool.
func connectTx(ctx context.Context, t testing.TB, e *engine, dsn string, release func()) driver.Conn {
	t.Helper()
	c, err := connectorFor(e, dsn)
	var conn driver.Conn
	if err == nil {
		conn, err = c.Connect(ctx)
	}
	if err != nil {
		release()
		t.Fatalf("testkit: MigratedTx: connect to the %s database: %v", e.title, err)
	}
	return conn
}

// connectorFor returns a connector of the driver of e to dsn.
func connectorFor(e *engine, dsn string) (driver.Connector, error) {
	probe, err := sql.Open(e.driver, dsn)
	if err != nil {
		return nil, err
	}
	drv := probe.Driver()
	_ = probe.Close()
	if dc, ok := drv.(driver.DriverContext); ok {
		return dc.OpenConnector(dsn)
	}
	return dsnConnector{drv, dsn}, nil
}

// dsnConnector is the connector of a driver that has none of its own.
type dsnConnector struct {
	drv driver.Driver
	dsn string
}

func (c dsnConnector) Connect(context.Context) (driver.Conn, error) { return c.drv.Open(c.dsn) }

func (c dsnConnector) Driver() driver.Driver { return c.drv }

// firstConnector hands out a connection opened in advance, then makes
// new ones: a pooled database's handle starts with the pool's session.
type firstConnector struct {
	driver.Connector
	mu    sync.Mutex
	first driver.Conn
}

// Close closes the connection opened in advance if no handle took it;
// sql.DB.Close calls it.
func (c *firstConnector) Close() error {
	c.mu.Lock()
	conn := c.first
	c.first = nil
	c.mu.Unlock()
	if conn != nil {
		return conn.Close()
	}
	return nil
}

func (c *firstConnector) Connect(ctx context.Context) (driver.Conn, error) {
	c.mu.Lock()
	conn := c.first
	c.first = nil
	c.mu.Unlock()
	if conn != nil {
		return conn, nil
	}
	return c.Connector.Connect(ctx)
}
