package main

import (
	"context"
	"database/sql"
	"fmt"
	"io/fs"
	"os"
	"runtime/pprof"
	"slices"
	"strings"
	"time"
)

// sample is one timed run of one tool.
type sample struct {
	Dur   time.Duration
	Stats snapshot
	Err   string `json:",omitempty"`
	// Check is what verifying the database afterwards found wrong.
	Check string `json:",omitempty"`
	// Iters is how many databases the repetition made (workload 6,
	// testing.Benchmark's b.N); Dur is then the time per database.
	Iters int `json:",omitempty"`
}

// concSample is one concurrent start of one tool.
type concSample struct {
	Wall time.Duration
	// Children are the processes' own times, from the barrier to the
	// tool's return (zero for a process that reported nothing).
	Children    []time.Duration
	Procs       int
	Failures    int
	Errors      []string `json:",omitempty"`
	ExactlyOnce bool
	Detail      string `json:",omitempty"`
}

// cell is one tool in one workload on one engine, over all repetitions.
type cell struct {
	Workload string
	Kind     kind
	N        int
	Tool     string
	Samples  []sample     `json:",omitempty"`
	Conc     []concSample `json:",omitempty"`
	// Skipped says why the cell has no samples: something failed.
	Skipped string `json:",omitempty"`
	// NotRun says why the tool is not run here by design (see notRun):
	// not a failure.
	NotRun string `json:",omitempty"`
}

type runner struct {
	cfg     config
	results *results
}

func (r *runner) cell(workload string, k kind, n int, tool string) *cell {
	for _, c := range r.results.Cells {
		if c.Workload == workload && c.Kind == k && c.N == n && c.Tool == tool {
			return c
		}
	}
	c := &cell{Workload: workload, Kind: k, N: n, Tool: tool}
	r.results.Cells = append(r.results.Cells, c)
	return c
}

func (r *runner) logf(format string, args ...any) {
	fmt.Fprintf(os.Stderr, time.Now().Format("15:04:05 ")+format+"\n", args...)
}

// toolsFor returns the tools of the run that take part in workload on
// engine k, and gives each of the others a cell that says why it does not.
func (r *runner) toolsFor(workload string, k kind, n int) []string {
	var out []string
	for _, name := range r.cfg.Tools {
		if why := notRun(name, workload, k); why != "" {
			r.cell(workload, k, n, name).NotRun = why
			continue
		}
		out = append(out, name)
	}
	return out
}

// rotate returns the tools in the order they take their turns in
// repetition rep: each repetition starts with the next tool, so that no
// tool always runs first (or right after the same neighbour).
func rotate(tools []string, rep int) []string {
	k := rep % len(tools)
	return append(slices.Clone(tools[k:]), tools[:k]...)
}

// measure opens a counted *sql.DB for t and times fn on it, from the open
// (which connects to nothing yet) to fn's return; the tool's resources
// are released and the pool closed after the clock stops. The run carries
// pprof labels tool, workload and engine.
func measure(ctx context.Context, workload string, t target, tl tool, fn func(ctx context.Context, db *sql.DB) (func(), error)) sample {
	st := &stats{}
	var s sample
	pprof.Do(ctx, pprof.Labels("tool", tl.name(), "workload", workload, "engine", string(t.kind)), func(ctx context.Context) {
		start := time.Now()
		db, err := openDB(t.kind, tl.dsn(t), st)
		if err != nil {
			s.Err = err.Error()
			return
		}
		release, err := fn(ctx, db)
		s.Dur = time.Since(start)
		s.Stats = st.snapshot()
		if err != nil {
			s.Err = err.Error()
		}
		release()
		_ = db.Close()
	})
	return s
}

// prepare applies n migrations with tl, outside any measurement.
func prepare(ctx context.Context, t target, tl tool, n int) error {
	db, err := openDB(t.kind, tl.dsn(t), &stats{})
	if err != nil {
		return err
	}
	defer db.Close()
	_, release, err := tl.up(ctx, db, t, migrationsFS(tl.format(), n))
	release()
	if err != nil {
		return fmt.Errorf("applying %d migrations before the measurement: %w", n, err)
	}
	return nil
}

func (r *runner) report(workload string, k kind, n int, name string, rep, reps int, s sample) {
	msg := fmt.Sprintf("%-10s %-8s N=%-4d rep %d/%d %-9s %10s %6d statements", workload, k, n, rep+1, reps, name, fmtDur(s.Dur), s.Stats.Statements())
	if s.Err != "" {
		msg += "  ERROR: " + s.Err
	}
	if s.Check != "" {
		msg += "  CHECK: " + s.Check
	}
	r.logf("%s", msg)
}

// ---- workload 1: fresh apply ----

func (r *runner) fresh(ctx context.Context, srv server, n int) {
	reps := r.cfg.Reps
	if n >= 1000 && r.cfg.RepsLarge > 0 {
		reps = r.cfg.RepsLarge
	}
	tools := r.toolsFor("fresh", srv.kind(), n)
	if len(tools) == 0 {
		return
	}
	for rep := range reps {
		for _, name := range rotate(tools, rep) {
			tl, _ := newTool(name, false)
			s := r.freshOnce(ctx, srv, tl, n)
			c := r.cell("fresh", srv.kind(), n, name)
			c.Samples = append(c.Samples, s)
			r.report("fresh", srv.kind(), n, name, rep, reps, s)
		}
	}
}

func (r *runner) freshOnce(ctx context.Context, srv server, tl tool, n int) sample {
	dbName := newName(tl.name())
	dsn, err := srv.create(ctx, dbName)
	if err != nil {
		return sample{Err: "creating the database: " + err.Error()}
	}
	defer srv.drop(context.WithoutCancel(ctx), dbName)
	t := target{srv.kind(), dsn}
	fsys := migrationsFS(tl.format(), n)
	s := measure(ctx, "fresh", t, tl, func(ctx context.Context, db *sql.DB) (func(), error) {
		applied, release, err := tl.up(ctx, db, t, fsys)
		if err == nil && applied >= 0 && applied != n {
			err = fmt.Errorf("applied %d of %d migrations", applied, n)
		}
		return release, err
	})
	if s.Err == "" {
		if ok, detail := verify(ctx, t, tl, n); !ok {
			s.Check = detail
		}
	}
	return s
}

// ---- workload 2: no-op start ----

func (r *runner) noop(ctx context.Context, srv server) {
	n := r.cfg.NoopN
	k := srv.kind()
	tools := r.toolsFor("noop", k, n)
	if len(tools) == 0 {
		return
	}
	targets := map[string]target{}
	for _, name := range tools {
		tl, _ := newTool(name, false)
		dbName := newName("noop_" + name)
		dsn, err := srv.create(ctx, dbName)
		if err != nil {
			r.cell("noop", k, n, name).Skipped = "creating the database: " + err.Error()
			continue
		}
		defer srv.drop(context.WithoutCancel(ctx), dbName)
		t := target{k, dsn}
		r.logf("noop       %-8s applying %d migrations with %s before measuring", k, n, name)
		if err := prepare(ctx, t, tl, n); err != nil {
			r.cell("noop", k, n, name).Skipped = err.Error()
			r.logf("noop       %-8s %s: %v", k, name, err)
			continue
		}
		targets[name] = t
	}
	fsys := func(tl tool) fs.FS { return migrationsFS(tl.format(), n) }
	// A no-op start takes milliseconds, and the load of a 2-CPU machine
	// drifts by as much as the tools differ: more repetitions than the
	// other workloads' cost little and steady the median.
	for rep := range r.cfg.RepsNoop {
		for _, name := range rotate(tools, rep) {
			t, ok := targets[name]
			if !ok {
				continue
			}
			tl, _ := newTool(name, false)
			s := measure(ctx, "noop", t, tl, func(ctx context.Context, db *sql.DB) (func(), error) {
				applied, release, err := tl.up(ctx, db, t, fsys(tl))
				if err == nil && applied > 0 {
					err = fmt.Errorf("applied %d migrations on a database that had all %d", applied, n)
				}
				return release, err
			})
			c := r.cell("noop", k, n, name)
			c.Samples = append(c.Samples, s)
			r.report("noop", k, n, name, rep, r.cfg.RepsNoop, s)
		}
	}
}

// ---- workload 3: roll back ----

func (r *runner) rollback(ctx context.Context, srv server) {
	n := r.cfg.RollbackN
	tools := r.toolsFor("rollback", srv.kind(), n)
	if len(tools) == 0 {
		return
	}
	for rep := range r.cfg.Reps {
		for _, name := range rotate(tools, rep) {
			tl, _ := newTool(name, false)
			s := r.rollbackOnce(ctx, srv, tl, n)
			c := r.cell("rollback", srv.kind(), n, name)
			c.Samples = append(c.Samples, s)
			r.report("rollback", srv.kind(), n, name, rep, r.cfg.Reps, s)
		}
	}
}

func (r *runner) rollbackOnce(ctx context.Context, srv server, tl tool, n int) sample {
	dbName := newName("rb_" + tl.name())
	dsn, err := srv.create(ctx, dbName)
	if err != nil {
		return sample{Err: "creating the database: " + err.Error()}
	}
	defer srv.drop(context.WithoutCancel(ctx), dbName)
	t := target{srv.kind(), dsn}
	if err := prepare(ctx, t, tl, n); err != nil {
		return sample{Err: err.Error()}
	}
	fsys := migrationsFS(tl.format(), n)
	s := measure(ctx, "rollback", t, tl, func(ctx context.Context, db *sql.DB) (func(), error) {
		return tl.rollback(ctx, db, t, fsys, n, n)
	})
	if s.Err == "" {
		db, err := openDB(t.kind, t.dsn, &stats{})
		if err == nil {
			left, err := countTables(ctx, db, t.kind)
			switch {
			case err != nil:
				s.Check = "counting tables: " + err.Error()
			case left != 0:
				s.Check = fmt.Sprintf("%d of %d tables left after the rollback", left, n)
			}
			db.Close()
		}
	}
	return s
}

// ---- checks ----

// countTables counts the tables t_<digits> in the database.
func countTables(ctx context.Context, db *sql.DB, k kind) (int, error) {
	var q string
	switch k {
	case postgresKind:
		q = `SELECT count(*) FROM pg_tables WHERE schemaname = current_schema() AND tablename ~ '^t_[0-9]+$'`
	case mysqlKind:
		q = `SELECT count(*) FROM information_schema.tables WHERE table_schema = DATABASE() AND table_name REGEXP '^t_[0-9]+$'`
	default:
		q = `SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name GLOB 't_[0-9]*'`
	}
	var n int
	err := db.QueryRowContext(ctx, q).Scan(&n)
	return n, err
}

// verify checks that every one of the n migrations is recorded exactly
// once in tl's version table and that its table exists.
func verify(ctx context.Context, t target, tl tool, n int) (bool, string) {
	db, err := openDB(t.kind, t.dsn, &stats{})
	if err != nil {
		return false, err.Error()
	}
	defer db.Close()
	var problems []string
	tables, err := countTables(ctx, db, t.kind)
	if err != nil {
		problems = append(problems, "counting tables: "+err.Error())
	} else if tables != n {
		problems = append(problems, fmt.Sprintf("%d of %d tables exist", tables, n))
	}
	counts, note, err := tl.history(ctx, db, t, n)
	switch {
	case err != nil:
		problems = append(problems, "reading the version table: "+err.Error())
	case note != "":
		problems = append(problems, note)
	}
	if err == nil && counts != nil {
		var missing, twice []string
		for v := 1; v <= n; v++ {
			switch c := counts[int64(v)]; {
			case c == 0:
				missing = append(missing, fmt.Sprint(v))
			case c > 1:
				twice = append(twice, fmt.Sprintf("%d (%d×)", v, c))
			}
		}
		if len(missing) > 0 {
			problems = append(problems, fmt.Sprintf("%d versions not recorded (%s)", len(missing), abbreviate(missing)))
		}
		if len(twice) > 0 {
			problems = append(problems, fmt.Sprintf("%d versions recorded more than once: %s", len(twice), abbreviate(twice)))
		}
		if extra := len(counts) - (n - len(missing)); extra > 0 {
			problems = append(problems, fmt.Sprintf("%d unknown versions recorded", extra))
		}
	}
	return len(problems) == 0, strings.Join(problems, "; ")
}

func abbreviate(items []string) string {
	if len(items) <= 5 {
		return strings.Join(items, ", ")
	}
	return strings.Join(items[:5], ", ") + ", …"
}
