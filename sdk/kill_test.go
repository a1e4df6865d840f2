package sdk_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"testing/fstest"
	"time"

	"github.com/hoistdb/hoist/sdk"
	"github.com/hoistdb/hoist/testkit"
)

// roleKilled runs Up over killFS and says "migrating N" and "migrated N"
// as each migration starts and ends, until the test kills it.
const roleKilled = "killed"

// killMigrations is the size of killFS.
const killMigrations = 8

// killFS is a set of PostgreSQL migrations that each spend most of their
// time sleeping on the server, then create a table and log their
// version, so that a kill at a random moment most likely lands inside
// one.
func killFS() fstest.MapFS {
	fsys := fstest.MapFS{
		"0001_log.sql": {Data: []byte("-- +hoist up\nCREATE TABLE log (id INTEGER NOT NULL);\n")},
	}
	for i := 2; i <= killMigrations; i++ {
		fsys[fmt.Sprintf("%04d_t%d.sql", i, i)] = &fstest.MapFile{Data: []byte(fmt.Sprintf(
			"-- +hoist up\nSELECT pg_sleep(0.5);\nCREATE TABLE t_%d (id INTEGER);\nINSERT INTO log (id) VALUES (%d);\n", i, i))}
	}
	return fsys
}

// killedProgress is what a roleKilled child says.
func killedProgress() sdk.Option {
	return sdk.WithProgress(func(_ context.Context, e sdk.Event) {
		switch e.Kind {
		case sdk.EventMigrating:
			fmt.Printf("migrating %d\n", e.Migration.Version)
		case sdk.EventMigrated:
			fmt.Printf("migrated %d\n", e.Migration.Version)
		}
	})
}

// TestKillAtRandomPoints kills a migrating process with -9 at random
// moments on PostgreSQL (HOIST_TEST_KILLS times, 6 unless set), then
// boots again in the test. Every boot after a kill must succeed and
// leave every migration applied exactly once. It logs how often the
// migration the killed process was running (it had said "migrating N"
// and not "migrated N") was committed anyway, which the server should
// never do, and the longest wait for the lock after a kill.
func TestKillAtRandomPoints(t *testing.T) {
	t.Parallel()
	kills := 6
	if s := os.Getenv("HOIST_TEST_KILLS"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 {
			t.Fatalf("HOIST_TEST_KILLS=%q: want a positive number", s)
		}
		kills = n
	}
	var (
		mu                       sync.Mutex
		inFlight, committedAfter int
		longestWait              time.Duration
	)
	t.Cleanup(func() {
		t.Logf("%d kills, %d inside a migration, %d of those committed after the kill; longest wait for the lock after a kill: %s",
			kills, inFlight, committedAfter, longestWait)
	})
	t.Run("kills", func(t *testing.T) {
		for i := range kills {
			t.Run(strconv.Itoa(i), func(t *testing.T) {
				t.Parallel()
				db := testkit.Postgres(t)
				ctx := testContext(t)
				cmd, _, out := startChild(t, db, roleKilled)
				lines := make(chan string, 64)
				go func() {
					defer close(lines)
					for out.Scan() {
						lines <- out.Text()
					}
				}()
				if l := <-lines; l != "migrating 1" {
					t.Fatalf("the child said %q first", l)
				}
				time.Sleep(time.Duration(rand.N(int64(killMigrations) * int64(500*time.Millisecond))))
				if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
					t.Fatal(err)
				}
				_ = cmd.Wait()
				running := 0
				for l := range lines {
					if v, ok := strings.CutPrefix(l, "migrating "); ok {
						running, _ = strconv.Atoi(v)
					} else if strings.HasPrefix(l, "migrated ") {
						running = 0
					}
				}

				var waited time.Duration
				m := newMigrator(t, db, sdk.WithFS(killFS()), sdk.WithProgress(func(_ context.Context, e sdk.Event) {
					if e.Kind == sdk.EventLocked {
						waited = e.Waited
					}
				}))
				res, err := m.Up(ctx)
				if err != nil {
					t.Fatalf("Up after the kill: %v", err)
				}
				if n := countRows(t, db.DB, "SELECT COUNT(DISTINCT id) FROM log"); n != killMigrations-1 || countRows(t, db.DB, "SELECT COUNT(*) FROM log") != n {
					t.Errorf("log has %d distinct versions; want each of the %d exactly once", n, killMigrations-1)
				}
				if n := countRows(t, db.DB, "SELECT COUNT(*) FROM hoist_migrations WHERE state = 'applied'"); n != killMigrations {
					t.Errorf("history has %d applied rows; want %d", n, killMigrations)
				}
				mu.Lock()
				defer mu.Unlock()
				longestWait = max(longestWait, waited)
				if running > 1 {
					inFlight++
					applied := false
					for _, a := range res.Applied {
						applied = applied || a.Version == int64(running)
					}
					if !applied {
						committedAfter++
						t.Logf("migration %d, running when the process was killed, was committed anyway", running)
					}
				}
			})
		}
	})
}
