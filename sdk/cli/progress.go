package cli

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/hoistdb/hoist/sdk"
)

// progress prints one line per migration as the engine reports it,
// with its duration. On a terminal it also keeps a live line that tells
// what is happening now, with the time it has taken so far: "waiting for
// the migration lock held by ... (12.0s)" while the lock is held
// elsewhere, then "[3/17] up   20261202 add_slug … 2.1s" while a
// migration runs. The live line follows the engine's events, so it never
// shows a migration as running before the engine starts it. The engine's
// other log lines (lock waits off a terminal, warnings) go to standard
// error.
type progress struct {
	mu    sync.Mutex
	p     *printer
	quiet bool // --json: no progress lines, warnings still go to stderr
	// fleet is set while a fleet runs: its targets' migrations run at
	// once, so the lines are per target (fleetLine), the engine's events
	// are left out, and each distinct warning is printed once.
	fleet  bool
	warned map[string]bool
	// run is what the fleet's run does to each tenant (migrate,
	// migrate:rollback, seed or migrate:repair --tenants), in the words
	// of the tenants' lines; the zero fleetOp is migrate's.
	run fleetOp
	// upToDate counts the tenants found up to date whose line is yet to
	// be printed, lastDone and lastTotal the count of the last
	// (cmd_fleet.go).
	upToDate, lastDone, lastTotal int
	printed                       map[step]bool
	total                         int // migrations the run is expected to run, 0 when unknown
	started                       int // migrations started so far

	current func(elapsed time.Duration) string // the live line's text; nil: none
	since   time.Time                          // when current began
	showing bool                               // a live line is on screen
	now     func() time.Time
	tick    time.Duration // how often the live line's clock is redrawn; 0: never
	ticker  chan struct{} // closed to stop the redrawing goroutine
	stopped sync.WaitGroup
}

// step identifies one migration run in one direction.
type step struct {
	version int64
	dir     sdk.Direction
}

func newProgress(p *printer) *progress {
	return &progress{p: p, printed: map[step]bool{}, now: time.Now, tick: time.Second}
}

// expect announces what is about to run, so that the live line can count
// ("[3/17]"). It shows nothing: the engine's events do.
func (pr *progress) expect(list []sdk.Applied) {
	pr.mu.Lock()
	defer pr.mu.Unlock()
	pr.total = len(list)
}

// done prints the line of a migration that ran.
func (pr *progress) done(a sdk.Applied) {
	pr.mu.Lock()
	defer pr.mu.Unlock()
	pr.printed[step{a.Version, a.Direction}] = true
	if pr.quiet {
		return
	}
	pr.clearLive()
	pr.current = nil
	pr.p.println(pr.line(a, true))
}

// finish clears the live line and prints the migrations of res that the
// engine did not report, as happens when the Migrator was built without
// [Config.Options].
func (pr *progress) finish(res *sdk.Result) {
	pr.stop()
	pr.mu.Lock()
	defer pr.mu.Unlock()
	pr.clearLive()
	pr.current = nil
	pr.total, pr.started = 0, 0
	if pr.quiet || res == nil {
		return
	}
	for _, a := range res.Applied {
		if !pr.printed[step{a.Version, a.Direction}] {
			pr.printed[step{a.Version, a.Direction}] = true
			pr.p.println(pr.line(a, true))
		}
	}
}

func (pr *progress) line(a sdk.Applied, finished bool) string {
	sgr := green
	if a.Direction == sdk.Down {
		sgr = yellow
	}
	s := fmt.Sprintf("  %s %d %s", pr.p.paint(sgr, fmt.Sprintf("%-4s", a.Direction)), a.Version, a.Name)
	if finished {
		return s + " " + pr.p.paint(dim, "("+duration(a.Duration)+")")
	}
	return s + " " + pr.p.paint(dim, "…")
}

// setLive makes text the live line, from now on, on a terminal.
func (pr *progress) setLive(text func(elapsed time.Duration) string) {
	if pr.quiet || !pr.p.live {
		return
	}
	pr.clearLive()
	pr.current, pr.since = text, pr.now()
	pr.showLive()
	if pr.tick > 0 && pr.ticker == nil {
		pr.ticker = make(chan struct{})
		pr.stopped.Add(1)
		go pr.redraw(pr.ticker, pr.tick)
	}
}

// redraw rewrites the live line every tick, so that its clock runs.
func (pr *progress) redraw(stop chan struct{}, tick time.Duration) {
	defer pr.stopped.Done()
	t := time.NewTicker(tick)
	defer t.Stop()
	for {
		select {
		case <-stop:
			return
		case <-t.C:
			pr.mu.Lock()
			if pr.current != nil {
				pr.clearLive()
				pr.showLive()
			}
			pr.mu.Unlock()
		}
	}
}

// stop ends the redrawing goroutine, if any, and waits for it.
func (pr *progress) stop() {
	pr.mu.Lock()
	stop := pr.ticker
	pr.ticker = nil
	pr.mu.Unlock()
	if stop != nil {
		close(stop)
		pr.stopped.Wait()
	}
}

func (pr *progress) showLive() {
	if pr.current == nil || !pr.p.live || pr.quiet {
		return
	}
	fmt.Fprint(pr.p.w, pr.current(pr.now().Sub(pr.since)))
	pr.showing = true
}

func (pr *progress) clearLive() {
	if pr.showing {
		fmt.Fprint(pr.p.w, "\r\x1b[K")
		pr.showing = false
	}
}

// elapsed formats the live line's clock: tenths of a second.
func elapsed(d time.Duration) string { return fmt.Sprintf("%.1fs", d.Seconds()) }

// notef prints a line about the run on standard error.
func (pr *progress) notef(format string, args ...any) {
	pr.mu.Lock()
	defer pr.mu.Unlock()
	pr.clearLive()
	fmt.Fprintf(pr.p.errw, format+"\n", args...)
	pr.showLive()
}

// note prints one of the engine's warnings on standard error.
func (pr *progress) note(r slog.Record) {
	pr.mu.Lock()
	defer pr.mu.Unlock()
	pr.clearLive()
	var b strings.Builder
	if r.Level >= slog.LevelWarn {
		b.WriteString("warning: ")
	}
	b.WriteString(strings.TrimPrefix(r.Message, "hoist: "))
	sep := ": "
	r.Attrs(func(a slog.Attr) bool {
		fmt.Fprintf(&b, "%s%s=%v", sep, a.Key, a.Value.Resolve())
		sep = " "
		return true
	})
	if pr.fleet {
		if pr.warned[b.String()] {
			pr.showLive()
			return
		}
		if pr.warned == nil {
			pr.warned = map[string]bool{}
		}
		pr.warned[b.String()] = true
	}
	fmt.Fprintln(pr.p.errw, b.String())
	pr.showLive()
}

// event feeds pr from the engine's progress events ([sdk.WithProgress]).
func (pr *progress) event(_ context.Context, e sdk.Event) {
	pr.mu.Lock()
	fleet := pr.fleet
	pr.mu.Unlock()
	if fleet {
		return
	}
	switch e.Kind {
	case sdk.EventMigrating:
		pr.mu.Lock()
		pr.started++
		count := fmt.Sprintf("[%d/%d]", pr.started, pr.total)
		if pr.total < pr.started {
			count = fmt.Sprintf("[%d]", pr.started)
		}
		a := e.Migration
		pr.setLive(func(d time.Duration) string {
			return pr.p.paint(dim, count) + " " + strings.TrimLeft(pr.line(a, false), " ") + " " + pr.p.paint(dim, elapsed(d))
		})
		pr.mu.Unlock()
	case sdk.EventMigrated:
		pr.done(e.Migration)
	case sdk.EventLockWait:
		holder := e.Holder
		if holder == "" {
			holder = "an unknown holder"
		}
		pr.mu.Lock()
		live := pr.p.live && !pr.quiet
		if live {
			pr.setLive(func(d time.Duration) string {
				return pr.p.paint(yellow, "waiting for the migration lock held by "+holder) + " " + pr.p.paint(dim, "("+elapsed(d)+")")
			})
		}
		pr.mu.Unlock()
		if !live {
			pr.notef("waiting for the migration lock %s, held by %s", e.Lock, holder)
		}
	case sdk.EventLocked:
		pr.mu.Lock()
		pr.clearLive()
		pr.current = nil
		pr.mu.Unlock()
		pr.notef("took the migration lock after %s", e.Waited.Round(time.Millisecond))
	}
}

// logger returns a logger for [sdk.WithLogger] that prints the engine's
// warnings and errors; progress comes through [progress.event].
func (pr *progress) logger() *slog.Logger { return slog.New(progressHandler{pr}) }

type progressHandler struct{ pr *progress }

func (h progressHandler) Enabled(_ context.Context, l slog.Level) bool { return l >= slog.LevelWarn }

func (h progressHandler) WithAttrs([]slog.Attr) slog.Handler { return h }

func (h progressHandler) WithGroup(string) slog.Handler { return h }

func (h progressHandler) Handle(_ context.Context, r slog.Record) error {
	h.pr.note(r)
	return nil
}
