package cli_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hoistdb/hoist/testkit"
)

// sleepSQL is a statement that takes a few seconds, per engine; SQLite
// has none.
var sleepSQL = map[string]string{"postgres": "SELECT pg_sleep(3)", "mysql": "DO SLEEP(3)"}

// TestLiveLineUnderHeldLock: on a terminal, a migrate that waits for the
// lock says so on its live line, naming the holder, and shows no
// migration as running; once it has the lock, the live line counts the
// migrations ("[1/2]") as they run.
func TestLiveLineUnderHeldLock(t *testing.T) {
	eachEngine(t, func(t *testing.T, db *testkit.DB, dbURL string) {
		s := newSession(t, "DATABASE_URL="+dbURL)
		engine := dbName(db)
		first := "-- +hoist up\nCREATE TABLE slow (id INT);\n"
		if q := sleepSQL[engine]; q != "" {
			first += q + ";\n"
		}
		for name, text := range map[string]string{"0001_slow.sql": first, "0002_b.sql": "-- +hoist up\nCREATE TABLE b (id INT);\n"} {
			p := filepath.Join(s.dir, "migrations", name)
			if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		conn, err := db.DB.Conn(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		lock := db.Dialect.NewLock(conn, "hoist_migrations")
		if ok, err := lock.TryAcquire(t.Context()); err != nil || !ok {
			t.Fatalf("taking the lock: %v %v", ok, err)
		}
		tm := newTerminal(t)
		w := tm.start(s.dir, []string{"DATABASE_URL=" + dbURL, "NO_COLOR=1"}, "migrate")
		screen := tm.waitFor(w, "waiting for the migration lock held by")
		if strings.Contains(screen, "[1/") || strings.Contains(screen, "slow") {
			t.Errorf("while waiting for the lock, the live line shows a migration:\n%s", screen)
		}
		if err := lock.Release(t.Context()); err != nil {
			t.Fatal(err)
		}
		if sleepSQL[engine] != "" {
			tm.waitFor(w, "[1/2] up   1 slow …")
		}
		screen = tm.waitFor(w, "EXIT=")
		for _, want := range []string{"took the migration lock after", "up   1 slow (", "up   2 b (", "migrated 2 migrations in batch 1", "EXIT=0"} {
			if !strings.Contains(screen, want) {
				t.Errorf("the terminal lacks %q:\n%s", want, screen)
			}
		}
	})
}

// TestLockHolderNamedHoist: hoist's PostgreSQL sessions carry
// application_name hoist, so a second migrate that times out names a
// hoist process as the holder, not a bare pid.
func TestLockHolderNamedHoist(t *testing.T) {
	t.Parallel()
	db := testkit.Postgres(t)
	s := newSession(t, "DATABASE_URL="+db.DSN)
	p := filepath.Join(s.dir, "migrations", "0001_slow.sql")
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte("-- +hoist up\nSELECT pg_sleep(4);\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	first := exec.Command(s.bin, "migrate")
	first.Dir, first.Env = s.dir, s.env
	if err := first.Start(); err != nil {
		t.Fatal(err)
	}
	defer first.Wait()
	// Wait until the first one runs its migration, so holds the lock.
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		var n int
		if err := db.DB.QueryRow("SELECT COUNT(*) FROM pg_stat_activity WHERE application_name = 'hoist' AND query LIKE '%pg_sleep%'").Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n > 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the first migrate never ran its migration")
		}
	}
	r := s.run("migrate", "--lock-timeout", "500ms")
	if r.code != 1 || !strings.Contains(r.stderr, "(hoist)") || !strings.Contains(r.stderr, "held by pid ") {
		t.Errorf("the second migrate does not name the hoist holder: %s", r)
	}
}
