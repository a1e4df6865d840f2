package sdk_test

import (
	"context"
	"database/sql"
	"fmt"
	"math/rand/v2"
	"sync"
	"testing"
	"time"

	"github.com/hoistdb/hoist/dialect/sqlite"
	"github.com/hoistdb/hoist/sdk"
)

// TestSharedMemorySQLite: goroutines migrate one shared-cache in-memory
// SQLite database at once, each Up on a connection of its own, some
// through one Migrator and some through a Migrator on another pool. They
// serialise: every migration runs exactly once, and every Up succeeds.
func TestSharedMemorySQLite(t *testing.T) {
	t.Parallel()
	ctx := testContext(t)
	dsn := fmt.Sprintf("file:hoist_shared_%x?mode=memory&cache=shared", rand.Uint64())
	open := func() *sql.DB {
		db := openSQLite(t, dsn)
		// The database lives as long as a connection to it is open.
		conn, err := db.Conn(ctx)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { conn.Close() })
		return db
	}
	// A migration slow enough that the others start while it runs.
	slow := sdk.GoMigration(bootMigrations+1, "slow", func(context.Context, sdk.Tx) error {
		time.Sleep(20 * time.Millisecond)
		return nil
	}, nil)
	newM := func(db *sql.DB) *sdk.Migrator {
		m, err := sdk.New(db, sqlite.New(), sdk.WithFS(bootFS()), sdk.WithMigrations(recordRun, slow), quiet())
		if err != nil {
			t.Fatal(err)
		}
		return m
	}
	dbA, dbB := open(), open()
	mA, mB := newM(dbA), newM(dbB)
	migrators := []*sdk.Migrator{mA, mA, mA, mA, mB, mB}

	var (
		wg      sync.WaitGroup
		mu      sync.Mutex
		applied int
		errs    []error
	)
	start := make(chan struct{})
	for _, m := range migrators {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			res, err := m.Up(ctx)
			mu.Lock()
			defer mu.Unlock()
			applied += len(res.Applied)
			if err != nil {
				errs = append(errs, err)
			}
		}()
	}
	close(start)
	wg.Wait()
	for _, err := range errs {
		t.Errorf("Up: %v", err)
	}
	if want := bootMigrations + 1; applied != want {
		t.Errorf("the Ups applied %d migrations between them; want %d, each once", applied, want)
	}
	if n := countRows(t, dbA, "SELECT COUNT(*) FROM runs"); n != 1 {
		t.Errorf("record_run ran %d times; want once", n)
	}
}
