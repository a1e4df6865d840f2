package cli_test

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hoistdb/hoist/testkit"
)

// terminal runs the hoist binary under a pseudo-terminal, in a tmux
// server of its own, and reads the screen.
type terminal struct {
	t      *testing.T
	socket string // path of the server's socket
	n      int
}

func newTerminal(t *testing.T) *terminal {
	t.Helper()
	if _, err := exec.LookPath("tmux"); err != nil {
		if os.Getenv("HOIST_TEST_REQUIRE") == "1" {
			t.Fatal("tmux is not installed, and HOIST_TEST_REQUIRE=1: the terminal tests need it (apt-get install tmux)")
		}
		t.Skip("tmux is not installed; the terminal tests need it")
	}
	// A socket of its own, in a directory removed afterwards: the test
	// touches no other tmux server, and leaves nothing behind.
	dir, err := os.MkdirTemp("", "hoist-tmux-")
	if err != nil {
		t.Fatal(err)
	}
	tm := &terminal{t: t, socket: filepath.Join(dir, "s")}
	t.Cleanup(func() {
		exec.Command("tmux", "-S", tm.socket, "kill-server").Run()
		os.RemoveAll(dir)
	})
	return tm
}

// start runs a command line in dir with env in a new window and returns
// the window's name. The shell prints EXIT=<status> when it ends.
func (tm *terminal) start(dir string, env []string, args ...string) string {
	tm.t.Helper()
	tm.n++
	name := fmt.Sprintf("w%d", tm.n)
	var script strings.Builder
	script.WriteString("cd '" + dir + "'\n")
	for _, kv := range env {
		k, v, _ := strings.Cut(kv, "=")
		script.WriteString("export " + k + "='" + v + "'\n")
	}
	script.WriteString("'" + hoist(tm.t) + "' " + strings.Join(args, " ") + "\necho EXIT=$?\nsleep 600\n")
	path := filepath.Join(tm.t.TempDir(), name+".sh")
	if err := os.WriteFile(path, []byte(script.String()), 0o755); err != nil {
		tm.t.Fatal(err)
	}
	out, err := exec.Command("tmux", "-S", tm.socket, "new-session", "-d", "-s", name, "-x", "220", "-y", "50", "sh "+path).CombinedOutput()
	if err != nil {
		tm.t.Fatalf("tmux new-session: %v\n%s", err, out)
	}
	return name
}

// waitFor polls the screen of window name until it contains want, and
// returns the screen.
func (tm *terminal) waitFor(name, want string) string {
	tm.t.Helper()
	var screen string
	for deadline := time.Now().Add(60 * time.Second); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		out, err := exec.Command("tmux", "-S", tm.socket, "capture-pane", "-p", "-J", "-t", name).Output()
		if err != nil {
			tm.t.Fatalf("tmux capture-pane: %v", err)
		}
		if screen = string(out); strings.Contains(screen, want) {
			return screen
		}
	}
	tm.t.Fatalf("the terminal never showed %q:\n%s", want, screen)
	return ""
}

func (tm *terminal) typeLine(name, line string) {
	tm.t.Helper()
	if out, err := exec.Command("tmux", "-S", tm.socket, "send-keys", "-t", name, line, "Enter").CombinedOutput(); err != nil {
		tm.t.Fatalf("tmux send-keys: %v\n%s", err, out)
	}
}

// TestProductionPromptTerminal: on a terminal, a destructive command on a
// production-looking target says what it will do (migrate:rollback lists
// what it will undo), waits for "yes", and does nothing on another answer.
func TestProductionPromptTerminal(t *testing.T) {
	eachEngine(t, func(t *testing.T, db *testkit.DB, dbURL string) {
		s := newSession(t, "DATABASE_URL="+dbURL)
		laravelProject(t, s)
		s.ok("migrate")
		tm := newTerminal(t)
		env := []string{"DATABASE_URL=" + dbURL, "HOIST_ENV=production", "NO_COLOR=1"}

		w := tm.start(s.dir, env, "migrate:rollback")
		screen := tm.waitFor(w, "Type yes to go on:")
		for _, want := range []string{"careful: the target looks like production (HOIST_ENV=production).",
			"it would roll back 2 migrations:", "down 2 b", "down 1 a"} {
			if !strings.Contains(screen, want) {
				t.Errorf("the question lacks %q:\n%s", want, screen)
			}
		}
		tm.typeLine(w, "no")
		if screen := tm.waitFor(w, "EXIT="); !strings.Contains(screen, "not confirmed; nothing changed") || !strings.Contains(screen, "EXIT=1") {
			t.Errorf("answering no:\n%s", screen)
		}
		tableExists(t, db, "b", true)

		w = tm.start(s.dir, env, "migrate:rollback")
		tm.waitFor(w, "Type yes to go on:")
		tm.typeLine(w, "yes")
		if screen := tm.waitFor(w, "EXIT="); !strings.Contains(screen, "rolled back 2 migrations") || !strings.Contains(screen, "EXIT=0") {
			t.Errorf("answering yes:\n%s", screen)
		}
		tableExists(t, db, "b", false)

		w = tm.start(s.dir, env, "migrate:fresh")
		screen = tm.waitFor(w, "Type yes to go on:")
		if !strings.Contains(screen, "migrate:fresh drops every table, view and type of") {
			t.Errorf("migrate:fresh's question:\n%s", screen)
		}
		tm.typeLine(w, "yes")
		if screen := tm.waitFor(w, "EXIT="); !strings.Contains(screen, "migrated 2 migrations") || !strings.Contains(screen, "EXIT=0") {
			t.Errorf("migrate:fresh answering yes:\n%s", screen)
		}
		tableExists(t, db, "b", true)
	})
}
