package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"slices"
	"strings"
	"sync"
	"time"
)

// childEnv carries a childSpec, as JSON, to a re-executed bench binary.
const childEnv = "HOIST_BENCH_CHILD"

// childSpec is what one process of the concurrent start does.
type childSpec struct {
	Tool string
	Kind kind
	DSN  string
	N    int
}

// childResult is what it reports on its standard output.
type childResult struct {
	Err     string        `json:",omitempty"`
	Dur     time.Duration // from the barrier to the tool's return
	Applied int
}

// runChild is the child mode: build the migrations, say "ready", wait
// until the parent closes standard input (the barrier that starts all
// processes at once), then boot like an application does: open the
// database, build the tool, apply what is pending. It reports on standard
// output and exits 0 also when the tool failed.
func runChild() int {
	var spec childSpec
	if err := json.Unmarshal([]byte(os.Getenv(childEnv)), &spec); err != nil {
		fmt.Fprintln(os.Stderr, "bench child:", err)
		return 2
	}
	tl, err := newTool(spec.Tool, true)
	if err != nil {
		fmt.Fprintln(os.Stderr, "bench child:", err)
		return 2
	}
	t := target{spec.Kind, spec.DSN}
	fsys := migrationsFS(tl.format(), spec.N)
	fmt.Println("ready")
	_, _ = io.Copy(io.Discard, os.Stdin)

	ctx := context.Background()
	start := time.Now()
	res := childResult{}
	db, err := openDB(t.kind, tl.dsn(t), &stats{})
	if err == nil {
		var release func()
		res.Applied, release, err = tl.up(ctx, db, t, fsys)
		res.Dur = time.Since(start)
		release()
		_ = db.Close()
	}
	if err != nil {
		res.Err = err.Error()
	}
	_ = json.NewEncoder(os.Stdout).Encode(res)
	return 0
}

// ---- workload 4: concurrent start ----

func (r *runner) concurrent(ctx context.Context, srv server) {
	n := r.cfg.ConcN
	tools := r.toolsFor("concurrent", srv.kind(), n)
	if len(tools) == 0 {
		return
	}
	for rep := range r.cfg.Reps {
		for _, name := range rotate(tools, rep) {
			tl, _ := newTool(name, true)
			cs := r.concurrentOnce(ctx, srv, tl, n)
			c := r.cell("concurrent", srv.kind(), n, name)
			c.Conc = append(c.Conc, cs)
			_, lo, hi := median(cs.Children)
			msg := fmt.Sprintf("%-10s %-8s N=%-4d rep %d/%d %-9s %10s  %d/%d failed  exactly once: %v  (each process %s–%s)",
				"concurrent", srv.kind(), n, rep+1, r.cfg.Reps, name, fmtDur(cs.Wall), cs.Failures, cs.Procs, cs.ExactlyOnce, fmtDur(lo), fmtDur(hi))
			if cs.Detail != "" {
				msg += " (" + cs.Detail + ")"
			}
			for _, e := range dedupe(cs.Errors) {
				msg += "\n    " + e
			}
			r.logf("%s", msg)
		}
	}
}

type child struct {
	cmd    *exec.Cmd
	stdin  io.WriteCloser
	stdout *bufio.Reader
	stderr bytes.Buffer
}

func (r *runner) concurrentOnce(ctx context.Context, srv server, tl tool, n int) concSample {
	procs := r.cfg.Procs
	cs := concSample{Procs: procs}
	fail := func(err error) concSample {
		cs.Failures = procs
		cs.Errors = []string{err.Error()}
		return cs
	}
	dbName := newName("conc_" + tl.name())
	dsn, err := srv.create(ctx, dbName)
	if err != nil {
		return fail(fmt.Errorf("creating the database: %w", err))
	}
	defer srv.drop(context.WithoutCancel(ctx), dbName)
	t := target{srv.kind(), dsn}
	exe, err := os.Executable()
	if err != nil {
		return fail(err)
	}
	spec, _ := json.Marshal(childSpec{Tool: tl.name(), Kind: t.kind, DSN: t.dsn, N: n})

	cctx, cancel := context.WithTimeout(ctx, r.cfg.childTimeout)
	defer cancel()
	children := make([]*child, 0, procs)
	defer func() {
		for _, c := range children {
			if c.cmd.ProcessState == nil && c.cmd.Process != nil {
				_ = c.cmd.Process.Kill()
				_ = c.cmd.Wait()
			}
		}
	}()
	for range procs {
		c := &child{cmd: exec.CommandContext(cctx, exe, "-child")}
		c.cmd.Env = append(os.Environ(), childEnv+"="+string(spec))
		c.cmd.Stderr = &c.stderr
		if c.stdin, err = c.cmd.StdinPipe(); err != nil {
			return fail(err)
		}
		out, err := c.cmd.StdoutPipe()
		if err != nil {
			return fail(err)
		}
		c.stdout = bufio.NewReader(out)
		if err := c.cmd.Start(); err != nil {
			return fail(err)
		}
		children = append(children, c)
	}
	for _, c := range children {
		line, err := c.stdout.ReadString('\n')
		if err != nil || line != "ready\n" {
			return fail(fmt.Errorf("a child did not get ready: %q %v %s", line, err, c.stderr.String()))
		}
	}

	// The barrier: every child is blocked reading standard input.
	start := time.Now()
	for _, c := range children {
		_ = c.stdin.Close()
	}
	type outcome struct {
		res  childResult
		err  error
		done time.Time
	}
	outcomes := make([]outcome, len(children))
	var wg sync.WaitGroup
	for i, c := range children {
		wg.Go(func() {
			out, _ := io.ReadAll(c.stdout)
			werr := c.cmd.Wait()
			o := outcome{done: time.Now(), err: werr}
			if werr == nil {
				if err := json.Unmarshal(bytes.TrimSpace(out), &o.res); err != nil {
					o.err = fmt.Errorf("bad child output %q: %w", out, err)
				}
			}
			if o.err != nil && cctx.Err() != nil {
				o.err = fmt.Errorf("killed after %s: %w", r.cfg.childTimeout, o.err)
			}
			if o.err != nil && c.stderr.Len() > 0 {
				o.err = fmt.Errorf("%w: %s", o.err, strings.TrimSpace(c.stderr.String()))
			}
			outcomes[i] = o
		})
	}
	wg.Wait()
	for _, o := range outcomes {
		cs.Wall = max(cs.Wall, o.done.Sub(start))
		cs.Children = append(cs.Children, o.res.Dur)
		msg := o.res.Err
		if o.err != nil {
			msg = o.err.Error()
		}
		if msg != "" {
			cs.Failures++
			cs.Errors = append(cs.Errors, firstLine(msg))
		}
	}
	cs.ExactlyOnce, cs.Detail = verify(ctx, t, tl, n)
	return cs
}

func firstLine(s string) string {
	s, _, _ = strings.Cut(s, "\n")
	if len(s) > 300 {
		s = s[:300] + "…"
	}
	return s
}

// dedupe collapses equal messages into one with a count ("3× msg"), the
// most frequent first.
func dedupe(msgs []string) []string {
	counts := map[string]int{}
	var order []string
	for _, m := range msgs {
		if counts[m] == 0 {
			order = append(order, m)
		}
		counts[m]++
	}
	slices.SortStableFunc(order, func(a, b string) int { return counts[b] - counts[a] })
	out := make([]string, 0, len(order))
	for _, m := range order {
		if counts[m] > 1 {
			m = fmt.Sprintf("%d× %s", counts[m], m)
		}
		out = append(out, m)
	}
	return out
}
