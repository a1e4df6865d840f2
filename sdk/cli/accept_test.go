package cli_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hoistdb/hoist/testkit"
)

// TestRepairChecksums: migrate:repair --checksums accepts the edited text
// of an applied migration for good: migrate, validate and status no
// longer report it, and no migration runs again.
func TestRepairChecksums(t *testing.T) {
	eachEngine(t, func(t *testing.T, db *testkit.DB, dbURL string) {
		s := newSession(t, "DATABASE_URL="+dbURL)
		file := filepath.Join(s.dir, "migrations", "0001_a.sql")
		if err := os.MkdirAll(filepath.Dir(file), 0o755); err != nil {
			t.Fatal(err)
		}
		write := func(text string) {
			if err := os.WriteFile(file, []byte(text), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		write("-- +hoist up\nCREATE TABLE a (id INT);\n-- +hoist down\nDROP TABLE a;\n")
		s.ok("migrate")
		if r := s.ok("migrate:repair", "--checksums"); !strings.Contains(r.stdout, "nothing to accept") {
			t.Errorf("migrate:repair --checksums with nothing edited: %s", r)
		}
		write("-- +hoist up\n-- the users' table\nCREATE TABLE a (id INT);\n-- +hoist down\nDROP TABLE a;\n")
		if r := s.run("migrate"); r.code != 1 || !strings.Contains(r.stderr, "checksum mismatch") {
			t.Fatalf("migrate after the edit: %s", r)
		}
		r := s.ok("migrate:repair", "--checksums", "--json")
		var out struct {
			Accepted []struct {
				Version  int64  `json:"version"`
				File     string `json:"file"`
				Recorded string `json:"recorded"`
				Checksum string `json:"checksum"`
			} `json:"accepted"`
		}
		if err := json.Unmarshal([]byte(r.stdout), &out); err != nil || len(out.Accepted) != 1 || out.Accepted[0].File != "0001_a.sql" ||
			out.Accepted[0].Recorded == out.Accepted[0].Checksum {
			t.Errorf("migrate:repair --checksums --json: %v\n%s", err, r)
		}
		if r := s.ok("migrate"); !strings.Contains(r.stdout, "nothing to migrate") {
			t.Errorf("migrate after accepting: %s", r)
		}
		s.ok("validate")
		if r := s.ok("migrate:status"); strings.Contains(r.stdout, "changed") {
			t.Errorf("status after accepting: %s", r)
		}
		var n int
		if err := db.DB.QueryRow("SELECT COUNT(*) FROM hoist_migrations WHERE checksum = '" + out.Accepted[0].Checksum + "'").Scan(&n); err != nil || n != 1 {
			t.Errorf("the history records the new checksum %d times (%v), want 1", n, err)
		}
	})
}
