package cli_test

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/hoistdb/hoist/sdk/cli"
	"github.com/hoistdb/hoist/testkit"
)

// TestFleetInterrupted sends SIGINT to `hoist migrate --tenants` while
// two tenants sleep inside a migration on the server: the command exits
// with 130, lists the two as failed (rolled back) and the others as not
// reached; those are untouched, and the next run completes the fleet.
func TestFleetInterrupted(t *testing.T) {
	t.Parallel()
	db := testkit.Postgres(t)
	for i := range 8 {
		if _, err := db.DB.Exec(fmt.Sprintf("CREATE SCHEMA fleetcmd_int_%d", i)); err != nil {
			t.Fatal(err)
		}
	}
	s := newSession(t, "DATABASE_URL="+db.DSN)
	dir := filepath.Join(s.dir, "migrations")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	write(t, dir, "0001_a.sql", "-- +hoist up\nCREATE TABLE a (id INT);\n")
	write(t, dir, "0002_slow.sql", "-- +hoist up\nSELECT pg_sleep(60);\nCREATE TABLE slow (id INT);\n")

	cmd, stdout, stderr := startUntilSleeping(t, s, db, 2, "migrate", "--tenants", "fleetcmd_int_*", "--concurrency", "2")
	if err := cmd.Process.Signal(syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	err := cmd.Wait()
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.ExitCode() != cli.ExitInterrupted {
		t.Errorf("exit after SIGINT: %v; want %d\n%s%s", err, cli.ExitInterrupted, stdout, stderr)
	}
	for _, want := range []string{"hoist: 2 of 8 tenants failed:\n", "migration 2 slow up failed in 0002_slow.sql: ", "; it was rolled back, nothing changed\n",
		"  6 tenants not reached: the run was interrupted\n"} {
		if !strings.Contains(stderr.String(), want) {
			t.Errorf("stderr lacks %q\n%s", want, stderr)
		}
	}
	if !strings.HasSuffix(stdout.String(), ": 0 applied, 0 up to date, 2 failed, 6 not reached\n") {
		t.Errorf("stdout:\n%s", stdout)
	}
	var touched int
	if err := db.DB.QueryRow("SELECT COUNT(*) FROM information_schema.tables WHERE table_schema LIKE 'fleetcmd_int_%' AND table_name = 'hoist_migrations'").Scan(&touched); err != nil || touched != 2 {
		t.Errorf("%d tenants have a history table (%v), want the 2 that ran", touched, err)
	}
	var slow int
	if err := db.DB.QueryRow("SELECT COUNT(*) FROM information_schema.tables WHERE table_name = 'slow'").Scan(&slow); err != nil || slow != 0 {
		t.Errorf("%d tables slow (%v): an interrupted migration was committed", slow, err)
	}

	write(t, dir, "0002_slow.sql", "-- +hoist up\nSELECT 1;\nCREATE TABLE slow (id INT);\n")
	r := s.ok("migrate", "--tenants", "fleetcmd_int_*")
	if !strings.HasSuffix(r.stdout, ": 8 applied, 0 up to date\n") {
		t.Errorf("the next run: %s", r)
	}
}

// TestFleetTwoProcesses: two `hoist migrate --tenants` processes on the
// same fleet at once both succeed, and every tenant is migrated by
// exactly one of them: the other waits for that tenant's lock and finds
// it up to date.
func TestFleetTwoProcesses(t *testing.T) {
	t.Parallel()
	s, db := fleetSession(t)
	if _, err := db.DB.Exec("DROP TABLE fleetcmd_07.b"); err != nil {
		t.Fatal(err)
	}
	var procs [2]*exec.Cmd
	var outs [2]bytes.Buffer
	for i := range procs {
		procs[i] = exec.Command(s.bin, "migrate", "--tenants", "fleetcmd_*", "--concurrency", "3")
		procs[i].Dir, procs[i].Env = s.dir, s.env
		procs[i].Stdout, procs[i].Stderr = &outs[i], &outs[i]
		if err := procs[i].Start(); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = procs[i].Process.Kill() })
	}
	applied := 0
	for i, p := range procs {
		if err := p.Wait(); err != nil {
			t.Errorf("process %d: %v\n%s", i, err, &outs[i])
			continue
		}
		var a, u int
		out := outs[i].String()
		line := out[strings.LastIndex(strings.TrimSuffix(out, "\n"), "\n")+1:]
		if _, err := fmt.Sscanf(line[strings.Index(line, ": ")+2:], "%d applied, %d up to date", &a, &u); err != nil || a+u != fleetTenants {
			t.Errorf("process %d's summary %q: %v", i, line, err)
		}
		applied += a
	}
	if applied != fleetTenants {
		t.Errorf("the two processes applied %d tenants together, want %d, each once", applied, fleetTenants)
	}
	for i := range fleetTenants {
		if n := rowCount(t, db, fmt.Sprintf("fleetcmd_%02d.hoist_migrations", i)); n != 3 {
			t.Errorf("fleetcmd_%02d has %d history rows, want 3", i, n)
		}
	}
}
