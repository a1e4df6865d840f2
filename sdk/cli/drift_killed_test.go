package cli_test

import (
	"bytes"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/hoistdb/hoist/testkit"
)

// TestDriftKilledLeavesNoScratch: `hoist migrate:drift` on MySQL/MariaDB
// replays the migrations in a scratch database; a process killed (-9)
// during the replay cannot drop it, so the next run must: the scratch
// database of a dead session is swept, one of a live session never.
func TestDriftKilledLeavesNoScratch(t *testing.T) {
	t.Parallel()
	db := testkit.MySQL(t)
	s := newSession(t, "DATABASE_URL="+mysqlURL(t, db.DSN))
	dir := filepath.Join(s.dir, "migrations")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	marker := "killed_drift_" + hex.EncodeToString(b)
	// The migration sleeps only where a replay runs it.
	body := "-- +hoist up\nCREATE TABLE a (id INT);\nSELECT /* " + marker + " */ SLEEP(IF(DATABASE() LIKE 'hoist\\_scratch\\_%', 3, 0));\n-- +hoist down\nDROP TABLE a;\n"
	if err := os.WriteFile(filepath.Join(dir, "0001_slow.sql"), []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	s.ok("migrate")

	cmd := exec.Command(s.bin, "migrate:drift")
	cmd.Dir, cmd.Env = s.dir, s.env
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill() })
	scratch := waitForScratch(t, db.DB, marker, &out)
	if err := cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	_ = cmd.Wait()
	// The server ends the killed client's session once its sleep is over.
	for deadline := time.Now().Add(time.Minute); ; time.Sleep(50 * time.Millisecond) {
		var n int
		if err := db.DB.QueryRow("SELECT COUNT(*) FROM information_schema.PROCESSLIST WHERE DB = ?", scratch).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the killed process's session in %s never ended", scratch)
		}
	}
	if !databaseExists(t, db.DB, scratch) {
		t.Fatalf("the killed run's scratch database %s is already gone; the test cannot tell a sweep from nothing", scratch)
	}

	// A live run's scratch database, held by its session's lock, must
	// survive the sweep.
	live := "hoist_scratch_" + hex.EncodeToString(b) + "live"
	holder, err := db.DB.Conn(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	defer holder.Close()
	var got int
	if err := holder.QueryRowContext(t.Context(), "SELECT GET_LOCK(?, 0)", live).Scan(&got); err != nil || got != 1 {
		t.Fatalf("GET_LOCK(%s): %d, %v", live, got, err)
	}
	if _, err := holder.ExecContext(t.Context(), "CREATE DATABASE `"+live+"`"); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _, _ = db.DB.Exec("DROP DATABASE IF EXISTS `" + live + "`") })

	r := s.run("migrate:drift")
	if r.code != 0 {
		t.Fatalf("hoist migrate:drift after the kill: %s", r)
	}
	if databaseExists(t, db.DB, scratch) {
		t.Errorf("the scratch database %s of the killed run is still there after the next run", scratch)
	}
	if !databaseExists(t, db.DB, live) {
		t.Errorf("the next run dropped %s, whose session still holds its lock", live)
	}
}

// waitForScratch returns the scratch database where the statement
// carrying marker runs, once it does.
func waitForScratch(t *testing.T, db *sql.DB, marker string, out *bytes.Buffer) string {
	t.Helper()
	for deadline := time.Now().Add(time.Minute); ; time.Sleep(20 * time.Millisecond) {
		var name string
		err := db.QueryRow("SELECT DB FROM information_schema.PROCESSLIST WHERE INFO LIKE ? AND DB LIKE 'hoist\\_scratch\\_%'", "%"+marker+"%").Scan(&name)
		if err == nil {
			return name
		}
		if !errors.Is(err, sql.ErrNoRows) {
			t.Fatal(err)
		}
		if time.Now().After(deadline) {
			t.Fatalf("the replay never reached the server: %s", out)
		}
	}
}

func databaseExists(t *testing.T, db *sql.DB, name string) bool {
	t.Helper()
	var n int
	if err := db.QueryRow("SELECT COUNT(*) FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = ?", name).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n == 1
}
