package testkit

import (
	"context"
	"os"
	"runtime"
	"strconv"
	"sync"
	"testing"
	"time"
)

// clonePool keeps a few clones of one template ready, so that Migrated
// hands out a database that already exists and the pool refills while
// the tests run. A pool exists only for a template that was built or
// found complete, so a failed or killed build never fills one. Pooled
// databases are named like any test database: dropped by Main at the
// end of the test binary (close), and swept after a day, like any
// leftover, when the binary was killed.
type clonePool struct {
	e   *engine
	srv server
	tpl string // the template's name

	ready chan pooledClone // the clones ready, at most cap(ready)

	mu      sync.Mutex
	filling bool // a fill goroutine runs
	closed  bool
	fills   sync.WaitGroup
}

type pooledClone struct{ name, dsn string }

// pools holds the pool of each engine and template key.
var pools sync.Map // string → *clonePool

// poolSize is how many clones a pool keeps ready on a server on which
// slots top-level tests may hold databases at once: HOIST_TEST_POOL when
// set (0 turns pools off), else the CPU count, which bounds how many
// tests run at once; never more than slots, since a clone beyond what
// the tests can hold waits for nobody.
func poolSize(slots int) int {
	n := runtime.NumCPU()
	if v, err := strconv.Atoi(os.Getenv("HOIST_TEST_POOL")); err == nil && v >= 0 {
		n = v
	}
	if slots > 0 {
		n = min(n, slots)
	}
	return n
}

// takePooled returns a ready clone of the template of key, if its pool
// has one, and has the pool refill.
func takePooled(e *engine, key string) (pooledClone, bool) {
	v, ok := pools.Load(e.name + " " + key)
	if !ok {
		return pooledClone{}, false
	}
	p := v.(*clonePool)
	select {
	case c := <-p.ready:
		p.fill()
		return c, true
	default:
		p.fill()
		return pooledClone{}, false
	}
}

// startPool makes the pool of key, now that its template tpl exists,
// and starts filling it. Only the first call per key makes one.
func startPool(t testing.TB, e *engine, srv server, key, tpl string) {
	t.Helper()
	if e == sqliteEngine {
		return // a copy is a file copy of a millisecond or two: nothing to win
	}
	slots := 0
	if l := srv.limiter(); l != nil {
		slots = l.max
	}
	size := poolSize(slots)
	if size == 0 {
		return
	}
	p := &clonePool{e: e, srv: srv, tpl: tpl, ready: make(chan pooledClone, size)}
	if _, loaded := pools.LoadOrStore(e.name+" "+key, p); loaded {
		return
	}
	t.Logf("testkit: keeping %d clones of %s template %s ready (HOIST_TEST_POOL)", size, e.title, tpl)
	atExit(p.close)
	p.fill()
}

// fill starts a goroutine that clones until the pool is full, unless one
// runs. A clone that fails stops it: the next take starts it again.
func (p *clonePool) fill() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.filling || p.closed {
		return
	}
	p.filling = true
	p.fills.Add(1)
	go func() {
		defer p.fills.Done()
		defer func() {
			p.mu.Lock()
			p.filling = false
			p.mu.Unlock()
		}()
		for len(p.ready) < cap(p.ready) {
			p.mu.Lock()
			closed := p.closed
			p.mu.Unlock()
			if closed {
				return
			}
			name := newDatabaseName(time.Now())
			ctx, cancel := context.WithTimeout(context.Background(), setupTimeout)
			dsn, err := p.srv.templates().clone(ctx, p.tpl, name)
			cancel()
			if err != nil {
				p.drop(name) // whatever part of it exists
				return
			}
			select {
			case p.ready <- pooledClone{name: name, dsn: dsn}:
			default: // full after all
				p.drop(name)
				return
			}
		}
	}()
}

// close stops filling the pool and drops the clones it holds: Main calls
// it when the tests are done.
func (p *clonePool) close() {
	p.mu.Lock()
	p.closed = true
	p.mu.Unlock()
	p.fills.Wait()
	for {
		select {
		case c := <-p.ready:
			p.drop(c.name)
		default:
			return
		}
	}
}

func (p *clonePool) drop(name string) {
	ctx, cancel := context.WithTimeout(context.Background(), setupTimeout)
	defer cancel()
	_ = p.srv.drop(ctx, name)
}

// migratedClone is how open gets a migrated database: a ready clone from
// the pool of its template when there is one (then its name replaces
// name), else a clone made now by cloneMigrated, after which the
// template's pool starts filling.
func migratedClone(t testing.TB, e *engine, srv server, req *migratedRequest, name string) (dsn, gotName string, err error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), templateBuildTimeout)
	defer cancel()
	key, newMigrator, uncached, kerr := templateKey(ctx, e, srv.templates(), req.opts)
	if kerr == nil && uncached == "" {
		if c, ok := takePooled(e, key); ok {
			return c.dsn, c.name, nil
		}
	}
	dsn, err = cloneMigrated(t, e, srv, req, name)
	if err != nil || kerr != nil || uncached != "" {
		return dsn, name, err
	}
	if _, ok := pools.Load(e.name + " " + key); !ok {
		// The template entry is complete by now; Do only waits for it
		// (or finds the template again if a retry replaced the entry).
		v, _ := templates.LoadOrStore(e.name+" "+key, &templateEntry{})
		te := v.(*templateEntry)
		te.once.Do(func() { te.name, te.err = ensureTemplate(ctx, t, e, srv, key, newMigrator) })
		if te.err == nil {
			startPool(t, e, srv, key, te.name)
		}
	}
	return dsn, name, nil
}
