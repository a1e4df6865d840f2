package cli_test

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"
)

// fleetRepairDoc is the document of migrate:repair --tenants --json.
type fleetRepairDoc struct {
	Pattern    string  `json:"pattern"`
	DurationMS float64 `json:"duration_ms"`
	Tenants    []struct {
		Tenant  string `json:"tenant"`
		State   string `json:"state"`
		Removed []struct {
			Version     int64   `json:"version"`
			Name        string  `json:"name"`
			Checksum    string  `json:"checksum"`
			Batch       int     `json:"batch"`
			AppliedAt   string  `json:"applied_at"`
			ExecutionMS float64 `json:"execution_ms"`
			State       string  `json:"state"`
		} `json:"removed"`
		Error *failureDoc `json:"error"`
	} `json:"tenants"`
	Summary map[string]int `json:"summary"`
}

// TestFleetRepairCommandMariaDB: on MariaDB databases, a migration whose
// DDL commits and whose next statement fails leaves one tenant dirty;
// migrate --tenants and migrate:status --tenants tell the operator to
// run migrate:repair --tenants with that tenant (not the repair of one
// database), and the tenant's progress line names the migration. After the schema is put right by hand, migrate:repair
// --tenants repairs it, reports the others with nothing to repair, and
// migrate --tenants completes the fleet. A missing tenant fails with
// exit 1; --checksums and --force are refused where they do not apply;
// in production a pattern asks first, a list of names does not.
func TestFleetRepairCommandMariaDB(t *testing.T) {
	t.Parallel()
	s, server, prefix := mariaDBFleet(t)
	// 2 creates b2 (committed at once) then b, which the failing tenant
	// has already: it stays with b2 and a failed row.
	write(t, filepath.Join(s.dir, "migrations"), "0002_b.sql", "-- +hoist up\nCREATE TABLE b2 (id INT);\nCREATE TABLE b (id INT);\n-- +hoist down\nDROP TABLE b;\nDROP TABLE b2;\n")
	bad := fmt.Sprintf("%s%d", prefix, fleetDBFailing)
	pattern := prefix + "*"

	r := s.run("migrate", "--tenants", pattern, "--on-failure", "continue")
	if r.code != 1 || !strings.Contains(r.stderr, bad+": ") || !strings.Contains(r.stderr, "`hoist migrate:repair --tenants "+bad+"`") ||
		strings.Contains(r.stderr, "(Migrator.Repair)") {
		t.Fatalf("migrate leaving %s dirty: want exit 1 and the advice to run migrate:repair --tenants %s\n%s", bad, bad, r)
	}
	r = s.run("migrate", "--tenants", pattern)
	if r.code != 1 || !strings.Contains(r.stderr, "database is dirty") || !strings.Contains(r.stderr, "`hoist migrate:repair --tenants "+bad+"`") ||
		strings.Contains(r.stderr, "`hoist migrate:repair`") {
		t.Fatalf("migrate of the dirty fleet: want ErrDirty with the advice to run migrate:repair --tenants %s\n%s", bad, r)
	}
	// Its progress line says which migration, short, and where the advice is.
	if want := "] " + bad + " failed: database is dirty: migration 2 b stopped half way (what to do: see the failures listed at the end)\n"; !strings.Contains(r.stdout, want) {
		t.Errorf("progress line of the dirty tenant: want %q\n%s", want, r)
	}
	r = s.run("migrate:status", "--tenants", pattern)
	if !strings.Contains(r.stdout, "failed at 2") || !strings.Contains(r.stderr, "then run hoist migrate:repair --tenants "+bad+";") {
		t.Errorf("status of the dirty fleet: want the hint to run migrate:repair --tenants %s\n%s", bad, r)
	}

	if r := s.run("migrate:repair", "--tenants", pattern, "--checksums"); r.code != 2 || !strings.Contains(r.stderr, "--checksums works on one database") {
		t.Errorf("--checksums with --tenants: %s", r)
	}
	if r := s.run("migrate:repair", "--force"); r.code != 2 || !strings.Contains(r.stderr, "--force works on a fleet") {
		t.Errorf("--force without --tenants: %s", r)
	}
	// In production a pattern lists the dirty tenants and wants --force;
	// nothing is repaired.
	r = s.inProduction(func() result { return s.run("migrate:repair", "--tenants", pattern) })
	if r.code != 2 || !strings.Contains(r.stderr, "add --force to go on; nothing was done") || !strings.Contains(r.stderr, "  "+bad+": failed at 2") {
		t.Errorf("repair of a pattern in production: want exit 2 listing %s\n%s", bad, r)
	}
	if n := rowCount(t, server, bad+".hoist_migrations WHERE state = 'failed'"); n != 1 {
		t.Fatalf("the refused repair changed %s: %d failed rows", bad, n)
	}

	// Put right by hand: without 2, and without the table b in the way.
	for _, q := range []string{"DROP TABLE " + bad + ".b2", "DROP TABLE " + bad + ".b"} {
		if _, err := server.DB.Exec(q); err != nil {
			t.Fatal(err)
		}
	}
	r = s.run("migrate:repair", "--tenants", bad+","+prefix+"9", "--on-failure", "continue")
	if r.code != 1 || !strings.Contains(r.stdout, " "+bad+" forgot 2 b\n") || !strings.Contains(r.stdout, " "+prefix+"9 failed: does not exist") ||
		!strings.Contains(r.stdout, ": 1 repaired, 0 with nothing to repair, 1 failed\n") ||
		!strings.Contains(r.stderr, prefix+"9: does not exist: check the name in --tenants") {
		t.Errorf("repair of %s and a missing tenant: %s", bad, r)
	}
	r = s.ok("migrate:repair", "--tenants", pattern, "--json")
	var doc fleetRepairDoc
	decode(t, r, &doc)
	if doc.Summary["nothing_to_repair"] != fleetDBTenants || doc.Summary["repaired"] != 0 || len(doc.Tenants) != fleetDBTenants ||
		doc.Tenants[0].State != "nothing_to_repair" || doc.Tenants[0].Removed == nil {
		t.Errorf("second repair: %+v", doc)
	}
	r = s.ok("migrate", "--tenants", pattern)
	if !strings.Contains(r.stdout, " "+bad+" applied 2 migrations (") || !strings.HasSuffix(r.stdout, ": 1 applied, 5 up to date\n") {
		t.Errorf("migrate after the repair: %s", r)
	}

	// A rollback whose down stops half way on every tenant (its DROP
	// commits, its next statement fails) leaves the whole fleet dirty, as
	// a kill during it would; each tenant is told to repair itself, and
	// the pattern repairs them all once they are put right.
	dir := filepath.Join(s.dir, "migrations")
	write(t, dir, "0004_d.sql", "-- +hoist up\nCREATE TABLE d (id INT);\n-- +hoist down\nDROP TABLE d;\nDROP TABLE d_gone;\n")
	s.ok("migrate", "--tenants", pattern)
	r = s.run("migrate:rollback", "--tenants", pattern, "--step", "1", "--on-failure", "continue")
	if r.code != 1 || !strings.HasSuffix(r.stdout, ": 0 rolled back, 0 with nothing to roll back, 6 failed\n") {
		t.Fatalf("rollback failing half way: %s", r)
	}
	for i := range fleetDBTenants {
		if want := fmt.Sprintf("`hoist migrate:repair --tenants %s%d`", prefix, i); !strings.Contains(r.stderr, want) {
			t.Errorf("the rollback's advice lacks %s\n%s", want, r)
		}
	}
	// Put right: the down finished by hand (d_gone never existed), and
	// the down fixed so that it runs.
	write(t, dir, "0004_d.sql", "-- +hoist up\nCREATE TABLE d (id INT);\n-- +hoist down\nDROP TABLE d;\n")
	r = s.ok("migrate:repair", "--tenants", pattern)
	if !strings.Contains(r.stdout, " "+prefix+"0 forgot 4 d\n") || !strings.HasSuffix(r.stdout, ": 6 repaired, 0 with nothing to repair\n") {
		t.Errorf("repair of the fleet after the rollback: %s", r)
	}
	r = s.ok("migrate", "--tenants", pattern)
	if !strings.HasSuffix(r.stdout, ": 6 applied, 0 up to date\n") {
		t.Errorf("migrate after the repair of the rollback: %s", r)
	}
}

// TestFleetRepairCommandSchemas: on PostgreSQL schemas, a migration
// outside a transaction that fails half way in one schema; the advice
// names migrate:repair --tenants and the schema's own history table.
// With fleet.tenants in hoist.yaml, plain migrate:repair repairs the
// fleet, production or not, a list of names asking nothing; the JSON
// document lists what was removed; migrate then completes the fleet.
func TestFleetRepairCommandSchemas(t *testing.T) {
	t.Parallel()
	s, db := fleetSession(t)
	write(t, filepath.Join(s.dir, "migrations"), "0004_d.sql", "-- +hoist up\n-- +hoist no-transaction\nCREATE TABLE d (id INT);\nCREATE TABLE e (id INT);\n")
	if _, err := db.DB.Exec("CREATE TABLE fleetcmd_03.e (id INT)"); err != nil {
		t.Fatal(err)
	}
	r := s.run("migrate", "--tenants", "fleetcmd_*", "--on-failure", "continue", "--json")
	var run fleetRun
	decode(t, r, &run)
	var msg string
	for _, tn := range run.Tenants {
		if tn.Tenant == "fleetcmd_03" && tn.Error != nil {
			msg = tn.Error.Message
		}
	}
	if r.code != 1 || !strings.Contains(msg, "`hoist migrate:repair --tenants fleetcmd_03`") ||
		!strings.Contains(msg, `UPDATE "fleetcmd_03"."hoist_migrations" SET state = 'applied' WHERE version = 4`) {
		t.Fatalf("fleetcmd_03's error in the document: %q\n%s", msg, r)
	}
	if _, err := db.DB.Exec("DROP TABLE fleetcmd_03.d; DROP TABLE fleetcmd_03.e; DROP TABLE fleetcmd_07.b"); err != nil {
		t.Fatal(err)
	}
	write(t, s.dir, "hoist.yaml", "fleet:\n  tenants: fleetcmd_03,fleetcmd_07\n")
	r = s.inProduction(func() result { return s.ok("migrate:repair", "--json") })
	var doc fleetRepairDoc
	decode(t, r, &doc)
	if doc.Pattern != "fleetcmd_03,fleetcmd_07" || doc.Summary["repaired"] != 1 || doc.Summary["nothing_to_repair"] != 1 ||
		doc.Tenants[0].State != "repaired" || len(doc.Tenants[0].Removed) != 1 || doc.Tenants[0].Removed[0].Version != 4 ||
		doc.Tenants[0].Removed[0].State != "failed" || doc.Tenants[1].State != "nothing_to_repair" {
		t.Errorf("migrate:repair with fleet.tenants: %+v\n%s", doc, r)
	}
	r = s.ok("migrate")
	if !strings.Contains(r.stdout, " fleetcmd_07 applied 3 migrations (") || !strings.HasSuffix(r.stdout, ": 2 applied, 0 up to date\n") {
		t.Errorf("migrate after the repair: %s", r)
	}
}

// inProduction runs run with HOIST_ENV=production added to the
// session's environment.
func (s *session) inProduction(run func() result) result {
	s.env = append(s.env, "HOIST_ENV=production")
	defer func() { s.env = s.env[:len(s.env)-1] }()
	return run()
}
