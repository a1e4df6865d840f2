package testkit

import (
	"context"
	"database/sql"
	"math/rand/v2"
	"os"
	"runtime"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hoistdb/hoist/sdk"
)

// clonePool keeps clones of one template ready, connected, so that
// Migrated hands out a database that exists and has a session open: on
// a server with fsync on, a copy costs some 100 ms and the first session
// of a new PostgreSQL database tens more, so a test that waited for
// either would wait far more than its own work. The pool refills in the
// background while the tests run, and when the test binary ends it puts
// the clones no test used on the server's shelf (shelf.go) and tops the
// shelf up to what this binary used, so that the next binary's tests
// find their databases ready from the first one.
//
// A pool exists only for a template that was built or found complete,
// or for clones taken from the shelf (complete by construction), so a
// failed or killed build never fills one. A clone that a test used is
// dropped at the test's end like any test database.
type clonePool struct {
	e   *engine
	srv server
	sh  shelfStore
	key string

	// fixed is set when HOIST_TEST_POOL gives the size.
	fixed bool
	ready chan pooledClone // at most maxPoolSize
	// takes counts the clones Migrated asked for, the demand that the
	// shelf is topped up to when the binary ends.
	takes atomic.Int64

	mu sync.Mutex
	// size is how many clones the pool keeps ready. A take that finds
	// none doubles it, up to maxPoolSize: the tests ask for more than
	// the pool holds.
	size int
	tpl  string // the template's name, once this binary knows it
	// shelf holds the clones on the shelf, listed once when the pool was
	// made, that nobody here has tried to claim yet: the pool's workers
	// and its takes share one listing. Clones that other binaries shelve
	// later are not missed much: this binary makes its own from the
	// template.
	shelf   []string
	filling int // fill goroutines running
	closed  bool
	fills   sync.WaitGroup
	done    sync.Once // close or discard
}

// pooledClone is a claimed clone with an open handle.
type pooledClone struct {
	name, dsn string
	db        *sql.DB
}

// pools holds the pool of each engine and template key, and poolMakers
// the lock under which it is made.
var pools, poolMakers sync.Map // string → *clonePool, *sync.Mutex

// Bounds of the pools: maxPoolSize clones ready and connected per set of
// migrations (each holds one connection), maxShelf left on the shelf per
// set, fillWorkers clones made or claimed at once, and exitFillTimeout
// of topping the shelf up when the binary ends.
const (
	maxPoolSize     = 16
	maxShelf        = 32
	fillWorkers     = 3
	exitFillTimeout = 20 * time.Second
)

// poolSize is how many clones a pool keeps ready at first, and whether
// that is fixed: HOIST_TEST_POOL when set (0 turns pools off), else what
// an earlier binary left on the shelf (what it used), at least the CPU
// count, at most maxPoolSize.
func poolSize(shelved int) (n int, fixed bool) {
	if v, err := strconv.Atoi(os.Getenv("HOIST_TEST_POOL")); err == nil && v >= 0 {
		return v, true
	}
	return min(max(runtime.NumCPU(), shelved), maxPoolSize), false
}

// poolCap bounds a pool's size by the server's connection budget for
// this binary, since each ready clone holds a connection: a quarter of
// what slots tests of up to defaultMaxOpenConns connections may hold
// (10 on a server of 100 connections), the rest being the tests' own.
func poolCap(slots int) int {
	if slots > 0 {
		return max(min(maxPoolSize, slots*defaultMaxOpenConns/4), 1)
	}
	return maxPoolSize
}

// shelfTarget is how many clones the pool leaves on the shelf when the
// binary ends: HOIST_TEST_POOL when set, else as many as the binary used,
// at least the pool's size, at most maxShelf.
func (p *clonePool) shelfTarget() int {
	if v, err := strconv.Atoi(os.Getenv("HOIST_TEST_POOL")); err == nil && v >= 0 {
		return v
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	return min(max(int(p.takes.Load()), p.size), maxShelf)
}

// poolFor returns the pool of key, making it on first use, or nil when
// the server has no shelf or pools are off. A new pool looks the
// template up in the background (ensureTemplate, which builds it when
// no binary has), so that it can make clones, and top the shelf up when
// the binary ends, even when every test's clone came from the shelf.
func poolFor(t testing.TB, e *engine, srv server, key string, newMigrator func(*sql.DB) (*sdk.Migrator, error)) *clonePool {
	t.Helper()
	if v, ok := pools.Load(e.name + " " + key); ok {
		return v.(*clonePool)
	}
	sh, ok := srv.(shelfStore)
	if !ok {
		return nil // SQLite: its copies have a pool of their own (pool_sqlite.go)
	}
	// The first tests of a binary start together: one of them lists the
	// shelf and makes the pool, the others wait for it rather than each
	// listing on a connection of its own (a new session costs 10 ms).
	mu, _ := poolMakers.LoadOrStore(e.name+" "+key, new(sync.Mutex))
	mu.(*sync.Mutex).Lock()
	defer mu.(*sync.Mutex).Unlock()
	if v, ok := pools.Load(e.name + " " + key); ok {
		return v.(*clonePool)
	}
	ctx, cancel := context.WithTimeout(context.Background(), setupTimeout)
	defer cancel()
	shelved, _ := sh.shelved(ctx, key)
	slots := 0
	if l := srv.limiter(); l != nil {
		slots = l.max
	}
	size, fixed := poolSize(len(shelved))
	if size == 0 {
		pools.Store(e.name+" "+key, (*clonePool)(nil)) // off: ask the shelf once
		return nil
	}
	limit := poolCap(slots)
	if fixed {
		limit = size
	}
	size = min(size, limit)
	// Binaries starting together take from the shelf together: start at
	// a place of our own.
	if n := len(shelved); n > 1 {
		off := rand.IntN(n)
		shelved = append(shelved[off:], shelved[:off]...)
	}
	p := &clonePool{e: e, srv: srv, sh: sh, key: key, size: size, fixed: fixed, ready: make(chan pooledClone, limit), shelf: shelved}
	if v, loaded := pools.LoadOrStore(e.name+" "+key, p); loaded {
		return v.(*clonePool)
	}
	t.Logf("testkit: keeping %d connected clones of this %s migration set ready, %d found on the server's shelf (HOIST_TEST_POOL)", size, e.title, len(shelved))
	atExit(p.close)
	p.fills.Add(1)
	go func() {
		defer p.fills.Done()
		ctx, cancel := context.WithTimeout(context.Background(), templateBuildTimeout)
		defer cancel()
		// No test to log to: the first test that waits for the
		// template logs its build.
		if te := templateFor(ctx, nil, e, srv, key, newMigrator); te.err == nil {
			p.setTemplate(te.name)
		}
	}()
	p.fill()
	return p
}

// take returns a clone ready to use: one the pool holds, else one it
// claims from the shelf now. ok is false when there is neither; the pool
// refills either way.
func (p *clonePool) take(ctx context.Context) (c pooledClone, ok bool) {
	p.takes.Add(1)
	defer p.fill()
	select {
	case c := <-p.ready:
		return c, true
	default:
	}
	if !p.fixed {
		p.mu.Lock()
		p.size = min(2*p.size, cap(p.ready))
		p.mu.Unlock()
	}
	if c, err := p.claimShelved(ctx); err == nil && c.db != nil {
		return c, true
	}
	// The pool's own workers may have claimed the last clones of the
	// shelf, or be making clones: one of theirs comes sooner than a clone
	// made now.
	for {
		p.mu.Lock()
		filling := p.filling
		p.mu.Unlock()
		select {
		case c := <-p.ready:
			return c, true
		case <-time.After(20 * time.Millisecond):
		}
		if filling == 0 {
			return pooledClone{}, false
		}
	}
}

// setTemplate tells the pool the name of its template, which lets it
// make clones when the shelf is empty.
func (p *clonePool) setTemplate(tpl string) {
	p.mu.Lock()
	p.tpl = tpl
	p.mu.Unlock()
	p.fill()
}

// claimShelved claims a clone from the shelf and connects to it; c.db is
// nil when the shelf is empty.
func (p *clonePool) claimShelved(ctx context.Context) (pooledClone, error) {
	for {
		p.mu.Lock()
		if len(p.shelf) == 0 {
			p.mu.Unlock()
			return pooledClone{}, nil
		}
		name := p.shelf[0]
		p.shelf = p.shelf[1:]
		p.mu.Unlock()
		claimed, dsn, ok, err := p.sh.claim(ctx, name)
		if err != nil {
			return pooledClone{}, err
		}
		if ok {
			return p.connect(ctx, claimed, dsn)
		}
	}
}

// connect opens a handle on a claimed clone and its first session, or
// drops the clone.
func (p *clonePool) connect(ctx context.Context, name, dsn string) (pooledClone, error) {
	db, err := sql.Open(p.e.driver, dsn)
	if err == nil {
		if err = db.PingContext(ctx); err != nil {
			db.Close()
		}
	}
	if err != nil {
		p.drop(name)
		return pooledClone{}, err
	}
	return pooledClone{name: name, dsn: dsn, db: db}, nil
}

// fill starts goroutines that claim or make clones until the pool is
// full, up to fillWorkers at once. A worker that fails stops: the next
// take starts one again.
func (p *clonePool) fill() {
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

// fillOne adds one clone to the pool, claimed from the shelf or made
// from the template, and reports whether to go on.
func (p *clonePool) fillOne() bool {
	p.mu.Lock()
	tpl, closed := p.tpl, p.closed
	// The other workers are making one each.
	full := len(p.ready)+p.filling > p.size
	p.mu.Unlock()
	if closed || full {
		return false
	}
	ctx, cancel := context.WithTimeout(context.Background(), setupTimeout)
	defer cancel()
	c, err := p.claimShelved(ctx)
	if err != nil {
		return false
	}
	if c.db == nil {
		if tpl == "" {
			return false // the shelf is empty, and the next Migrated finds the template
		}
		name, dsn, err := p.sh.cloneClaimed(ctx, tpl, p.key)
		if err != nil {
			return false
		}
		if c, err = p.connect(ctx, name, dsn); err != nil {
			return false
		}
	}
	select {
	case p.ready <- c:
		return true
	default: // full after all
		p.unclaim(c)
		return false
	}
}

// close, which Main calls when the tests are done, stops filling the
// pool, puts the clones it holds back on the shelf, and tops the shelf
// up to what this binary used, for the next binary; on a server that
// ends with this binary, it only closes them.
func (p *clonePool) close() {
	if p != nil { // a set whose pool is off
		p.done.Do(func() { p.stop(true) })
	}
}

// discard stops the pool and drops the clones it holds, shelving none:
// for a set of migrations that goes away.
func (p *clonePool) discard() {
	if p != nil {
		p.done.Do(func() { p.stop(false) })
	}
}

func (p *clonePool) stop(shelve bool) {
	p.mu.Lock()
	p.closed = true
	p.mu.Unlock()
	// The template lookup is among the fills: a binary whose tests all
	// took clones from the shelf learns the template here at the latest.
	p.fills.Wait()
	p.mu.Lock()
	tpl := p.tpl
	p.mu.Unlock()
	for len(p.ready) > 0 {
		c := <-p.ready
		if !shelve {
			_ = c.db.Close()
			p.drop(c.name)
			continue
		}
		p.unclaim(c)
	}
	if !shelve || p.srv.disposable() || tpl == "" {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), exitFillTimeout)
	defer cancel()
	shelved, err := p.sh.shelved(ctx, p.key)
	if err != nil {
		return
	}
	missing := p.shelfTarget() - len(shelved)
	var wg sync.WaitGroup
	var made atomic.Int64
	for range min(fillWorkers, max(missing, 0)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for ctx.Err() == nil && made.Add(1) <= int64(missing) {
				if p.sh.shelve(ctx, tpl, p.key) != nil {
					return
				}
			}
		}()
	}
	wg.Wait()
}

// unclaim closes a clone that no test used and puts it on the shelf, or
// drops it when the server ends with this binary or the shelf refuses it.
func (p *clonePool) unclaim(c pooledClone) {
	_ = c.db.Close()
	if p.srv.disposable() {
		p.drop(c.name)
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), setupTimeout)
	defer cancel()
	if p.sh.unclaim(ctx, c.name) != nil {
		p.drop(c.name)
	}
}

func (p *clonePool) drop(name string) {
	ctx, cancel := context.WithTimeout(context.Background(), setupTimeout)
	defer cancel()
	_ = p.srv.drop(ctx, name)
}

// migratedClone is how open gets a migrated database: a ready clone from
// the pool of its template, or one from the shelf, when there is one
// (then its name replaces name and db is its open handle), else a clone
// made now by cloneMigrated, after which the pool may make clones too.
func migratedClone(t testing.TB, e *engine, srv server, req *migratedRequest, name string) (dsn, gotName string, db *sql.DB, err error) {
	t.Helper()
	if s, ok := srv.(*sqliteServer); ok {
		f, err := sqliteMigratedClone(t, s, req, name)
		if err == nil {
			db, err = f.handle()
		}
		return f.dsn, f.name, db, err
	}
	ctx, cancel := context.WithTimeout(context.Background(), templateBuildTimeout)
	defer cancel()
	key, newMigrator, uncached, kerr := templateKey(ctx, e, srv.templates(), req.opts)
	var p *clonePool
	if kerr == nil && uncached == "" {
		if p = poolFor(t, e, srv, key, newMigrator); p != nil {
			if c, ok := p.take(ctx); ok {
				return c.dsn, c.name, c.db, nil
			}
		}
	}
	dsn, err = cloneMigrated(t, e, srv, req, name)
	if err != nil || p == nil {
		return dsn, name, nil, err
	}
	// The template entry is complete by now; Do only waits for it (or
	// finds the template again if a retry replaced the entry).
	if te := templateFor(ctx, t.Logf, e, srv, key, newMigrator); te.err == nil {
		p.setTemplate(te.name)
	}
	return dsn, name, nil, nil
}
