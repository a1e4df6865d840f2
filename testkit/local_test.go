//go:build unix

package testkit_test

import (
	"bufio"
	"errors"
	"net"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"
)

// localEnv is the environment of a child that must take its servers from
// local binaries.
var localEnv = []string{"HOIST_TEST_PROVIDER=local", "HOIST_TEST_POSTGRES_URL", "HOIST_TEST_MYSQL_URL", "HOIST_TEST_REQUIRE=1", "HOIST_TEST_KEEP"}

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
