package testkit

import (
	"context"
	"database/sql"
	"fmt"
	"sync"
	"time"
)

// Clones of a template outlive the test binary that made them: a clone
// that no test used is put on the server's shelf when the binary ends,
// and the next binary (or one running beside it, as go test ./... runs
// packages) takes it instead of copying the template again, so that its
// first tests find databases ready. A clone is on the shelf only while
// it is exactly the template's copy; it leaves the shelf for good when a
// test binary claims it, atomically across binaries, and is dropped once
// a test has used it.
//
// A binary holds, on a connection of its own (its lockConn), a lock
// named after each clone it claimed, so that a binary that was killed
// is told by its locks being free: the next binary's sweep drops the
// clones it held, and those it was making.

// shelfStore is what a server does to keep clones across test binaries.
// PostgreSQL and MySQL have one (shelf_postgres.go, shelf_mysql.go);
// SQLite, whose copy is a file copy, has none.
type shelfStore interface {
	// shelve makes a clone of template tpl and puts it on the shelf of
	// key.
	shelve(ctx context.Context, tpl, key string) error
	// shelved lists the clones on the shelf of key.
	shelved(ctx context.Context, key string) ([]string, error)
	// claim takes clone name off the shelf for this binary and returns
	// the name and DSN it is used under; ok is false when another binary
	// took it first.
	claim(ctx context.Context, name string) (claimed, dsn string, ok bool, err error)
	// cloneClaimed makes a clone of tpl that this binary holds from the
	// start, not through the shelf.
	cloneClaimed(ctx context.Context, tpl, key string) (claimed, dsn string, err error)
	// unclaim puts back on the shelf a claimed clone that no test used,
	// closed.
	unclaim(ctx context.Context, claimed string) error
	// keep turns a claimed clone that a failed test used into a kept
	// database, left for a day like any other, and returns its name.
	keep(ctx context.Context, claimed string) (string, error)
	// sweepShelf drops the clones that binaries which died were making or
	// held, and the clones that stayed on the shelf for shelfMaxAge.
	sweepShelf(ctx context.Context, now time.Time)
}

// lockConn is a connection that holds this binary's locks on the clones
// it claimed, until the binary ends: the server releases them when the
// connection goes, however the binary ends.
type lockConn struct {
	mu   sync.Mutex
	open func() (*sql.DB, error)
	// lock and unlock are the queries that take (without waiting) and
	// release a lock; arg turns a clone's name into their argument.
	lock, unlock string
	arg          func(name string) any

	db   *sql.DB
	conn *sql.Conn
}

// take takes the lock of name and reports whether it got it.
func (l *lockConn) take(ctx context.Context, name string) (bool, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.conn == nil {
		db, err := l.open()
		if err != nil {
			return false, err
		}
		conn, err := db.Conn(ctx)
		if err != nil {
			db.Close()
			return false, fmt.Errorf("open the connection that holds testkit's locks: %w", err)
		}
		l.db, l.conn = db, conn
	}
	var got sql.NullBool
	if err := l.conn.QueryRowContext(ctx, l.lock, l.arg(name)).Scan(&got); err != nil {
		return false, fmt.Errorf("lock %s: %w", name, err)
	}
	return got.Valid && got.Bool, nil
}

// release releases the lock of name, if this binary holds it.
func (l *lockConn) release(ctx context.Context, name string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.conn == nil {
		return
	}
	var ignored sql.NullBool
	// A lock not held only makes the server warn.
	_ = l.conn.QueryRowContext(ctx, l.unlock, l.arg(name)).Scan(&ignored)
}

// dropShelf drops every clone on the shelf of key: tests of testkit that
// make migration sets of their own leave none behind.
func dropShelf(ctx context.Context, srv server, key string) error {
	sh, ok := srv.(shelfStore)
	if !ok {
		return nil
	}
	names, err := sh.shelved(ctx, key)
	if err != nil {
		return err
	}
	for _, name := range names {
		claimed, _, ok, err := sh.claim(ctx, name)
		if err != nil {
			return err
		}
		if ok {
			if err := srv.drop(ctx, claimed); err != nil {
				return err
			}
		}
	}
	return nil
}

// sweeping counts the background sweeps running; tests of the sweeps
// wait for them, so as not to sweep the same databases at once.
var sweeping sync.WaitGroup

// sweepInBackground runs the sweeps of an existing server, which drop
// what earlier binaries left, off the first test's path: on a server
// with fsync on, dropping a few leftovers takes longer than a test
// waits for its database. They drop only what no live binary holds, so
// this binary's tests may start meanwhile; Main waits for them.
func sweepInBackground(sweeps ...func(ctx context.Context, now time.Time)) {
	sweeping.Add(1)
	done := make(chan struct{})
	go func() {
		defer sweeping.Done()
		defer close(done)
		ctx, cancel := context.WithTimeout(context.Background(), setupTimeout)
		defer cancel()
		for _, sweep := range sweeps {
			sweep(ctx, time.Now())
		}
	}()
	atExit(func() { <-done })
}
