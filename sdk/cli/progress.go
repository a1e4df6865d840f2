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

// progress prints one line per migration as the engine reports it
// through its logger, with its duration. On a terminal it also keeps a
// live line naming the migration that is running, rewritten when it
// ends. The engine's other log lines (lock waits, warnings) go to
// standard error.
type progress struct {
	mu      sync.Mutex
	p       *printer
	quiet   bool // --json: no progress lines, warnings still go to stderr
	printed map[step]bool
	queue   []sdk.Applied // what is expected to run next, for the live line
	showing bool          // a live line is on screen
}

// step identifies one migration run in one direction.
type step struct {
	version int64
	dir     sdk.Direction
}

func newProgress(p *printer) *progress {
	return &progress{p: p, printed: map[step]bool{}}
}

// expect announces what is about to run, in order, so that a terminal
// shows a live line for each. It is a forecast only: lines are printed
// for what actually ran.
func (pr *progress) expect(list []sdk.Applied) {
	pr.mu.Lock()
	defer pr.mu.Unlock()
	if pr.quiet || !pr.p.live {
		return
	}
	pr.queue = list
	pr.showLive()
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
	pr.p.println(pr.line(a, true))
	for len(pr.queue) > 0 && pr.printed[step{pr.queue[0].Version, pr.queue[0].Direction}] {
		pr.queue = pr.queue[1:]
	}
	pr.showLive()
}

// finish clears the live line and prints the migrations of res that the
// logger did not report, as happens when the Migrator was built without
// [Config.Options].
func (pr *progress) finish(res *sdk.Result) {
	pr.mu.Lock()
	defer pr.mu.Unlock()
	pr.clearLive()
	pr.queue = nil
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

func (pr *progress) showLive() {
	if len(pr.queue) == 0 || !pr.p.live {
		return
	}
	fmt.Fprint(pr.p.w, pr.line(pr.queue[0], false))
	pr.showing = true
}

func (pr *progress) clearLive() {
	if pr.showing {
		fmt.Fprint(pr.p.w, "\r\x1b[K")
		pr.showing = false
	}
}

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
	fmt.Fprintln(pr.p.errw, b.String())
	pr.showLive()
}

// event feeds pr from the engine's progress events ([sdk.WithProgress]).
func (pr *progress) event(_ context.Context, e sdk.Event) {
	switch e.Kind {
	case sdk.EventMigrated:
		pr.done(e.Migration)
	case sdk.EventLockWait:
		holder := e.Holder
		if holder == "" {
			holder = "an unknown holder"
		}
		pr.notef("waiting for the migration lock %s, held by %s", e.Lock, holder)
	case sdk.EventLocked:
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
