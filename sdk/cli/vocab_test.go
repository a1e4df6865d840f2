package cli_test

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/hoistdb/hoist/testkit"
)

// reGoOption finds a Go option name such as WithLockTimeout.
var reGoOption = regexp.MustCompile(`\bWith[A-Z]\w*`)

// TestCommandVocabulary: the hoist command's messages for a lock timeout,
// an edited applied migration and an out-of-order one name its flags and
// variables, never the library's Go options.
func TestCommandVocabulary(t *testing.T) {
	eachEngine(t, func(t *testing.T, db *testkit.DB, dbURL string) {
		s := newSession(t, "DATABASE_URL="+dbURL)
		put := func(name, text string) {
			t.Helper()
			p := filepath.Join(s.dir, "migrations", name)
			if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		check := func(r result, want string) {
			t.Helper()
			if !strings.Contains(r.stdout+r.stderr, want) {
				t.Errorf("the output lacks %q\n%s", want, r)
			}
			if m := reGoOption.FindString(r.stdout + r.stderr); m != "" {
				t.Errorf("the output names the Go option %s\n%s", m, r)
			}
		}
		put("0001_a.sql", "-- +hoist up\nCREATE TABLE a (id INT);\n-- +hoist down\nDROP TABLE a;\n")
		put("0003_c.sql", "-- +hoist up\nCREATE TABLE c (id INT);\n-- +hoist down\nDROP TABLE c;\n")
		s.ok("migrate")

		// Out of order.
		put("0002_b.sql", "-- +hoist up\nCREATE TABLE b (id INT);\n-- +hoist down\nDROP TABLE b;\n")
		r := s.run("migrate")
		if r.code != 1 {
			t.Errorf("migrate out of order: %s", r)
		}
		check(r, "--allow-out-of-order (HOIST_ALLOW_OUT_OF_ORDER)")
		s.ok("migrate", "--allow-out-of-order")

		// An edited applied migration.
		put("0001_a.sql", "-- +hoist up\nCREATE TABLE a (id BIGINT);\n-- +hoist down\nDROP TABLE a;\n")
		r = s.run("migrate")
		if r.code != 1 {
			t.Errorf("migrate with an edited migration: %s", r)
		}
		check(r, "--checksum-policy warn (HOIST_CHECKSUM_POLICY=warn)")
		check(s.run("validate"), "--checksum-policy warn (HOIST_CHECKSUM_POLICY=warn)")
		put("0001_a.sql", "-- +hoist up\nCREATE TABLE a (id INT);\n-- +hoist down\nDROP TABLE a;\n")

		// The lock, held by this process on its own connection.
		conn, err := db.DB.Conn(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		lock := db.Dialect.NewLock(conn, "hoist_migrations")
		if ok, err := lock.TryAcquire(t.Context()); err != nil || !ok {
			t.Fatalf("taking the lock: %v %v", ok, err)
		}
		defer lock.Release(t.Context())
		put("0004_d.sql", "-- +hoist up\nCREATE TABLE d (id INT);\n-- +hoist down\nDROP TABLE d;\n")
		r = s.run("migrate", "--lock-timeout", "1s")
		if r.code != 1 {
			t.Errorf("migrate while the lock is held: %s", r)
		}
		check(r, "raise the timeout with --lock-timeout (HOIST_LOCK_TIMEOUT)")
	})
}
