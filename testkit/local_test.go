//go:build unix

package testkit_test

import (
	"bufio"
	"database/sql"
	"errors"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/hoistdb/hoist/testkit"
)

// localEnv is the environment of a child that must take its servers from
// local binaries.
// Servers of its own (HOIST_TEST_LOCAL_IDLE=0): these tests are about
// the servers that end with their binary.
var localEnv = []string{"HOIST_TEST_PROVIDER=local", "HOIST_TEST_POSTGRES_URL", "HOIST_TEST_MYSQL_URL", "HOIST_TEST_REQUIRE=1", "HOIST_TEST_KEEP",
	"HOIST_TEST_LOCAL_IDLE=0"}

// localServerLine is what the first test to use a local server logs.
var localServerLine = regexp.MustCompile(`(PostgreSQL|MySQL) databases come from local binaries: \S+ in (\S+), port (\d+)`)

// localServers returns the directories and ports of the local servers a
// child's output names.
func localServers(t *testing.T, out string) map[string]string {
	t.Helper()
	found := map[string]string{}
	for _, m := range localServerLine.FindAllStringSubmatch(out, -1) {
		found[m[2]] = m[3]
	}
	return found
}

// waitGone waits until each server directory is removed and its port
// refuses connections.
func waitGone(t *testing.T, servers map[string]string) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for dir, port := range servers {
		for {
			_, statErr := os.Stat(dir)
			conn, dialErr := net.DialTimeout("tcp", "127.0.0.1:"+port, time.Second)
			if conn != nil {
				conn.Close()
			}
			if errors.Is(statErr, os.ErrNotExist) && dialErr != nil {
				break
			}
			if time.Now().After(deadline) {
				t.Errorf("the local server in %s (port %s) outlived its test binary: stat %v, dial %v", dir, port, statErr, dialErr)
				break
			}
			time.Sleep(100 * time.Millisecond)
		}
	}
}

// TestLocalProviders runs tests of this package in a child whose only
// provider is the local binaries: PostgreSQL's initdb and postgres, and
// mariadbd, started once for the child and gone when it exits.
func TestLocalProviders(t *testing.T) {
	t.Parallel()
	cmd := exec.Command(os.Args[0], "-test.run=^(TestNewDatabase|TestMigrated|TestMigratedCopiesAreIndependent|TestDroppedAfterTest)$",
		"-test.v", "-test.count=1", "-test.parallel=2")
	cmd.Env = childEnv(localEnv...)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("tests on local servers: %v\n%s", err, out)
	}
	servers := localServers(t, string(out))
	for _, title := range []string{"PostgreSQL", "MySQL"} {
		if !strings.Contains(string(out), title+" databases come from local binaries: ") {
			t.Errorf("the child's %s databases did not come from local binaries:\n%s", title, out)
		}
	}
	if strings.Contains(string(out), "--- SKIP") {
		t.Errorf("tests skipped on local servers:\n%s", out)
	}
	waitGone(t, servers)
}

// TestLocalServersDieWithKilledBinary kills a test binary that started
// local servers with SIGKILL, which no Go code survives: the watchdogs
// must still stop the servers and remove their directories.
func TestLocalServersDieWithKilledBinary(t *testing.T) {
	t.Parallel()
	cmd := exec.Command(os.Args[0], "-test.run=^TestChildProcess$", "-test.v", "-test.count=1")
	cmd.Env = append(childEnv(localEnv...), childModeEnv+"=hang")
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = cmd.Stdout
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	var out strings.Builder
	sc := bufio.NewScanner(stdout)
	ready := false
	for sc.Scan() {
		out.WriteString(sc.Text() + "\n")
		if sc.Text() == "hang: ready" {
			ready = true
			break
		}
	}
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	go func() { // drain, so that the child is never blocked on its output
		for sc.Scan() {
		}
	}()
	_ = cmd.Wait()
	if !ready {
		t.Fatalf("the child did not get its databases:\n%s", out.String())
	}
	servers := localServers(t, out.String())
	if len(servers) != 2 {
		t.Fatalf("the child named %d local servers, want 2:\n%s", len(servers), out.String())
	}
	waitGone(t, servers)
}

// sharedRun is what one child test binary said of its local servers.
type sharedRun struct {
	dirs  map[string]string // engine title → instance directory
	ports map[string]string // engine title → port
	how   map[string]string // engine title → "started" or "attached"
	out   string
}

var sharedServerLine = regexp.MustCompile(`(PostgreSQL|MySQL) databases come from local binaries: \S+ in (\S+), port (\d+), run as [^(]*\(shared, (started|attached);`)

// runSharedChild runs TestNewDatabase in a child test binary with env,
// and calls onServer with each local server the child names as soon as
// it names it, while the child runs.
func runSharedChild(t *testing.T, env []string, onServer func(title, port string)) sharedRun {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestNewDatabase$", "-test.v", "-test.count=1")
	cmd.Env = env
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = cmd.Stdout
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	run := sharedRun{dirs: map[string]string{}, ports: map[string]string{}, how: map[string]string{}}
	var out strings.Builder
	sc := bufio.NewScanner(stdout)
	for sc.Scan() {
		out.WriteString(sc.Text() + "\n")
		if m := sharedServerLine.FindStringSubmatch(sc.Text()); m != nil {
			run.dirs[m[1]], run.ports[m[1]], run.how[m[1]] = m[2], m[3], m[4]
			if onServer != nil {
				onServer(m[1], m[3])
			}
		}
	}
	err = cmd.Wait()
	run.out = out.String()
	if err != nil {
		t.Fatalf("child test binary: %v\n%s", err, run.out)
	}
	for _, title := range []string{"PostgreSQL", "MySQL"} {
		if run.dirs[title] == "" {
			t.Fatalf("the child's %s databases did not come from a shared local server:\n%s", title, run.out)
		}
	}
	return run
}

// serverPid reads the pid of the server in a local instance directory.
func serverPid(t *testing.T, title, dir string) int {
	t.Helper()
	file := filepath.Join(dir, "data", "postmaster.pid")
	if title == "MySQL" {
		file = filepath.Join(dir, "mysqld.pid")
	}
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	first, _, _ := strings.Cut(string(b), "\n")
	pid, err := strconv.Atoi(strings.TrimSpace(first))
	if err != nil {
		t.Fatalf("%s: %v", file, err)
	}
	return pid
}

// TestLocalSharedServers runs test binaries one after another, as go test
// does, against the shared local servers in a directory of its own:
//
//  1. the first binary starts a server per engine; the second attaches
//     to the same ones (same instance directory and port), while this
//     test holds a connection to each so that they cannot go idle in
//     between;
//  2. the servers are killed with SIGKILL, PostgreSQL's alone (its
//     watchdog notices) and MariaDB's with its watchdog (the state file
//     names a dead instance): the third binary starts new ones, and the
//     MariaDB instance it replaced is swept before it starts;
//  3. with no client left, the watchdogs stop the new servers after
//     HOIST_TEST_LOCAL_IDLE and remove their directories and the state
//     files.
func TestLocalSharedServers(t *testing.T) {
	t.Parallel()
	// Short, and reachable by the postgres and mysql users under root.
	base, err := os.MkdirTemp("", "hoist-shared-")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(base, 0o755); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { stopSharedIn(t, base) })
	env := childEnv("HOIST_TEST_PROVIDER=local", "HOIST_TEST_POSTGRES_URL", "HOIST_TEST_MYSQL_URL", "HOIST_TEST_REQUIRE=1", "HOIST_TEST_KEEP",
		"HOIST_TEST_LOCAL_DIR="+base, "HOIST_TEST_LOCAL_IDLE=2s")

	var held []*sql.DB
	hold := func(title, port string) {
		driver, dsn := "pgx", "postgres://postgres@127.0.0.1:"+port+"/postgres?sslmode=disable"
		if title == "MySQL" {
			driver, dsn = "mysql", "root:@tcp(127.0.0.1:"+port+")/"
		}
		db, err := sql.Open(driver, dsn)
		if err == nil {
			err = db.Ping()
		}
		if err != nil {
			t.Errorf("connect to the shared %s server on port %s: %v", title, port, err)
			return
		}
		held = append(held, db)
	}
	first := runSharedChild(t, env, hold)
	second := runSharedChild(t, env, nil)
	for title, dir := range first.dirs {
		if first.how[title] != "started" || second.how[title] != "attached" || second.dirs[title] != dir || second.ports[title] != first.ports[title] {
			t.Errorf("%s: the first binary's server was %s (%s, port %s), the second's %s (%s, port %s); want one server, started then attached",
				title, first.how[title], dir, first.ports[title], second.how[title], second.dirs[title], second.ports[title])
		}
	}
	for _, db := range held {
		db.Close()
	}
	if t.Failed() {
		t.Fatalf("first binary:\n%s\nsecond binary:\n%s", first.out, second.out)
	}

	// Kill: PostgreSQL's server, MariaDB's watchdog and server.
	pgDir, myDir := first.dirs["PostgreSQL"], first.dirs["MySQL"]
	_, _, myWatchdog, err := testkit.SharedLocalState(filepath.Dir(myDir))
	if err != nil {
		t.Fatal(err)
	}
	_ = syscall.Kill(myWatchdog, syscall.SIGKILL)
	_ = syscall.Kill(serverPid(t, "MySQL", myDir), syscall.SIGKILL)
	_ = syscall.Kill(serverPid(t, "PostgreSQL", pgDir), syscall.SIGKILL)

	third := runSharedChild(t, env, nil)
	for title, dir := range third.dirs {
		if third.how[title] != "started" || dir == first.dirs[title] {
			t.Errorf("%s: after its server was killed the third binary's server was %s in %s; want a new one started (the killed one was in %s)",
				title, third.how[title], dir, first.dirs[title])
		}
	}
	if _, err := os.Stat(myDir); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the directory of the MariaDB instance whose watchdog was killed was not swept by the binary that replaced it: stat %v", err)
	}

	// Idle: nothing connects any more, so both servers stop by themselves.
	gone := map[string]string{}
	for title, dir := range third.dirs {
		gone[dir] = third.ports[title]
	}
	gone[pgDir] = first.ports["PostgreSQL"]
	waitGoneFor(t, gone, 2*time.Minute)
	for _, dir := range third.dirs {
		if _, err := os.Stat(filepath.Join(filepath.Dir(dir), "current")); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("the state file of %s outlived its server: stat %v", filepath.Dir(dir), err)
		}
	}
}

// waitGoneFor waits, up to limit, until each server directory is removed
// and its port refuses connections.
func waitGoneFor(t *testing.T, servers map[string]string, limit time.Duration) {
	t.Helper()
	deadline := time.Now().Add(limit)
	for dir, port := range servers {
		for {
			_, statErr := os.Stat(dir)
			conn, dialErr := net.DialTimeout("tcp", "127.0.0.1:"+port, time.Second)
			if conn != nil {
				conn.Close()
			}
			if errors.Is(statErr, os.ErrNotExist) && dialErr != nil {
				break
			}
			if time.Now().After(deadline) {
				t.Errorf("the shared local server in %s (port %s) is still there after %s without clients: stat %v, dial %v", dir, port, limit, statErr, dialErr)
				break
			}
			time.Sleep(200 * time.Millisecond)
		}
	}
}

// stopSharedIn stops the shared servers left in base by a test that
// failed half-way, and removes base.
func stopSharedIn(t *testing.T, base string) {
	dirs, _ := filepath.Glob(filepath.Join(base, "hoist-*-shared-*"))
	for _, dir := range dirs {
		if inst, _, watchdog, err := testkit.SharedLocalState(dir); err == nil && strings.HasPrefix(inst, dir) {
			_ = syscall.Kill(watchdog, syscall.SIGTERM)
		}
	}
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		left, _ := filepath.Glob(filepath.Join(base, "hoist-*-shared-*", "i-*", "data"))
		if len(left) == 0 {
			break
		}
		time.Sleep(200 * time.Millisecond)
	}
	if err := os.RemoveAll(base); err != nil {
		t.Error(err)
	}
}
