package testkit

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"sync"
	"testing"
	"time"
)

// filePool keeps copies of one SQLite template file ready, each in a
// database directory of its own and with a connection open, so that
// Migrated and MigratedTx hand out a file that exists and a session on
// it: a copy costs a directory, a lock file and the file's bytes, and
// the first connection to it (opening the file, WAL mode) as much
// again, together a millisecond or two, which would be most of what an
// SQLite test waits for.
// SQLite has no shelf (a copy is cheap next to a server's): the pool is
// for this binary alone, and what it holds is removed when the binary
// ends. Each copy's directory holds its binary's owner lock like any
// test database's, so that the copies of a killed binary are swept by
// the next one.
type filePool struct {
	s   *sqliteServer
	tpl string // the template file

	ready chan pooledFile // at most maxPoolSize

	mu      sync.Mutex
	size    int // grows as poolFor's pools do
	fixed   bool
	filling int
	closed  bool
	fills   sync.WaitGroup
}

// pooledFile is a ready copy: its database name, DSN and open
// connection.
type pooledFile struct {
	name, dsn string
	conn      driver.Conn
}

// filePools holds the pool of each template key.
var filePools sync.Map // string → *filePool

// filePoolFor returns the pool of the template tpl of key, making it on
// first use, or nil when pools are off (HOIST_TEST_POOL=0).
func filePoolFor(t testing.TB, s *sqliteServer, key, tpl string) *filePool {
	t.Helper()
	if v, ok := filePools.Load(key); ok {
		return v.(*filePool)
	}
	// A copy is cheap to keep: start with what 8 tests at once take.
	size, fixed := poolSize(maxPoolSize / 2)
	if size == 0 {
		filePools.Store(key, (*filePool)(nil))
		return nil
	}
	limit := maxPoolSize
	if fixed {
		limit = size
	}
	p := &filePool{s: s, tpl: tpl, ready: make(chan pooledFile, limit), size: min(size, limit), fixed: fixed}
	if v, loaded := filePools.LoadOrStore(key, p); loaded {
		return v.(*filePool)
	}
	t.Logf("testkit: keeping %d copies of this SQLite migration set's template ready (HOIST_TEST_POOL)", p.size)
	atExit(p.close)
	p.fill()
	return p
}

// take returns a ready copy, or ok false when there is none; the pool
// refills either way, and grows when it was empty.
func (p *filePool) take() (f pooledFile, ok bool) {
	defer p.fill()
	select {
	case f := <-p.ready:
		return f, true
	default:
	}
	if !p.fixed {
		p.mu.Lock()
		p.size = min(2*p.size, cap(p.ready))
		p.mu.Unlock()
	}
	return pooledFile{}, false
}

// fill starts goroutines that copy the template until the pool is full,
// up to fillWorkers at once.
func (p *filePool) fill() {
	p.mu.Lock()
	defer p.mu.Unlock()
	for !p.closed && p.filling < fillWorkers && len(p.ready)+p.filling < p.size {
		p.filling++
		p.fills.Add(1)
		go func() {
			defer p.fills.Done()
			for p.fillOne() {
			}
			p.mu.Lock()
			p.filling--
			p.mu.Unlock()
		}()
	}
}

// fillOne adds one copy to the pool and reports whether to go on.
func (p *filePool) fillOne() bool {
	p.mu.Lock()
	stop := p.closed || len(p.ready)+p.filling > p.size
	p.mu.Unlock()
	if stop {
		return false
	}
	ctx, cancel := context.WithTimeout(context.Background(), setupTimeout)
	defer cancel()
	name := newDatabaseName(time.Now())
	dsn, err := p.s.clone(ctx, p.tpl, name)
	if err != nil {
		return false // the template went away: the next Migrated finds out
	}
	c, err := connectorFor(sqliteEngine, dsn)
	var conn driver.Conn
	if err == nil {
		conn, err = c.Connect(ctx)
	}
	if err != nil {
		_ = p.s.drop(ctx, name)
		return false
	}
	select {
	case p.ready <- pooledFile{name, dsn, conn}:
		return true
	default:
		_ = conn.Close()
		_ = p.s.drop(ctx, name)
		return false
	}
}

// close, which Main calls when the tests are done, stops filling the
// pool and removes the copies no test used.
func (p *filePool) close() {
	if p == nil {
		return
	}
	p.mu.Lock()
	p.closed = true
	p.mu.Unlock()
	p.fills.Wait()
	for len(p.ready) > 0 {
		f := <-p.ready
		_ = f.conn.Close()
		_ = p.s.drop(context.Background(), f.name)
	}
}

// sqliteMigratedClone is migratedClone on SQLite: a ready copy from the
// pool of the set's template, with its connection (then its name
// replaces name), else a copy made now by cloneMigrated, after which
// the pool starts filling.
func sqliteMigratedClone(t testing.TB, s *sqliteServer, req *migratedRequest, name string) (f pooledFile, err error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), templateBuildTimeout)
	defer cancel()
	key, newMigrator, uncached, kerr := templateKey(ctx, sqliteEngine, s, req.opts)
	if kerr == nil && uncached == "" {
		if v, ok := filePools.Load(key); ok && v.(*filePool) != nil {
			if f, ok := v.(*filePool).take(); ok {
				return f, nil
			}
		}
	}
	dsn, err := cloneMigrated(t, sqliteEngine, s, req, name)
	if err != nil || kerr != nil || uncached != "" {
		return pooledFile{name: name, dsn: dsn}, err
	}
	if te := templateFor(ctx, t.Logf, sqliteEngine, s, key, newMigrator); te.err == nil {
		filePoolFor(t, s, key, te.name)
	}
	return pooledFile{name: name, dsn: dsn}, nil
}

// handle returns an *sql.DB on the copy f whose first connection is the
// one the pool opened, nil when it has none.
func (f pooledFile) handle() (*sql.DB, error) {
	if f.conn == nil {
		return nil, nil
	}
	c, err := connectorFor(sqliteEngine, f.dsn)
	if err != nil {
		_ = f.conn.Close()
		return nil, err
	}
	return sql.OpenDB(&firstConnector{Connector: c, first: f.conn}), nil
}

// openSQLiteTx is MigratedTx on SQLite: a migrated copy of the test's
// own, removed when the test ends, on which the test's transaction is
// the one connection opened.
func openSQLiteTx(t testing.TB, s *sqliteServer, o *options) *DB {
	t.Helper()
	f, err := sqliteMigratedClone(t, s, o.migrated, newDatabaseName(time.Now()))
	if err != nil {
		t.Fatalf("testkit: MigratedTx: create SQLite database: %v", err)
	}
	// Registered before beginTx's cleanup, so it runs after the
	// connection is closed.
	t.Cleanup(func() { dropNow(t, sqliteEngine, s, f.name) })
	return beginTxOn(t, sqliteEngine, f.conn, f.dsn, nil, o, func() {})
}
