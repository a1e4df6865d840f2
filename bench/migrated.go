package main

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"runtime/pprof"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hoistdb/hoist/sdk"
	"github.com/hoistdb/hoist/testkit"
)

// ---- workload 6: testkit.Migrated ----

// The arms of workload 6: three ways for a test to get a database with
// the migrations applied.
const (
	armMigrated = "Migrated" // testkit.Migrated: a copy of the template
	armHoist    = "hoist"    // testkit's fresh database, then hoist Up
	armGoose    = "goose"    // testkit's fresh database, then goose Up
)

var migratedArms = []string{armMigrated, armHoist, armGoose}

// armTitle is how the report names an arm.
func armTitle(arm string) string {
	switch arm {
	case armMigrated:
		return "`testkit.Migrated`"
	case armHoist:
		return "fresh + hoist `Up`"
	}
	return "fresh + goose `Up`"
}

// testkitKind is testkit's constructor of the engine's databases.
func testkitKind(k kind) testkit.Kind {
	switch k {
	case postgresKind:
		return testkit.Postgres
	case mysqlKind:
		return testkit.MySQL
	}
	return testkit.SQLite
}

// benchTB is the testing.TB that testkit gets inside a benchmark. The
// cleanups of an iteration (closing and dropping its database) run when
// the iteration ends, with the timer stopped, instead of piling up until
// the benchmark ends; and what testkit logs, reports or skips with is
// kept, since testing.Benchmark prints none of it.
type benchTB struct {
	testing.TB
	mu       sync.Mutex
	cleanups []func()
	logs     []string
	errs     []string
}

func (t *benchTB) Cleanup(f func()) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.cleanups = append(t.cleanups, f)
}

// done runs the cleanups registered so far, newest first.
func (t *benchTB) done() {
	t.mu.Lock()
	fns := t.cleanups
	t.cleanups = nil
	t.mu.Unlock()
	for _, f := range slices.Backward(fns) {
		f()
	}
}

func (t *benchTB) keep(to *[]string, msg string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	*to = append(*to, strings.TrimSpace(msg))
}

func (t *benchTB) Log(args ...any) { t.keep(&t.logs, fmt.Sprint(args...)) }
func (t *benchTB) Logf(format string, args ...any) {
	t.keep(&t.logs, fmt.Sprintf(format, args...))
}
func (t *benchTB) Error(args ...any) { t.keep(&t.errs, fmt.Sprint(args...)); t.TB.Fail() }
func (t *benchTB) Errorf(format string, args ...any) {
	t.keep(&t.errs, fmt.Sprintf(format, args...))
	t.TB.Fail()
}
func (t *benchTB) Fatal(args ...any) { t.keep(&t.errs, fmt.Sprint(args...)); t.TB.FailNow() }
func (t *benchTB) Fatalf(format string, args ...any) {
	t.keep(&t.errs, fmt.Sprintf(format, args...))
	t.TB.FailNow()
}
func (t *benchTB) Skip(args ...any) { t.keep(&t.errs, "skipped: "+fmt.Sprint(args...)); t.TB.SkipNow() }
func (t *benchTB) Skipf(format string, args ...any) {
	t.keep(&t.errs, "skipped: "+fmt.Sprintf(format, args...))
	t.TB.SkipNow()
}

// logged returns what testkit logged so far.
func (t *benchTB) logged() []string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return slices.Clone(t.logs)
}

// failure is what went wrong in the benchmark, or "": what testkit or
// the check reported, and where testkit kept the database of the failed
// iteration (it keeps it for a test that failed).
func (t *benchTB) failure() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	msgs := slices.Clone(t.errs)
	if len(msgs) == 0 && (t.TB.Failed() || t.TB.Skipped()) {
		msgs = append(msgs, "the benchmark stopped without saying why")
	}
	if len(msgs) == 0 {
		return ""
	}
	for _, l := range t.logs {
		if strings.HasPrefix(l, "testkit: kept ") {
			msgs = append(msgs, l)
		}
	}
	return strings.Join(msgs, "; ")
}

// migratedBench is workload 6 on one engine.
type migratedBench struct {
	kind   kind
	n      int
	tk     testkit.Kind
	opts   []sdk.Option // what the application gives sdk.New, and Migrated
	goose  *memFS       // the same migrations in goose's format
	warmed bool         // warmUp has run
}

// migrated measures testkit.Migrated against making a fresh database
// with testkit and applying the migrations to it, with hoist and with
// goose: each repetition of each arm is one testing.Benchmark, whose time
// per op is one database, ready to use.
func (r *runner) migrated(ctx context.Context, srv server) {
	k := srv.kind()
	mb := &migratedBench{
		kind:  k,
		n:     r.cfg.MigratedN,
		tk:    testkitKind(k),
		opts:  []sdk.Option{sdk.WithFS(migrationsFS(formatHoist, r.cfg.MigratedN)), sdk.WithLogger(discard)},
		goose: migrationsFS(formatGoose, r.cfg.MigratedN),
	}
	for rep := range r.cfg.Reps {
		for _, arm := range rotate(migratedArms, rep) {
			if ctx.Err() != nil {
				return
			}
			s := mb.run(ctx, r, arm)
			c := r.cell("migrated", k, mb.n, arm)
			c.Samples = append(c.Samples, s)
			msg := fmt.Sprintf("%-10s %-8s N=%-4d rep %d/%d %-9s %10s/op (%d databases timed)", "migrated", k, mb.n, rep+1, r.cfg.Reps, arm, fmtDur(s.Dur), s.Iters)
			if s.Err != "" {
				msg += "  ERROR: " + s.Err
			}
			r.logf("%s", msg)
		}
	}
}

// run is one repetition of one arm: a testing.Benchmark that makes
// databases until it has timed a second's worth. Before the timed loop,
// the first run of the engine warms up (see warmUp); in the loop, each
// database is checked, closed and dropped with the timer stopped.
func (mb *migratedBench) run(ctx context.Context, r *runner, arm string) sample {
	newDB := mb.arm(ctx, arm)
	var (
		failure string
		res     testing.BenchmarkResult
	)
	pprof.Do(ctx, pprof.Labels("tool", arm, "workload", "migrated", "engine", string(mb.kind)), func(context.Context) {
		res = testing.Benchmark(mb.bench(ctx, r, newDB, &failure))
	})
	s := sample{Dur: durNs(res.NsPerOp()), Iters: res.N, Err: failure}
	if s.Err == "" && res.N == 0 {
		s.Err = "the benchmark did not run"
	}
	return s
}

// bench is the benchmark function of one repetition: newDB in a b.Loop;
// what went wrong goes to failure.
func (mb *migratedBench) bench(ctx context.Context, r *runner, newDB func(testing.TB) (*sql.DB, tool, error), failure *string) func(b *testing.B) {
	return func(b *testing.B) {
		t := &benchTB{TB: b}
		defer func() { *failure = t.failure() }()
		defer t.done() // also when testkit stops the benchmark
		if !mb.warmed {
			mb.warmed = true
			mb.warmUp(t, r)
		}
		for b.Loop() {
			db, tl, err := newDB(t)
			b.StopTimer()
			if err == nil {
				err = checkMigrated(ctx, db, mb.kind, tl, mb.n)
			}
			if err != nil {
				t.Fatal(err)
			}
			t.done()
			b.StartTimer()
		}
	}
}

// warmUp makes, outside the clock, the calls whose cost only the first
// call pays: testkit finding the server (and dropping what killed test
// binaries left behind), and the first Migrated of the migrations, which
// builds the template, or finds the one an earlier run built. The
// report says which, and how long it took.
func (mb *migratedBench) warmUp(t *benchTB, r *runner) {
	mb.tk(t)
	t.done()
	start := time.Now()
	testkit.Migrated(t, mb.tk, mb.opts...)
	took := time.Since(start)
	t.done()
	logs := t.logged()
	what := fmt.Sprintf("found, built by an earlier run (the first call took %s)", fmtDur(took))
	for _, l := range logs {
		if strings.HasPrefix(l, "testkit: built ") {
			what = fmt.Sprintf("built by the first call, in %s", fmtDur(took))
		}
	}
	for _, l := range logs {
		if from, ok := strings.CutPrefix(l, "testkit: "); ok && strings.Contains(from, " databases come from ") {
			what += "; " + from
		}
	}
	r.results.Templates[mb.kind] = what
	r.logf("migrated   %-8s template %s", mb.kind, what)
}

// arm returns what one iteration of arm does: make a migrated database.
// It returns the handle to check it on, and the tool whose version
// table to read.
func (mb *migratedBench) arm(ctx context.Context, arm string) func(t testing.TB) (*sql.DB, tool, error) {
	switch arm {
	case armMigrated:
		return func(t testing.TB) (*sql.DB, tool, error) {
			return testkit.Migrated(t, mb.tk, mb.opts...).DB, hoistTool{}, nil
		}
	case armHoist:
		return func(t testing.TB) (*sql.DB, tool, error) {
			db := mb.tk(t)
			m, err := sdk.New(db.DB, db.Dialect, mb.opts...)
			if err == nil {
				_, err = m.Up(ctx)
			}
			return db.DB, hoistTool{}, err
		}
	}
	return func(t testing.TB) (*sql.DB, tool, error) {
		return mb.gooseUp(ctx, t)
	}
}

// gooseUp makes a fresh database with testkit and applies the
// migrations with goose, set up as in the other workloads. On MySQL
// goose needs parseTime=true, which testkit's DSN does not set, so goose
// gets a handle of its own there, as a test would have to open.
func (mb *migratedBench) gooseUp(ctx context.Context, t testing.TB) (*sql.DB, tool, error) {
	g := gooseTool{}
	db := mb.tk(t)
	h := db.DB
	if dsn := g.dsn(target{mb.kind, db.DSN}); dsn != db.DSN {
		var err error
		if h, err = sql.Open(db.Driver, dsn); err != nil {
			return nil, g, err
		}
		t.Cleanup(func() { _ = h.Close() })
	}
	p, err := g.provider(h, mb.kind, mb.goose)
	if err != nil {
		return h, g, err
	}
	t.Cleanup(func() { _ = p.Close() })
	_, err = p.Up(ctx)
	return h, g, err
}

// checkMigrated checks that the database has all n tables and every
// version recorded once in tl's version table.
func checkMigrated(ctx context.Context, db *sql.DB, k kind, tl tool, n int) error {
	tables, err := countTables(ctx, db, k)
	if err != nil {
		return fmt.Errorf("counting tables: %w", err)
	}
	if tables != n {
		return fmt.Errorf("%d of %d tables exist", tables, n)
	}
	counts, note, err := tl.history(ctx, db, target{kind: k}, n)
	switch {
	case err != nil:
		return fmt.Errorf("reading the version table: %w", err)
	case note != "":
		return errors.New(note)
	}
	for v := 1; v <= n; v++ {
		if counts[int64(v)] != 1 {
			return fmt.Errorf("version %d recorded %d times", v, counts[int64(v)])
		}
	}
	return nil
}
