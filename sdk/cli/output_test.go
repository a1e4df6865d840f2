package cli

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"regexp"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/hoistdb/hoist/sdk"
	"github.com/hoistdb/hoist/testkit"
)

// TestProgressLiveLine: on a terminal the live line follows the engine's
// events: a lock wait with its clock, then "[i/n]" and the migration that
// runs, cleared for a warning and replaced by the plain line when the
// migration ends. Nothing is shown as running before the engine starts
// it.
func TestProgressLiveLine(t *testing.T) {
	t.Parallel()
	var out, errb bytes.Buffer
	pr := newProgress(&printer{w: &out, errw: &errb, live: true})
	pr.tick = 0 // no redrawing goroutine: the output is exact
	clock := time.Date(2026, 12, 2, 9, 0, 0, 0, time.UTC)
	pr.now = func() time.Time { return clock }
	a := sdk.Applied{Version: 1, Name: "a", Direction: sdk.Up, Duration: 1500 * time.Microsecond}
	b := sdk.Applied{Version: 2, Name: "b", Direction: sdk.Up, Duration: 20 * time.Microsecond}
	ctx := context.Background()
	pr.expect([]sdk.Applied{a, b})
	if out.Len() != 0 {
		t.Errorf("expect showed %q before the engine started anything", out.String())
	}
	log := pr.logger()
	pr.event(ctx, sdk.Event{Kind: sdk.EventLockWait, Lock: "pg_advisory_lock(42)", Holder: "pid 7 (hoist)"})
	clock = clock.Add(12 * time.Second)
	pr.event(ctx, sdk.Event{Kind: sdk.EventLocked, Lock: "pg_advisory_lock(42)", Waited: 12 * time.Second})
	pr.event(ctx, sdk.Event{Kind: sdk.EventMigrating, Migration: a})
	pr.event(ctx, sdk.Event{Kind: sdk.EventMigrated, Migration: a})
	log.Info("hoist: migrated", slog.Int64("version", 1)) // progress comes from events, not the log
	pr.event(ctx, sdk.Event{Kind: sdk.EventMigrating, Migration: b})
	clock = clock.Add(2100 * time.Millisecond)
	log.Warn("hoist: applied migration was edited", slog.Int64("version", 7))
	pr.done(b)
	pr.finish(&sdk.Result{Applied: []sdk.Applied{a, b}})
	want := "waiting for the migration lock held by pid 7 (hoist) (0.0s)\r\x1b[K" +
		"[1/2] up   1 a … 0.0s\r\x1b[K  up   1 a (1.5ms)\n" +
		"[2/2] up   2 b … 0.0s\r\x1b[K" + // cleared for the warning
		"[2/2] up   2 b … 2.1s\r\x1b[K  up   2 b (20µs)\n"
	if out.String() != want {
		t.Errorf("terminal output\n%q\nwant\n%q", out.String(), want)
	}
	if errb.String() != "took the migration lock after 12s\nwarning: applied migration was edited: version=7\n" {
		t.Errorf("stderr %q", errb.String())
	}
}

func TestProgressLockWait(t *testing.T) {
	t.Parallel()
	var out, errb bytes.Buffer
	pr := newProgress(&printer{w: &out, errw: &errb})
	pr.event(context.Background(), sdk.Event{Kind: sdk.EventLockWait, Lock: "pg_advisory_lock(42)", Holder: "pid 7 (api)"})
	pr.event(context.Background(), sdk.Event{Kind: sdk.EventLocked, Lock: "pg_advisory_lock(42)", Waited: 1500 * time.Millisecond})
	want := "waiting for the migration lock pg_advisory_lock(42), held by pid 7 (api)\ntook the migration lock after 1.5s\n"
	if errb.String() != want || out.Len() != 0 {
		t.Errorf("stderr %q, stdout %q; want %q on stderr only", errb.String(), out.String(), want)
	}
}

func TestProgressPlain(t *testing.T) {
	t.Parallel()
	var out bytes.Buffer
	pr := newProgress(&printer{w: &out, errw: io.Discard})
	a := sdk.Applied{Version: 1, Name: "a", Direction: sdk.Down, Duration: time.Millisecond}
	pr.expect([]sdk.Applied{a})
	// Nothing came through the logger: finish prints the result.
	pr.finish(&sdk.Result{Applied: []sdk.Applied{a}})
	if out.String() != "  down 1 a (1ms)\n" {
		t.Errorf("plain output %q", out.String())
	}
}

var reEscape = regexp.MustCompile("\x1b\\[[0-9;]*[mK]")

// session runs commands in process, on a terminal or not, with the
// environment given as name, value pairs.
type session func(terminal bool, env []string, in string, args ...string) (stdout, stderr string, code int)

// testTree returns a session over a SQLite database with one migration
// applied and one pending.
func testTree(t *testing.T) session {
	t.Helper()
	db := testkit.SQLite(t)
	files := fstest.MapFS{
		"1_a.sql": {Data: []byte("-- +hoist up\nCREATE TABLE a (id INT);\n-- +hoist down\nDROP TABLE a;\n")},
		"2_b.sql": {Data: []byte("-- +hoist up\nCREATE TABLE b (id INT);\n-- +hoist down\nDROP TABLE b;\n")},
	}
	m, err := sdk.New(db.DB, db.Dialect, sdk.WithFS(files), sdk.WithLogger(slog.New(slog.DiscardHandler)))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := m.UpTo(t.Context(), 1); err != nil {
		t.Fatal(err)
	}
	return func(terminal bool, env []string, in string, args ...string) (string, string, int) {
		tr := &tree{fixed: m}
		root, err := build(tr, nil)
		if err != nil {
			t.Fatal(err)
		}
		tr.terminal = func(any) bool { return terminal }
		tr.env = mapEnv(env...)
		var out, errb bytes.Buffer
		root.SetArgs(args)
		root.SetIn(strings.NewReader(in))
		root.SetOut(&out)
		root.SetErr(&errb)
		code := Execute(context.Background(), root)
		return out.String(), errb.String(), code
	}
}

func TestColour(t *testing.T) {
	t.Parallel()
	run := testTree(t)
	plain, _, _ := run(false, nil, "", "migrate:status")
	coloured, _, _ := run(true, nil, "", "migrate:status")
	noColor, _, _ := run(true, []string{"NO_COLOR", "1"}, "", "migrate:status")
	dumb, _, _ := run(true, []string{"TERM", "dumb"}, "", "migrate:status")
	if strings.Contains(plain, "\x1b") || strings.Contains(noColor, "\x1b") || strings.Contains(dumb, "\x1b") {
		t.Errorf("colour off a terminal or with NO_COLOR or TERM=dumb:\n%q\n%q\n%q", plain, noColor, dumb)
	}
	if !strings.Contains(coloured, "\x1b[") {
		t.Errorf("no colour on a terminal: %q", coloured)
	}
	if got := reEscape.ReplaceAllString(coloured, ""); got != plain {
		t.Errorf("colour changed the layout:\n%s\nwant\n%s", got, plain)
	}
}

func TestConfirm(t *testing.T) {
	t.Parallel()
	run := testTree(t)
	_, stderr, code := run(true, nil, "no\n", "migrate:history", "--reset")
	if code != ExitFailure || !strings.Contains(stderr, "Type yes to go on") || !strings.Contains(stderr, "not confirmed; nothing changed") {
		t.Errorf("answering no: exit %d\n%s", code, stderr)
	}
	_, stderr, code = run(false, nil, "yes\n", "migrate:history", "--delete")
	if code != ExitUsage || !strings.Contains(stderr, "add --force") {
		t.Errorf("off a terminal without --force: exit %d\n%s", code, stderr)
	}
	out, stderr, code := run(true, nil, "yes\n", "migrate:history", "--reset")
	if code != ExitOK || !strings.Contains(out, "deleted 1 row") {
		t.Errorf("answering yes: exit %d\n%s%s", code, out, stderr)
	}
	if out, _, _ := run(false, nil, "", "migrate:status"); !strings.Contains(out, "0 applied, 2 pending") {
		t.Errorf("after the reset:\n%s", out)
	}
}

func TestScrub(t *testing.T) {
	t.Parallel()
	_, secrets := redactURL("postgres://u:p%40ss@h/db?sslpassword=k3y")
	// The password is masked where it stands as a password; the same text
	// elsewhere is left alone.
	err := scrub(usageError{err: errEx("bad postgres://u:p%40ss@h/db and u:p@ss@tcp(h) and sslpassword=k3y, " +
		"host=h password='a b' user=u, not p@ss or k3y"), help: true}, secrets)
	want := "bad postgres://u:xxxxx@h/db and u:xxxxx@tcp(h) and sslpassword=xxxxx, host=h password=xxxxx user=u, not p@ss or k3y"
	if got := err.Error(); got != want {
		t.Errorf("scrubbed:\n got %q\nwant %q", got, want)
	}
	if code, help := classify(err); code != ExitUsage || !help {
		t.Errorf("scrubbing lost the kind of error: %d %v", code, help)
	}
}

type errEx string

func (e errEx) Error() string { return string(e) }
