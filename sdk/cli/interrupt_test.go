package cli_test

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/hoistdb/hoist/sdk/cli"
	"github.com/hoistdb/hoist/testkit"
)

// TestInterruptedMigrate sends SIGINT, as Ctrl-C does, to `hoist
// migrate` while the server sleeps inside a migration. The command must
// have the server cancel the migration, say that it was rolled back, and
// exit with 130; the migration must not be committed behind its back.
func TestInterruptedMigrate(t *testing.T) {
	t.Parallel()
	db := testkit.Postgres(t)
	s := newSession(t, "DATABASE_URL="+db.DSN)
	dir := filepath.Join(s.dir, "migrations")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "0001_slow.sql"),
		[]byte("-- +hoist up\nSELECT pg_sleep(3);\nCREATE TABLE slow (id INTEGER);\n-- +hoist down\nDROP TABLE slow;\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd, stdout, stderr := startUntilSleeping(t, s, db, 1, "migrate")
	if err := cmd.Process.Signal(syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	err := cmd.Wait()
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.ExitCode() != cli.ExitInterrupted {
		t.Errorf("hoist migrate after SIGINT: %v; want exit status %d\n%s%s", err, cli.ExitInterrupted, stdout, stderr)
	}
	if !strings.Contains(stderr.String(), "it was rolled back, nothing changed") || strings.Contains(stderr.String(), "rolling back") {
		t.Errorf("hoist migrate after SIGINT said:\n%s\nwant that the migration was rolled back", stderr)
	}
	time.Sleep(4 * time.Second) // past the end of the sleep on the server
	var n int
	if err := db.DB.QueryRow("SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = current_schema() AND table_name = 'slow'").Scan(&n); err != nil || n != 0 {
		t.Errorf("table slow: %d, %v; want none: the server committed the interrupted migration", n, err)
	}
	if err := db.DB.QueryRow("SELECT COUNT(*) FROM hoist_migrations").Scan(&n); err != nil || n != 0 {
		t.Errorf("history rows: %d, %v; want none", n, err)
	}
}

// startUntilSleeping starts the hoist command with args in session s and
// returns once n of its statements sleep (pg_sleep) on the server of db,
// with the buffers of its output. The process is killed at cleanup.
func startUntilSleeping(t *testing.T, s *session, db *testkit.DB, n int, args ...string) (cmd *exec.Cmd, stdout, stderr *bytes.Buffer) {
	t.Helper()
	cmd = exec.Command(s.bin, args...)
	cmd.Dir, cmd.Env = s.dir, s.env
	stdout, stderr = new(bytes.Buffer), new(bytes.Buffer)
	cmd.Stdout, cmd.Stderr = stdout, stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill() })
	for deadline := time.Now().Add(time.Minute); ; time.Sleep(20 * time.Millisecond) {
		var got int
		if err := db.DB.QueryRow("SELECT COUNT(*) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid() AND query LIKE '%pg_sleep%' AND state = 'active'").Scan(&got); err != nil {
			t.Fatal(err)
		}
		if got == n {
			return cmd, stdout, stderr
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d sleeping statements never reached the server: %s%s", n, stdout, stderr)
		}
	}
}
