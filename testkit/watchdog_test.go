//go:build unix

package testkit

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// startWatchdog runs watchdogScript over server in a new directory and
// returns the directory, the write end of the watchdog's pipe and the
// command.
func startWatchdog(t *testing.T, server func(dir string) []string) (string, *os.File, *exec.Cmd, *bytes.Buffer) {
	t.Helper()
	dir, err := os.MkdirTemp("", "hoist-watchdog-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	pr, pw, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr bytes.Buffer
	cmd := exec.Command("/bin/sh", append([]string{"-c", watchdogScript, "sh", dir, "TERM"}, server(dir)...)...)
	cmd.Stdin, cmd.Stderr = pr, &stderr
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	pr.Close()
	return dir, pw, cmd, &stderr
}

// sleepyServer writes its pid and sleeps, as a server that runs until
// stopped; it exits 3 at once when told to fail.
const sleepyServer = `echo $$ > "$1/pid"; [ "$2" = fail ] && { echo "cannot bind: address already in use"; exit 3; }; exec sleep 300`

func TestWatchdogStopsServerWhenPipeCloses(t *testing.T) {
	t.Parallel()
	dir, pw, cmd, _ := startWatchdog(t, func(dir string) []string { return []string{"/bin/sh", "-c", sleepyServer, "fake", dir} })
	var pid int
	for deadline := time.Now().Add(10 * time.Second); pid == 0; {
		b, _ := os.ReadFile(filepath.Join(dir, "pid"))
		pid, _ = strconv.Atoi(strings.TrimSpace(string(b)))
		if pid == 0 && time.Now().After(deadline) {
			t.Fatal("the fake server did not start")
		}
		time.Sleep(10 * time.Millisecond)
	}
	// What happens when the test binary exits, whichever way.
	pw.Close()
	done := make(chan error)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		var exit *exec.ExitError
		if err != nil && !errors.As(err, &exit) {
			t.Fatal(err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the watchdog did not exit when its pipe closed")
	}
	if processAlive(pid) {
		t.Errorf("the server (pid %d) outlived its watchdog", pid)
	}
	if _, err := os.Stat(dir); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the server's directory is still there: %v", err)
	}
}

func TestWatchdogReportsServerFailure(t *testing.T) {
	t.Parallel()
	dir, pw, cmd, stderr := startWatchdog(t, func(dir string) []string { return []string{"/bin/sh", "-c", sleepyServer, "fake", dir, "fail"} })
	defer pw.Close()
	err := cmd.Wait()
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.ExitCode() != 3 {
		t.Errorf("watchdog exit = %v, want the server's status 3", err)
	}
	if !strings.Contains(stderr.String(), "address already in use") {
		t.Errorf("watchdog stderr = %q, want the server log's tail", stderr.String())
	}
	if _, err := os.Stat(dir); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the server's directory is still there: %v", err)
	}
}

func TestFindBinDir(t *testing.T) {
	t.Parallel()
	empty, full := t.TempDir(), t.TempDir()
	for _, name := range []string{"initdb", "postgres"} {
		if err := os.WriteFile(filepath.Join(full, name), []byte("#!/bin/sh\n"), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(empty, "initdb"), []byte("not executable"), 0o644); err != nil {
		t.Fatal(err)
	}
	if dir, ok := findBinDir([]string{"", empty, full}, "initdb", "postgres"); !ok || dir != full {
		t.Errorf("findBinDir = %q, %t; want %q", dir, ok, full)
	}
	if _, ok := findBinDir([]string{empty}, "initdb"); ok {
		t.Error("findBinDir accepted a file that is not executable")
	}
}

func TestLocalCredential(t *testing.T) {
	t.Parallel()
	cred, who, err := localCredential([]string{"hoist-no-such-user", "postgres"})
	if os.Geteuid() != 0 {
		if cred != nil || err != nil {
			t.Errorf("not root: localCredential = %v, %q, %v; want this process's user", cred, who, err)
		}
		return
	}
	if err != nil || cred == nil || cred.Uid == 0 || who != "user postgres" {
		t.Errorf("root: localCredential = %+v, %q, %v; want the postgres user", cred, who, err)
	}
	_, _, err = localCredential([]string{"hoist-no-such-user", "root"})
	var r *rejectedError
	if !errors.As(err, &r) || !strings.Contains(r.reason, "running as root, and none of the unprivileged users hoist-no-such-user, root exists") {
		t.Errorf("root without a user: localCredential error = %v", err)
	}
}

func TestSweepLocalDir(t *testing.T) {
	t.Parallel()
	base := t.TempDir()
	dead := filepath.Join(base, "hoist-postgres-999999999-1")
	alive := filepath.Join(base, "hoist-postgres-"+strconv.Itoa(os.Getpid())+"-2")
	fresh := filepath.Join(base, "hoist-postgres-999999998-3")
	for _, d := range []string{dead, alive, fresh} {
		if err := os.Mkdir(d, 0o700); err != nil {
			t.Fatal(err)
		}
	}
	old := time.Now().Add(-time.Hour)
	for _, d := range []string{dead, alive} {
		if err := os.Chtimes(d, old, old); err != nil {
			t.Fatal(err)
		}
	}
	sweepLocalDir(base, "postgres", time.Now())
	for d, want := range map[string]bool{dead: false, alive: true, fresh: true} {
		_, err := os.Stat(d)
		if got := err == nil; got != want {
			t.Errorf("after the sweep, %s exists: %t, want %t", filepath.Base(d), got, want)
		}
	}
}
