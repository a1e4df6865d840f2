package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"
)

// ---- workload 10: what a test waits for ----

// The arms of workload 10: three ways for a test to get a migrated
// database, each timed from the call to a database ready to use.
const (
	waitMigrated   = "Migrated"   // testkit.Migrated: a pooled, shelved or new copy of the template
	waitMigratedTx = "MigratedTx" // testkit.MigratedTx: a transaction on the binary's shared copy
	waitFresh      = "migrate"    // a fresh testkit database, then hoist Up: what Migrated saves
)

var waitArms = []string{waitMigrated, waitMigratedTx, waitFresh}

// waitTests and waitParallel are the tests of one run of the test binary
// and how many run at once (waittest/wait_test.go).
const (
	waitTests    = 24
	waitParallel = 8
)

// waitTarget is one server that testkit finds for the test binary.
type waitTarget struct {
	Name   string // for the report
	Engine string // HOIST_WAIT_ENGINE
	// Provider is HOIST_TEST_PROVIDER for the run: env (the system
	// servers) or local (testkit's own server on tmpfs).
	Provider string
}

// waitResult is workload 10 for one target and arm.
type waitResult struct {
	Target   waitTarget
	Arm      string
	Strategy string    `json:",omitempty"` // how testkit said it copies, from the -v log
	Runs     []waitRun `json:",omitempty"`
}

// waitRun is one run of the test binary.
type waitRun struct {
	Waits []time.Duration // one per test, in the order they started
	Wall  time.Duration   // the binary's whole run, exit included
	Err   string          `json:",omitempty"`
}

// waitTargets are the servers of the engines asked for: for PostgreSQL
// and MariaDB the system server and testkit's local one.
func waitTargets(kinds []kind) []waitTarget {
	var out []waitTarget
	for _, k := range kinds {
		switch k {
		case postgresKind:
			out = append(out, waitTarget{"PostgreSQL, system server", "postgres", "env"},
				waitTarget{"PostgreSQL, testkit's local server (tmpfs)", "postgres", "local"})
		case mysqlKind:
			out = append(out, waitTarget{"MariaDB, system server", "mysql", "env"},
				waitTarget{"MariaDB, testkit's local server (tmpfs)", "mysql", "local"})
		case sqliteKind:
			out = append(out, waitTarget{"SQLite", "sqlite", ""})
		}
	}
	return out
}

// wait runs workload 10: it builds the test binary in waittest/ once, then
// runs it -reps times per target and arm, arms taking turns, as a team
// runs go test again and again. The first run of a target may build the
// template (the report says which runs did).
func (r *runner) wait(ctx context.Context) []*waitResult {
	dir, err := os.MkdirTemp("", "hoist-bench-wait-")
	if err != nil {
		r.logf("wait: %v", err)
		return nil
	}
	defer os.RemoveAll(dir)
	bin := filepath.Join(dir, "waittest.test")
	r.logf("wait       building the test binary (go test -c ./waittest)")
	if out, err := exec.CommandContext(ctx, "go", "test", "-c", "-o", bin, "./waittest").CombinedOutput(); err != nil {
		r.logf("wait: go test -c: %v\n%s", err, out)
		return nil
	}
	var results []*waitResult
	for _, tg := range waitTargets(r.cfg.Kinds) {
		byArm := map[string]*waitResult{}
		for _, arm := range waitArms {
			byArm[arm] = &waitResult{Target: tg, Arm: arm}
			results = append(results, byArm[arm])
		}
		for rep := range r.cfg.Reps {
			for _, arm := range rotate(waitArms, rep) {
				if ctx.Err() != nil {
					return results
				}
				res := byArm[arm]
				run, strategy := runWaitBinary(ctx, bin, dir, tg, arm)
				if strategy != "" {
					res.Strategy = strategy
				}
				res.Runs = append(res.Runs, run)
				med, p95 := percentiles(run.Waits)
				msg := fmt.Sprintf("wait       %-44s %-10s run %d/%d: %d tests, median %s, p95 %s, binary %s", tg.Name, arm, rep+1, r.cfg.Reps, len(run.Waits), fmtDur(med), fmtDur(p95), fmtDur(run.Wall))
				if run.Err != "" {
					msg += "  ERROR: " + run.Err
				}
				r.logf("%s", msg)
			}
		}
	}
	return results
}

// runWaitBinary runs the test binary once for tg and arm and returns what
// its tests waited for, and the copy strategy testkit logged.
func runWaitBinary(ctx context.Context, bin, dir string, tg waitTarget, arm string) (waitRun, string) {
	out := filepath.Join(dir, "waits.txt")
	_ = os.Remove(out)
	cmd := exec.CommandContext(ctx, bin, "-test.v", "-test.count=1", "-test.parallel="+strconv.Itoa(waitParallel))
	cmd.Dir = dir
	cmd.Env = append(os.Environ(),
		"HOIST_WAIT_ARM="+arm, "HOIST_WAIT_ENGINE="+tg.Engine, "HOIST_WAIT_OUT="+out, "HOIST_TEST_REQUIRE=1",
		// 8 tests hold a database at once: testkit's default bound on a
		// server of 100 connections is 4 (docs/testing.md).
		"HOIST_TEST_MAX_CONNS=80")
	if tg.Provider != "" {
		cmd.Env = append(cmd.Env, "HOIST_TEST_PROVIDER="+tg.Provider)
	}
	start := time.Now()
	log, err := cmd.CombinedOutput()
	run := waitRun{Wall: time.Since(start)}
	if err != nil {
		run.Err = fmt.Sprintf("%v: %s", err, lastLines(string(log), 15))
	}
	strategy := ""
	for _, line := range strings.Split(string(log), "\n") {
		if _, from, ok := strings.Cut(line, " databases come from "); ok {
			strategy = from
		}
	}
	f, err := os.Open(out)
	if err != nil {
		if run.Err == "" {
			run.Err = err.Error()
		}
		return run, strategy
	}
	defer f.Close()
	type rec struct {
		start int64
		wait  time.Duration
	}
	var recs []rec
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		var name string
		var st, ns int64
		if _, err := fmt.Sscan(sc.Text(), &name, &st, &ns); err == nil {
			recs = append(recs, rec{st, time.Duration(ns)})
		}
	}
	slices.SortFunc(recs, func(a, b rec) int { return int(a.start - b.start) })
	for _, r := range recs {
		run.Waits = append(run.Waits, r.wait)
	}
	if len(run.Waits) != waitTests && run.Err == "" {
		run.Err = fmt.Sprintf("%d of %d tests reported", len(run.Waits), waitTests)
	}
	return run, strategy
}

func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	return strings.Join(lines[max(0, len(lines)-n):], "\n")
}

// percentiles returns the median and the 95th percentile (nearest rank)
// of ws.
func percentiles(ws []time.Duration) (med, p95 time.Duration) {
	if len(ws) == 0 {
		return 0, 0
	}
	s := slices.Clone(ws)
	slices.Sort(s)
	med, _, _ = median(s)
	rank := (95*len(s) + 99) / 100 // ceil(0.95 n)
	return med, s[rank-1]
}

// waits returns the waits of the runs from the from-th on (0-based),
// leaving out the first skip tests of each run.
func (w *waitResult) waits(from, skip int) (ws []time.Duration, runs int) {
	for i, run := range w.Runs {
		if i < from || run.Err != "" {
			continue
		}
		ws = append(ws, run.Waits[min(skip, len(run.Waits)):]...)
		runs++
	}
	return ws, runs
}

// waitReport is workload 10.
func waitReport(w io.Writer, results []*waitResult) {
	p := func(format string, args ...any) { fmt.Fprintf(w, format, args...) }
	p("## 8. What a test waits for\n\n")
	p("The test binary in `waittest/` (built once with `go test -c`) run as a team runs `go test`, again and again: %d tests, each calling `t.Parallel()`, run %d at once (`-test.parallel %d`); each gets a database with the 100-migration set (100 tables with an index each, rows inserted in every fifth), then works for 50 ms (a sleep). ", waitTests, waitParallel, waitParallel)
	p("A wait is the time from the call into testkit to a database ready to use: `testkit.Migrated`, `testkit.MigratedTx`, or a fresh `testkit.Postgres` (`MySQL`, `SQLite`) then hoist `Up` (\"migrate\", what `Migrated` saves). ")
	p("Each run is a new process, so the first test of each run also pays for finding the server (on the local provider, attaching to the server that test binaries share, which the first run starts unless an earlier one, less than `HOIST_TEST_LOCAL_IDLE` ago, left it running); the first run of a set may build the template. `HOIST_TEST_MAX_CONNS=80`, so that 8 tests may hold databases at once on the system servers. ")
	p("Median and 95th percentile (nearest rank) over every test of the runs; \"later runs\" leaves out each arm's first run, and \"tests 9–24\" the first %d tests of each run, which start together with the binary.\n\n", waitParallel)
	p("| server | arm | runs | tests | median | p95 | later runs: median | p95 | later runs, tests 9–24: median | binary run (median) |\n|---|---|---:|---:|---:|---:|---:|---:|---:|---:|\n")
	for _, res := range results {
		all, runs := res.waits(0, 0)
		later, _ := res.waits(1, 0)
		settled, _ := res.waits(1, waitParallel)
		med, p95 := percentiles(all)
		lmed, lp95 := percentiles(later)
		smed, _ := percentiles(settled)
		var walls []time.Duration
		for _, run := range res.Runs {
			walls = append(walls, run.Wall)
		}
		wall, _, _ := median(walls)
		failed := ""
		if n := len(res.Runs) - runs; n > 0 {
			failed = fmt.Sprintf(" (**%d failed**)", n)
		}
		p("| %s | %s | %d%s | %d | %s | %s | %s | %s | %s | %s |\n", res.Target.Name, res.Arm, runs, failed, len(all),
			fmtDur(med), fmtDur(p95), fmtDur(lmed), fmtDur(lp95), fmtDur(smed), fmtDur(wall))
	}
	p("\nHow each server copies a template (testkit's `-v` log):\n\n")
	seen := map[string]bool{}
	for _, res := range results {
		if res.Strategy != "" && !seen[res.Target.Name] {
			seen[res.Target.Name] = true
			p("- %s: %s\n", res.Target.Name, res.Strategy)
		}
	}
	p("\nThe targets of the testkit issue, on the later runs: `Migrated` median ≤ 5 ms, `MigratedTx` ≤ 1 ms, `Migrated` ≥ 10× faster than migrating a fresh database.\n\n")
	for _, res := range results {
		if res.Arm != waitMigrated {
			continue
		}
		find := func(arm string) time.Duration {
			for _, o := range results {
				if o.Target == res.Target && o.Arm == arm {
					ws, _ := o.waits(1, 0)
					m, _ := percentiles(ws)
					return m
				}
			}
			return 0
		}
		m, tx, fresh := find(waitMigrated), find(waitMigratedTx), find(waitFresh)
		if m == 0 {
			continue
		}
		met := func(ok bool) string {
			if ok {
				return "met"
			}
			return "**not met**"
		}
		ratio := float64(fresh) / float64(m)
		p("- %s: `Migrated` %s (%s), `MigratedTx` %s (%s), %.0f× faster than migrating (%s)\n", res.Target.Name,
			fmtDur(m), met(m <= 5*time.Millisecond), fmtDur(tx), met(tx > 0 && tx <= time.Millisecond), ratio, met(ratio >= 10))
	}
	p("\n")
	for _, res := range results {
		for i, run := range res.Runs {
			if run.Err != "" {
				p("- %s, %s, run %d: %s\n", res.Target.Name, res.Arm, i+1, strings.ReplaceAll(run.Err, "\n", " / "))
			}
		}
	}
	p("\n")
}
