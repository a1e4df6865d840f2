//go:build linux

// Package pgserver starts a PostgreSQL server of a test's own, for the
// tests of fleets that span several servers: testkit gives each test a
// database on one server, and these tests need a second server beside
// it. The sdk tests and the command's tests share it.
//
// The server runs the installed initdb and postgres in a temporary
// directory, on a free port of 127.0.0.1, as the user postgres (or
// nobody) when the tests run as root, since PostgreSQL refuses to run as
// root. It is stopped and its directory removed when the test ends; if
// the test binary is killed, the kernel stops the server
// (PR_SET_PDEATHSIG), and the next Start removes what is left.
package pgserver

import (
	"database/sql"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // registers "pgx"
)

// Start starts a PostgreSQL server for t and returns the URL of its
// postgres database (user postgres, no password). Without the binaries
// it skips t, or fails it when HOIST_TEST_REQUIRE is set.
func Start(t testing.TB) string {
	t.Helper()
	bin := binDir()
	if bin == "" {
		give(t, "pgserver: no initdb and postgres in PATH or /usr/lib/postgresql/*/bin: a second PostgreSQL server cannot be started")
	}
	cred, err := credential()
	if err != nil {
		give(t, "pgserver: %v", err)
	}
	sweep()
	dir, err := os.MkdirTemp("/tmp", fmt.Sprintf("hoist-pgserver-%d-", os.Getpid()))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	if cred != nil {
		if err := os.Chown(dir, int(cred.Uid), int(cred.Gid)); err != nil {
			t.Fatal(err)
		}
	}
	init := exec.Command(filepath.Join(bin, "initdb"), "-D", filepath.Join(dir, "data"), "-U", "postgres",
		"--auth=trust", "--no-sync", "-E", "UTF8", "--locale=C")
	init.Dir, init.Env = dir, env(dir)
	init.SysProcAttr = &syscall.SysProcAttr{Credential: cred}
	if out, err := init.CombinedOutput(); err != nil {
		t.Fatalf("pgserver: initdb in %s: %v\n%s", dir, err, out)
	}
	var last error
	for range 3 { // another process may take the port before the server binds it
		url, err := launch(t, bin, dir, cred)
		if err == nil {
			return url
		}
		last = err
	}
	t.Fatalf("pgserver: %v", last)
	return ""
}

// launch runs the server on a free port and waits until it accepts
// connections.
func launch(t testing.TB, bin, dir string, cred *syscall.Credential) (string, error) {
	port, err := freePort()
	if err != nil {
		return "", err
	}
	logFile := filepath.Join(dir, "server.log")
	log, err := os.Create(logFile)
	if err != nil {
		return "", err
	}
	defer log.Close()
	cmd := exec.Command(filepath.Join(bin, "postgres"), "-D", filepath.Join(dir, "data"), "-p", strconv.Itoa(port), "-k", dir,
		"-c", "listen_addresses=127.0.0.1", "-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off")
	cmd.Dir, cmd.Env, cmd.Stdout, cmd.Stderr = dir, env(dir), log, log
	// SIGINT is PostgreSQL's fast shutdown; the kernel sends it should
	// the test binary die without its cleanup.
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: cred, Setpgid: true, Pdeathsig: syscall.SIGINT}
	if err := cmd.Start(); err != nil {
		return "", err
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	url := fmt.Sprintf("postgres://postgres@127.0.0.1:%d/postgres?sslmode=disable", port)
	db, err := sql.Open("pgx", url)
	if err != nil {
		return "", err
	}
	defer db.Close()
	// Wait for the server to accept connections or to exit: no deadline
	// of its own, the test's is enough.
	for {
		select {
		case err := <-exited:
			out, _ := os.ReadFile(logFile)
			return "", fmt.Errorf("the server in %s exited (%v):\n%s", dir, err, out)
		case <-time.After(50 * time.Millisecond):
		}
		if db.Ping() == nil {
			break
		}
	}
	t.Cleanup(func() {
		_ = cmd.Process.Signal(syscall.SIGINT)
		<-exited
	})
	return url, nil
}

// give skips t, or fails it when HOIST_TEST_REQUIRE says every server
// must be had.
func give(t testing.TB, format string, args ...any) {
	t.Helper()
	if os.Getenv("HOIST_TEST_REQUIRE") != "" {
		t.Fatalf(format, args...)
	}
	t.Skipf(format, args...)
}

// binDir is the directory of initdb and postgres.
func binDir() string {
	var dirs []string
	if p, err := exec.LookPath("initdb"); err == nil {
		if real, err := filepath.EvalSymlinks(p); err == nil {
			p = real
		}
		dirs = append(dirs, filepath.Dir(p))
	}
	versions, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	for _, dir := range append(dirs, versions...) {
		if _, err := os.Stat(filepath.Join(dir, "postgres")); err == nil {
			return dir
		}
	}
	return ""
}

// credential is whom to run the server as: nil for this process's user,
// or under root the user postgres or nobody.
func credential() (*syscall.Credential, error) {
	if os.Geteuid() != 0 {
		return nil, nil
	}
	for _, name := range []string{"postgres", "nobody"} {
		u, err := user.Lookup(name)
		if err != nil {
			continue
		}
		uid, err1 := strconv.ParseUint(u.Uid, 10, 32)
		gid, err2 := strconv.ParseUint(u.Gid, 10, 32)
		if err1 == nil && err2 == nil && uid != 0 {
			return &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}, nil
		}
	}
	return nil, fmt.Errorf("running as root, and neither the user postgres nor nobody exists to run the server as")
}

func env(dir string) []string {
	return []string{"PATH=" + os.Getenv("PATH"), "HOME=" + dir, "LC_ALL=C", "LANG=C", "TZ=UTC"}
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// sweep removes the directories of test binaries that died.
func sweep() {
	entries, _ := os.ReadDir("/tmp")
	for _, e := range entries {
		rest, ok := strings.CutPrefix(e.Name(), "hoist-pgserver-")
		if !ok || !e.IsDir() {
			continue
		}
		p, _, _ := strings.Cut(rest, "-")
		pid, err := strconv.Atoi(p)
		if err != nil || pid == os.Getpid() || syscall.Kill(pid, 0) == nil {
			continue
		}
		_ = os.RemoveAll(filepath.Join("/tmp", e.Name()))
	}
}
