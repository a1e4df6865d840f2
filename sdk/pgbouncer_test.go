package sdk_test

import (
	"bufio"
	"fmt"
	"net"
	"net/url"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hoistdb/hoist/sdk"
	"github.com/hoistdb/hoist/testkit"
)

// HOIST_SDK_LOCK=lease makes a booting child take the migration lock as a
// lease (sdk.LockLease).
func childLockOptions() []sdk.Option {
	if os.Getenv("HOIST_SDK_LOCK") == "lease" {
		return []sdk.Option{sdk.WithLockMode(sdk.LockLease)}
	}
	return nil
}

// pgbouncer starts a PgBouncer in front of the PostgreSQL server of db,
// in the given pool mode ("transaction" or "session"), on a free port,
// as a child of the test process that t.Cleanup kills. It returns the
// DSN of db through it. pgx's exec mode sends each statement with its
// arguments in one round trip and caches no prepared statement on the
// server, as an application must configure it behind a transaction
// pooler. PgBouncer runs from the Debian package pgbouncer; without it
// the test is skipped, or fails under HOIST_TEST_REQUIRE=1.
func pgbouncer(t *testing.T, db *testkit.DB, mode string) string {
	t.Helper()
	bin, err := exec.LookPath("pgbouncer")
	if err != nil {
		if _, serr := os.Stat("/usr/sbin/pgbouncer"); serr == nil {
			bin, err = "/usr/sbin/pgbouncer", nil
		}
	}
	if err != nil {
		msg := "pgbouncer is not installed (apt-get install -y pgbouncer); skipping the transaction pooler test"
		if os.Getenv("HOIST_TEST_REQUIRE") == "1" {
			t.Fatal(msg + ", which HOIST_TEST_REQUIRE=1 forbids")
		}
		t.Skip(msg)
	}
	u, err := url.Parse(db.DSN)
	if err != nil {
		t.Fatal(err)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	dir := t.TempDir()
	ini := fmt.Sprintf(`[databases]
* = host=%s port=%s user=%s

[pgbouncer]
listen_addr = 127.0.0.1
listen_port = %d
unix_socket_dir =
auth_type = any
pool_mode = %s
default_pool_size = 8
max_client_conn = 1000
ignore_startup_parameters = extra_float_digits
`, u.Hostname(), u.Port(), u.User.Username(), port, mode)
	conf := filepath.Join(dir, "pgbouncer.ini")
	if err := os.WriteFile(conf, []byte(ini), 0o644); err != nil {
		t.Fatal(err)
	}
	args := []string{conf}
	if os.Geteuid() == 0 { // PgBouncer refuses to run as root
		pg, err := user.Lookup("postgres")
		if err != nil {
			t.Fatalf("pgbouncer will not run as root and there is no user postgres to run it as: %v", err)
		}
		args = []string{"-u", pg.Username, conf}
		if err := os.Chmod(dir, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	cmd := exec.Command(bin, args...)
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	var logged strings.Builder
	logDone := make(chan struct{})
	go func() {
		defer close(logDone)
		s := bufio.NewScanner(stderr)
		for s.Scan() {
			logged.WriteString(s.Text() + "\n")
		}
	}()
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		<-logDone
		if t.Failed() {
			t.Logf("pgbouncer's log:\n%s", logged.String())
		}
	})
	addr := fmt.Sprintf("127.0.0.1:%d", port)
	for deadline := time.Now().Add(10 * time.Second); ; {
		c, err := net.Dial("tcp", addr)
		if err == nil {
			c.Close()
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("pgbouncer did not listen on %s: %v", addr, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
	u.Host = addr
	q := u.Query()
	q.Set("default_query_exec_mode", "exec")
	u.RawQuery = q.Encode()
	return u.String()
}
