package sdk_test

import (
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/hoistdb/hoist/dialect/postgres"
	"github.com/hoistdb/hoist/sdk"
	"github.com/hoistdb/hoist/testkit"
)

// raceBoot starts n separate processes that boot the database at dsn
// (pgx) at the same moment, taking the lock in the given mode ("" for
// the default, "lease"), and returns what each reported.
func raceBoot(t *testing.T, dsn, lock string, n int) []childReport {
	t.Helper()
	type proc struct {
		cmd   *exec.Cmd
		stdin interface{ Close() error }
		out   interface {
			Scan() bool
			Text() string
		}
	}
	t.Setenv("HOIST_SDK_LOCK", lock) // inherited by the children
	procs := make([]proc, n)
	for i := range procs {
		cmd, stdin, out := startChildOn(t, "pgx", dsn, roleBoot)
		procs[i] = proc{cmd, stdin, out}
	}
	for _, p := range procs {
		p.stdin.Close()
	}
	reps := make([]childReport, n)
	for i, p := range procs {
		var last string
		for p.out.Scan() {
			last = p.out.Text()
		}
		werr := p.cmd.Wait()
		if err := json.Unmarshal([]byte(last), &reps[i]); err != nil {
			t.Fatalf("process %d: exit %v, last line %q", i, werr, last)
		}
		if werr != nil && reps[i].Error == "" {
			t.Fatalf("process %d: exit %v without an error", i, werr)
		}
	}
	return reps
}

// advisoryLocks counts the advisory locks held in db's database, by any
// session, pooled ones included.
func advisoryLocks(t *testing.T, db *testkit.DB) int {
	t.Helper()
	return countRows(t, db.DB, "SELECT COUNT(*) FROM pg_locks WHERE locktype = 'advisory' AND database = (SELECT oid FROM pg_database WHERE datname = current_database())")
}

// openPooled opens dsn, a database behind PgBouncer, and closes it in
// t.Cleanup.
func openPooled(t *testing.T, dsn string) *sql.DB {
	t.Helper()
	db, err := sql.Open("pgx", dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// TestTransactionPoolerRefusedPostgres: through PgBouncer in transaction
// pooling, the default session-level lock cannot exclude other
// migrators. A migrator alone must refuse with ErrTransactionPooler,
// having run nothing and left no lock held; eight at once must each
// either succeed or refuse naming the pooler, and between them run
// every migration at most once and leave no lock behind, so that a
// direct boot afterwards finishes the work.
func TestTransactionPoolerRefusedPostgres(t *testing.T) {
	db := testkit.Postgres(t)
	dsn := pgbouncer(t, db, "transaction")
	ctx := testContext(t)

	m, err := sdk.New(openPooled(t, dsn), postgres.New(), sdk.WithFS(bootFS()), sdk.WithMigrations(recordRun), quiet())
	if err != nil {
		t.Fatal(err)
	}
	_, err = m.Up(ctx)
	if !errors.Is(err, sdk.ErrTransactionPooler) {
		t.Fatalf("Up through a transaction pooler with the session lock: %v; want ErrTransactionPooler", err)
	}
	for _, want := range []string{"transaction pooler", "sdk.WithLockMode(sdk.LockLease)", "pool_mode=session", "default_query_exec_mode"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("the refusal %q does not say %q", err, want)
		}
	}
	if tableExists(t, db, "runs") || tableExists(t, db, "hoist_migrations") {
		t.Error("the refused Up created tables; want nothing run")
	}
	if n := advisoryLocks(t, db); n != 0 {
		t.Fatalf("after the refused Up, %d advisory locks are held; want none", n)
	}

	const processes = 8
	reps := raceBoot(t, dsn, "", processes)
	applied, refused := 0, 0
	for i, rep := range reps {
		applied += rep.Applied
		if rep.Error == "" {
			continue
		}
		refused++
		t.Logf("process %d applied %d: %s", i, rep.Applied, rep.Error)
		if !strings.Contains(rep.Error, "transaction pooler") {
			t.Errorf("process %d failed without naming the pooler: %s", i, rep.Error)
		}
	}
	t.Logf("transaction pooling, session lock: %d processes, %d refused naming the pooler, %d migrations applied", processes, refused, applied)
	if n := advisoryLocks(t, db); n != 0 {
		t.Errorf("after the processes exited, %d advisory locks are held on pooled sessions; want none", n)
	}
	history := 0
	if tableExists(t, db, "hoist_migrations") {
		history = countRows(t, db.DB, "SELECT COUNT(*) FROM hoist_migrations")
	}
	if history != applied {
		t.Errorf("the processes reported %d migrations applied; the history has %d", applied, history)
	}
	if tableExists(t, db, "runs") {
		if n := countRows(t, db.DB, "SELECT COUNT(*) FROM runs"); n > 1 {
			t.Errorf("the Go migration ran %d times; want at most once", n)
		}
	}

	direct := newMigrator(t, db, sdk.WithFS(bootFS()), sdk.WithMigrations(recordRun), sdk.WithLockTimeout(10*time.Second))
	if _, err := direct.Up(ctx); err != nil {
		t.Fatalf("a direct Up after the pooled ones: %v", err)
	}
	if n := countRows(t, db.DB, "SELECT COUNT(*) FROM runs"); n != 1 {
		t.Errorf("the Go migration ran %d times; want once", n)
	}
}

// poolerProcesses is how many processes race through the transaction
// pooler with the lease lock: the target, 24 (HOIST_TEST_POOLER_
// PROCESSES overrides it, for a machine too small for that many).
func poolerProcesses(t *testing.T) int {
	n := 24
	if v := os.Getenv("HOIST_TEST_POOLER_PROCESSES"); v != "" {
		if _, err := fmt.Sscan(v, &n); err != nil || n < 2 {
			t.Fatalf("HOIST_TEST_POOLER_PROCESSES=%q is not a number of at least 2", v)
		}
	}
	return n
}

// TestTransactionPoolerLeasePostgres: through PgBouncer in transaction
// pooling, with sdk.LockLease, 24 processes boot one fresh database at
// once: every one succeeds, every migration runs exactly once (the Go
// migration counts its runs), and the lease is gone afterwards.
func TestTransactionPoolerLeasePostgres(t *testing.T) {
	db := testkit.Postgres(t)
	dsn := pgbouncer(t, db, "transaction")
	processes := poolerProcesses(t)
	reps := raceBoot(t, dsn, "lease", processes)
	applied, failed := 0, 0
	for i, rep := range reps {
		applied += rep.Applied
		if rep.Error != "" {
			failed++
			t.Errorf("process %d failed: %s", i, rep.Error)
		}
	}
	runs := countRows(t, db.DB, "SELECT COUNT(*) FROM runs")
	t.Logf("transaction pooling, lease lock: %d processes, %d failed, %d migrations applied of %d, the Go migration ran %d times",
		processes, failed, applied, bootMigrations, runs)
	if applied != bootMigrations {
		t.Errorf("the processes applied %d migrations between them; want each of the %d exactly once", applied, bootMigrations)
	}
	if runs != 1 {
		t.Errorf("the Go migration ran %d times; want once", runs)
	}
	if n := countRows(t, db.DB, "SELECT COUNT(*) FROM hoist_migrations"); n != bootMigrations {
		t.Errorf("history has %d rows; want %d", n, bootMigrations)
	}
	if n := countRows(t, db.DB, "SELECT COUNT(*) FROM hoist_migrations_lock"); n != 0 {
		t.Errorf("the lease table has %d rows after every process finished; want none", n)
	}
	if n := advisoryLocks(t, db); n != 0 {
		t.Errorf("%d advisory locks are held on pooled sessions; want none", n)
	}
}

// TestSessionPoolerPostgres: through PgBouncer in session pooling, a
// client keeps its server session, and the default lock works: twelve
// processes boot at once, all succeed, every migration runs once. There
// are more of them than server sessions (8), so the waiters hold every
// session while the lock's holder checks its own from another
// connection: that check must not wait for them.
func TestSessionPoolerPostgres(t *testing.T) {
	db := testkit.Postgres(t)
	dsn := pgbouncer(t, db, "session")
	const processes = 12
	reps := raceBoot(t, dsn, "", processes)
	applied := 0
	for i, rep := range reps {
		applied += rep.Applied
		if rep.Error != "" {
			t.Errorf("process %d failed: %s", i, rep.Error)
		}
	}
	if applied != bootMigrations {
		t.Errorf("the processes applied %d migrations between them; want each of the %d exactly once", applied, bootMigrations)
	}
	if n := countRows(t, db.DB, "SELECT COUNT(*) FROM runs"); n != 1 {
		t.Errorf("the Go migration ran %d times; want once", n)
	}
	if n := advisoryLocks(t, db); n != 0 {
		t.Errorf("%d advisory locks are held; want none", n)
	}
}
