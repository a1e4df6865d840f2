package sdk_test

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/hoistdb/hoist/sdk"
	"github.com/hoistdb/hoist/testkit"
)

// killConcurrency is how many kills of one engine run at once, each on
// its own database (on SQLite its own file): they mostly wait on the
// server's sleeps, so a few at a time keep the wall time short on two
// cores without starving the migrations the kills are timed against.
const killConcurrency = 5

// killResult is what one kill found.
type killResult struct {
	early    bool          // killed within 100ms of its start, not of its first migration
	down     bool          // killed rolling the set back
	running  int64         // the migration the child was running at the kill, 0 if none
	into     time.Duration // how long it had been running
	survived bool          // that migration was committed anyway: the next Up did not apply it
	finished bool          // the child ended before the kill
	dirty    int64         // the migration ErrDirty named, 0 if none
	state    sdk.State     // the dirty migration's history state
	lockedIn time.Duration // from the kill to the next run holding the lock; -1 if it took none
	waited   bool          // the next run waited for the lock
	problems []string      // inconsistencies: each fails the test
}

func (r *killResult) fail(format string, args ...any) {
	r.problems = append(r.problems, fmt.Sprintf(format, args...))
}

// TestKilledAtRandomPoints kills a migrating child process with SIGKILL
// at a random moment, HOIST_TEST_KILLS times per engine (20 unless
// set), each on a fresh database, over a set that mixes every kind of
// migration (killSet.steps); one kill in four interrupts RollbackTo(0)
// of the applied set instead of Up. After each kill a fresh migrator in
// the test must either finish the same work (every migration applied
// exactly once, or none left), or stop with ErrDirty naming the
// migration whose running or failed row is in the history, after which
// the repair its message describes (bring the schema by hand to where
// it is without the migration, Repair, run again) must finish it.
// Anything else is an inconsistent state: a raw engine error, an insert
// that landed twice, a history row without its effects, effects without
// a row and no dirty flag.
//
// It logs the figures: kills, kills inside a migration, dirty outcomes,
// and the longest time from a kill to the next Up holding the lock
// (measured, not asserted).
func TestKilledAtRandomPoints(t *testing.T) {
	t.Parallel()
	kills, err := killsPerEngine()
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range engines {
		t.Run(e.name, func(t *testing.T) {
			t.Parallel()
			runKills(t, e.open, kills)
		})
	}
}

// runKills runs the kills of one engine and reports them.
func runKills(t *testing.T, open func(testing.TB) *testkit.DB, kills int) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	t.Cleanup(cancel)

	// One uninterrupted run: the set must apply cleanly.
	db := open(t)
	set := killSet{engine: db.Dialect.Name()}
	if set.engine == "sqlite" {
		var err error
		if set.rows, err = sqliteRows(ctx, db.DB); err != nil {
			t.Fatal(err)
		}
	}
	start := time.Now()
	if _, err := newMigrator(t, db, set.options()...).Up(ctx); err != nil {
		t.Fatalf("the set does not apply without a kill: %v", err)
	}
	span := time.Since(start)
	if p := checkKillState(ctx, db, set, wantApplied); len(p) > 0 {
		t.Fatalf("after an uninterrupted run: %s", strings.Join(p, "; "))
	}

	dbs := make([]*testkit.DB, kills)
	for i := range dbs {
		dbs[i] = open(t)
	}
	results := make([]killResult, kills)
	sem := make(chan struct{}, killConcurrency)
	var wg sync.WaitGroup
	for i, db := range dbs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			results[i] = killOnce(ctx, db, set, i%5 == 4, i%4 == 2)
		}()
	}
	wg.Wait()

	var failed, downs, inside, survived, finished, dirty, repaired, waited int
	var states []string
	longest := time.Duration(-1)
	for i, r := range results {
		if len(r.problems) > 0 {
			failed++
		}
		for _, p := range r.problems {
			t.Errorf("kill %d (running %d, early %v): %s", i, r.running, r.early, p)
		}
		if testing.Verbose() {
			t.Logf("kill %d: %+v", i, r)
		}
		if r.running != 0 {
			inside++
		}
		if r.down {
			downs++
		}
		if r.survived {
			survived++
		}
		if r.finished {
			finished++
		}
		if r.dirty != 0 {
			dirty++
			if len(r.problems) == 0 {
				repaired++
			}
			states = append(states, fmt.Sprintf("%d %s", r.dirty, r.state))
		}
		if r.waited {
			waited++
		}
		longest = max(longest, r.lockedIn)
	}
	t.Logf("%s: %d kills, %d of them rolling back (the set takes %s uninterrupted): %d inside a migration (%d of which committed all the same), %d between migrations or before the first, %d after the child had finished; "+
		"%d dirty outcomes [%s], %d of them repaired; %d inconsistent; the next run waited for the lock after %d kills, and held it at most %s after the kill",
		set.engine, kills, downs, span.Round(time.Millisecond), inside, survived, kills-inside-finished, finished, dirty, strings.Join(states, ", "), repaired, failed, waited, longest.Round(time.Millisecond))
}

// killWindow bounds the moment of a kill after the start of the
// migration chosen for it: about as long as the longest migration of
// the set.
const killWindow = 500 * time.Millisecond

// killOnce starts a child migrating db (down: rolling the applied set
// back), kills it at a random moment (early: within 100ms of its start;
// otherwise within killWindow of the start of one of its migrations,
// chosen at random), then runs the same again in the test and checks
// what it finds.
func killOnce(ctx context.Context, db *testkit.DB, set killSet, early, down bool) (r killResult) {
	r.early, r.down, r.lockedIn = early, down, -1
	role := roleKilled
	if down {
		role = roleKilledDown
		m, err := sdk.New(db.DB, db.Dialect, append(set.options(), quiet())...)
		if err == nil {
			_, err = m.Up(ctx)
		}
		if err != nil {
			r.fail("applying the set to roll it back: %v", err)
			return r
		}
	}
	cmd := exec.CommandContext(ctx, os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), "HOIST_SDK_CHILD="+role, "HOIST_SDK_DRIVER="+db.Driver, "HOIST_SDK_DSN="+db.DSN,
		"HOIST_SDK_KILL_ROWS="+strconv.Itoa(set.rows))
	cmd.Stderr = os.Stderr
	stdout, err := cmd.StdoutPipe()
	if err == nil {
		err = cmd.Start()
	}
	if err != nil {
		r.fail("starting the child: %v", err)
		return r
	}
	// Each line with the moment it was read, to tell how long the
	// running migration had been running when it was killed.
	type line struct {
		text string
		at   time.Time
	}
	lines := make(chan line, 64)
	go func() {
		defer close(lines)
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			lines <- line{sc.Text(), time.Now()}
		}
	}()
	var said []line
	if early {
		time.Sleep(rand.N(100 * time.Millisecond))
	} else {
		// A random migration, and a random moment from its start, which
		// may fall in the next one: every migration gets its kills
		// whatever the load on the machine.
		target := fmt.Sprintf("migrating %d", 1+rand.IntN(len(set.steps())))
		for l := range lines {
			if said = append(said, l); l.text == target {
				break
			}
		}
		time.Sleep(rand.N(killWindow))
	}
	_ = cmd.Process.Signal(syscall.SIGKILL)
	killedAt := time.Now()
	for l := range lines {
		said = append(said, l)
	}
	_ = cmd.Wait()
	if st := cmd.ProcessState; st.Exited() {
		r.finished = true
		if !st.Success() {
			r.fail("the child failed on its own before the kill (exit %d)", st.ExitCode())
		}
	}
	for _, l := range said {
		if v, ok := strings.CutPrefix(l.text, "migrating "); ok {
			r.running, _ = strconv.ParseInt(v, 10, 64)
			r.into = killedAt.Sub(l.at)
		} else if strings.HasPrefix(l.text, "migrated ") {
			r.running = 0
		}
	}

	var upAt, lockedAt time.Time
	m, err := sdk.New(db.DB, db.Dialect, append(set.options(), quiet(),
		sdk.WithProgress(func(_ context.Context, e sdk.Event) {
			switch e.Kind {
			case sdk.EventLockWait:
				r.waited = true
			case sdk.EventLocked:
				lockedAt = time.Now()
			case sdk.EventMigrating:
				if !r.waited && lockedAt.IsZero() {
					lockedAt = upAt // taken at the first try
				}
			}
		}))...)
	if err != nil {
		r.fail("sdk.New: %v", err)
		return r
	}
	// run does again what the child was doing.
	run := func() (*sdk.Result, error) {
		if down {
			return m.RollbackTo(ctx, 0)
		}
		return m.Up(ctx)
	}
	upAt = time.Now()
	res, upErr := run()
	if upErr == nil && r.running != 0 {
		r.survived = !slices.ContainsFunc(res.Applied, func(a sdk.Applied) bool { return a.Version == r.running })
	}
	if errors.Is(upErr, sdk.ErrDirty) && !r.waited {
		lockedAt = upAt // ErrDirty is decided under the lock
	}
	if !lockedAt.IsZero() {
		r.lockedIn = lockedAt.Sub(killedAt)
	}
	// The dead migrator's session is gone once the lock was taken: what
	// the history and schema say now is settled.
	r.problems = append(r.problems, checkKillState(ctx, db, set, wantSettled)...)
	switch {
	case upErr == nil:
	case errors.Is(upErr, sdk.ErrDirty):
		if !repairKill(ctx, db, set, m, upErr, &r) {
			return r
		}
		if _, err := run(); err != nil {
			r.fail("%s after the repair: %v", map[bool]string{false: "Up", true: "RollbackTo(0)"}[down], err)
			return r
		}
	default:
		r.fail("%s after the kill: %v; want success or ErrDirty", map[bool]string{false: "Up", true: "RollbackTo(0)"}[down], upErr)
		return r
	}
	if down {
		// Rolled all the way back, and then up again.
		r.problems = append(r.problems, checkKillState(ctx, db, set, wantEmpty)...)
		if _, err := m.Up(ctx); err != nil {
			r.fail("Up after the rollback: %v", err)
			return r
		}
	}
	r.problems = append(r.problems, checkKillState(ctx, db, set, wantApplied)...)
	return r
}

// repairKill follows the procedure of the ErrDirty message upErr: it
// brings the schema by hand to where it is without the dirty migration
// (undoing what its up did, or finishing what its down began: the test
// knows each migration's effects), then runs Repair. It reports whether
// that went well.
func repairKill(ctx context.Context, db *testkit.DB, set killSet, m *sdk.Migrator, upErr error, r *killResult) bool {
	h, err := readKillHistory(ctx, db)
	if err != nil {
		r.fail("reading the history: %v", err)
		return false
	}
	var step killStep
	for _, s := range set.steps() {
		if st := h[s.version]; st == sdk.StateRunning || st == sdk.StateFailed {
			if r.dirty != 0 {
				r.fail("migrations %d and %d are both dirty", r.dirty, s.version)
			}
			r.dirty, r.state, step = s.version, st, s
		}
	}
	if r.dirty == 0 {
		r.fail("Up said %q, and no history row is running or failed", upErr)
		return false
	}
	if name := fmt.Sprintf("%d %s", step.version, step.name); !strings.Contains(upErr.Error(), name) {
		r.fail("ErrDirty %q does not name %s", upErr, name)
	}
	counter, err := hasTable(ctx, db, killCounter)
	if err != nil {
		r.fail("%v", err)
		return false
	}
	var undo []string
	if step.counts && counter {
		undo = append(undo, fmt.Sprintf("DELETE FROM %s WHERE version = %d", killCounter, step.version))
	}
	for i := len(step.tables) - 1; i >= 0; i-- {
		undo = append(undo, "DROP TABLE IF EXISTS "+step.tables[i])
	}
	for _, q := range undo {
		if _, err := db.DB.ExecContext(ctx, q); err != nil {
			r.fail("undoing migration %d by hand: %s: %v", step.version, q, err)
			return false
		}
	}
	rep, err := m.Repair(ctx)
	if err != nil || len(rep.Removed) != 1 || rep.Removed[0].Version != step.version {
		r.fail("Repair: %v, %+v; want the row of %d removed", err, rep, step.version)
		return false
	}
	return true
}
