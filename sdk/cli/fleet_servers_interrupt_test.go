package cli_test

import (
	"bytes"
	"database/sql"
	"errors"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/hoistdb/hoist/sdk/cli"
)

// TestFleetServersInterrupted sends SIGINT to `hoist migrate --tenants`
// over two PostgreSQL servers while one tenant of each sleeps inside a
// migration: the command exits with 130, lists both as failed (rolled
// back) with their servers and the other four as not reached; nothing
// of the interrupted migration stays on either server, the tenants not
// reached are untouched, and the next run completes the fleet.
func TestFleetServersInterrupted(t *testing.T) {
	t.Parallel()
	s, urls, names, dbs := twoServerFleet(t)
	if _, err := dbs[1].Exec("DROP TABLE srv_1.b"); err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(s.dir, "migrations")
	write(t, dir, "0002_b.sql", "-- +hoist up\nSELECT pg_sleep(60);\nINSERT INTO a VALUES (1);\nCREATE TABLE b (id INT);\n-- +hoist down\nDROP TABLE b;\n")
	args := []string{"migrate", "--tenants", "srv_*", "--server", urls[0], "--server", urls[1], "--concurrency", "2"}

	cmd := exec.Command(s.bin, args...)
	cmd.Dir, cmd.Env = s.dir, s.env
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill() })
	// One tenant of each server sleeps: the run takes the servers'
	// targets in turn, so the two places go one to each.
	for deadline := time.Now().Add(time.Minute); sleeping(t, dbs[0]) != 1 || sleeping(t, dbs[1]) != 1; time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("no migration sleeps on each server: %d and %d\n%s%s", sleeping(t, dbs[0]), sleeping(t, dbs[1]), &stdout, &stderr)
		}
	}
	if err := cmd.Process.Signal(syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	err := cmd.Wait()
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.ExitCode() != cli.ExitInterrupted {
		t.Errorf("exit after SIGINT: %v; want %d\n%s%s", err, cli.ExitInterrupted, &stdout, &stderr)
	}
	wants := []string{"hoist: 2 of 6 tenants failed:\n", "  4 tenants not reached: the run was interrupted\n"}
	for _, name := range names {
		wants = append(wants, "  "+name+" srv_0: migration 2 b up failed in 0002_b.sql: ")
	}
	for _, want := range wants {
		if !strings.Contains(stderr.String(), want) {
			t.Errorf("stderr lacks %q\n%s", want, &stderr)
		}
	}
	if n := strings.Count(stderr.String(), "; it was rolled back, nothing changed\n"); n != 2 {
		t.Errorf("%d failures say they were rolled back, want 2\n%s", n, &stderr)
	}
	if !strings.HasSuffix(stdout.String(), ": 0 applied, 0 up to date, 2 failed, 4 not reached\n") {
		t.Errorf("stdout:\n%s", &stdout)
	}
	for i, db := range dbs {
		// srv_0 kept its first migration; the others were not reached.
		if n := tableCount(t, db, "hoist_migrations"); n != 1 {
			t.Errorf("%s: %d tenants have a history table, want srv_0 alone", names[i], n)
		}
		if n := tableCount(t, db, "b"); n != 0 {
			t.Errorf("%s: %d tables b: an interrupted migration was committed", names[i], n)
		}
		var v int64
		if err := db.QueryRow("SELECT max(version) FROM srv_0.hoist_migrations").Scan(&v); err != nil || v != 1 {
			t.Errorf("%s srv_0: newest version %d (%v), want 1", names[i], v, err)
		}
	}

	write(t, dir, "0002_b.sql", "-- +hoist up\nINSERT INTO a VALUES (1);\nCREATE TABLE b (id INT);\n-- +hoist down\nDROP TABLE b;\n")
	r := s.ok(args...)
	if !strings.HasSuffix(r.stdout, ": 6 applied, 0 up to date\n") {
		t.Errorf("the next run: %s", r)
	}
	for i, db := range dbs {
		if n := tableCount(t, db, "c"); n != 3 {
			t.Errorf("%s: %d tenants have table c after the next run, want 3", names[i], n)
		}
	}
}

// sleeping counts the statements of other sessions of db's database
// that sleep in pg_sleep now.
func sleeping(t *testing.T, db *sql.DB) int {
	t.Helper()
	var n int
	if err := db.QueryRow("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid() AND query LIKE '%pg_sleep%' AND state = 'active'").Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// tableCount counts the srv_* schemas of db that have a table named table.
func tableCount(t *testing.T, db *sql.DB, table string) int {
	t.Helper()
	var n int
	if err := db.QueryRow("SELECT count(*) FROM information_schema.tables WHERE table_schema LIKE 'srv\\_%' AND table_name = $1", table).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}
