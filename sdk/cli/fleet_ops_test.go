package cli_test

import (
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
)

// fleetRollback is the document of migrate:rollback --tenants --json.
type fleetRollback struct {
	Pattern    string   `json:"pattern"`
	Servers    []string `json:"servers"`
	DurationMS *float64 `json:"duration_ms"`
	Tenants    []struct {
		Server     string   `json:"server"`
		Tenant     string   `json:"tenant"`
		State      string   `json:"state"`
		Batch      int      `json:"batch"`
		DurationMS *float64 `json:"duration_ms"`
		Migrations []struct {
			Version    int64    `json:"version"`
			Name       string   `json:"name"`
			File       string   `json:"file"`
			Direction  string   `json:"direction"`
			DurationMS float64  `json:"duration_ms"`
			SQL        []string `json:"sql"`
			Note       string   `json:"note"`
		} `json:"migrations"`
		LockedBy *string     `json:"locked_by"`
		Error    *failureDoc `json:"error"`
	} `json:"tenants"`
	DryRun  *bool          `json:"dry_run"`
	Summary map[string]int `json:"summary"`
}

// TestFleetMigrateTo: migrate --tenants --to applies the migrations up
// to the version on every tenant, its dry run says so first, and a
// second run finds every tenant up to date; --to 0 is refused.
func TestFleetMigrateTo(t *testing.T) {
	t.Parallel()
	s, db := fleetSession(t)

	r := s.ok("migrate", "--tenants", "fleetcmd_*", "--to", "1", "--dry-run")
	if !strings.Contains(r.stdout, "fleetcmd_07: would apply 1 migration as batch 1\n") ||
		!strings.HasSuffix(r.stdout, "15 tenants matching fleetcmd_* (dry run: nothing was executed): 15 pending migrations on 15 tenants, 0 up to date\n") {
		t.Errorf("dry run of --to 1: %s", r)
	}
	r = s.ok("migrate", "--tenants", "fleetcmd_*", "--to", "1")
	if !strings.Contains(r.stdout, " fleetcmd_07 applied 1 migration (") || !strings.HasSuffix(r.stdout, ": 15 applied, 0 up to date\n") {
		t.Errorf("migrate --to 1: %s", r)
	}
	for i := range fleetTenants {
		if n := rowCount(t, db, fmt.Sprintf("fleetcmd_%02d.hoist_migrations", i)); n != 1 {
			t.Errorf("fleetcmd_%02d has %d history rows after --to 1, want 1", i, n)
		}
	}
	r = s.ok("migrate", "--tenants", "fleetcmd_*", "--to", "1", "--json")
	var run fleetRun
	decode(t, r, &run)
	if run.Summary["up_to_date"] != fleetTenants || run.Summary["applied"] != 0 {
		t.Errorf("migrate --to 1 again: %v", run.Summary)
	}
	if r := s.run("migrate", "--tenants", "fleetcmd_*", "--to", "0"); r.code != 2 || !strings.Contains(r.stderr, "--to 0: versions are positive") {
		t.Errorf("--to 0: %s", r)
	}
	if r := s.run("migrate", "--tenants", "fleetcmd_*", "--to", "3", "--seed"); r.code != 2 || !strings.Contains(r.stderr, "--seed runs after a full migrate: give it without --to") {
		t.Errorf("--to with --seed: %s", r)
	}
	// The rest, with the failing tenant: --to 3 is migrate.
	r = s.run("migrate", "--tenants", "fleetcmd_*", "--to", "3", "--on-failure", "continue")
	if r.code != 1 || !strings.Contains(r.stderr, "fleetcmd_07: migration 2 b up failed at 0002_b.sql:3") ||
		!strings.HasSuffix(r.stdout, ": 14 applied, 0 up to date, 1 failed\n") {
		t.Errorf("migrate --to 3: %s", r)
	}
}

// TestFleetRollback: migrate:rollback --tenants with --step, --to and
// --dry-run on a fleet of schemas. The dry run changes nothing; the
// failing tenant (its down fails: its table c was dropped by hand) is
// listed with file and line, and stops the run under --on-failure stop;
// --on-failure continue rolls back every other, and the JSON document
// has the states of a rollback; --to 0 empties every history.
func TestFleetRollback(t *testing.T) {
	t.Parallel()
	s, db := fleetSession(t)
	if _, err := db.DB.Exec("DROP TABLE fleetcmd_07.b"); err != nil {
		t.Fatal(err)
	}
	s.ok("migrate", "--tenants", "fleetcmd_*")

	r := s.ok("migrate:rollback", "--tenants", "fleetcmd_*", "--step", "1", "--dry-run")
	for _, want := range []string{"fleetcmd_00: would roll back 1 migration\n  down 3 c (0003_c.sql)\n       DROP TABLE c;\n",
		"fleetcmd_01: would roll back 1 migration\n  down 3 c (0003_c.sql)\n       -- SQL as shown for fleetcmd_00\n"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("dry run lacks %q\n%s", want, r)
		}
	}
	if !strings.HasSuffix(r.stdout, "15 tenants matching fleetcmd_* (dry run: nothing was executed): 15 migrations to roll back on 15 tenants, 0 with nothing to roll back\n") {
		t.Errorf("dry run summary: %s", r)
	}
	r = s.ok("migrate:rollback", "--tenants", "fleetcmd_*", "--to", "1", "--dry-run", "--json")
	var dry fleetRollback
	decode(t, r, &dry)
	if dry.DryRun == nil || !*dry.DryRun || dry.Summary["to_roll_back"] != fleetTenants || dry.Summary["migrations"] != 2*fleetTenants ||
		dry.Tenants[0].State != "to_roll_back" || len(dry.Tenants[0].Migrations) != 2 || dry.Tenants[0].Migrations[0].Version != 3 ||
		dry.Tenants[0].Migrations[0].Direction != "down" {
		t.Errorf("dry run document: %+v", dry)
	}
	for i := range fleetTenants {
		if n := rowCount(t, db, fmt.Sprintf("fleetcmd_%02d.hoist_migrations", i)); n != 3 {
			t.Fatalf("the dry runs changed fleetcmd_%02d: %d history rows", i, n)
		}
	}

	if _, err := db.DB.Exec("DROP TABLE fleetcmd_07.c"); err != nil {
		t.Fatal(err)
	}
	r = s.run("migrate:rollback", "--tenants", "fleetcmd_*", "--step", "1", "--concurrency", "1")
	if r.code != 1 {
		t.Fatalf("rollback: want exit 1\n%s", r)
	}
	for _, want := range []string{"hoist: 1 of 15 tenants failed:\n", "\n  fleetcmd_07: migration 3 c down failed at 0003_c.sql:4: ",
		"\n  7 tenants not reached: the run stops at the first failure (--on-failure stop); --on-failure continue rolls back the others"} {
		if !strings.Contains(r.stderr, want) {
			t.Errorf("stderr lacks %q\n%s", want, r)
		}
	}
	for _, want := range []string{"[ 1/15] fleetcmd_00 rolled back 1 migration (", "[ 8/15] fleetcmd_07 failed at 3 c (0003_c.sql:4)\n",
		"15 tenants matching fleetcmd_* in "} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("stdout lacks %q\n%s", want, r)
		}
	}
	if !strings.HasSuffix(r.stdout, ": 7 rolled back, 0 with nothing to roll back, 1 failed, 7 not reached\n") {
		t.Errorf("summary\n%s", r)
	}

	r = s.run("migrate:rollback", "--tenants", "fleetcmd_*", "--to", "2", "--on-failure", "continue", "--json")
	if r.code != 1 || !strings.Contains(r.stderr, "fleetcmd_07: migration 3 c down failed at 0003_c.sql:4") || strings.Contains(r.stderr, "not reached") {
		t.Fatalf("rollback --on-failure continue: %s", r)
	}
	var run fleetRollback
	decode(t, r, &run)
	if run.Pattern != "fleetcmd_*" || run.DurationMS == nil || len(run.Tenants) != fleetTenants || run.Summary["tenants"] != fleetTenants ||
		run.Summary["rolled_back"] != 7 || run.Summary["nothing_to_roll_back"] != 7 || run.Summary["failed"] != 1 || run.Summary["not_reached"] != 0 {
		t.Errorf("document: %+v", run)
	}
	for i, tn := range run.Tenants {
		switch {
		case i == 7:
			if e := tn.Error; tn.State != "failed" || e == nil || e.Version != 3 || e.File != "0003_c.sql" || e.Line != 4 {
				t.Errorf("fleetcmd_07: %+v %+v", tn, tn.Error)
			}
		case i < 7 && (tn.State != "nothing_to_roll_back" || len(tn.Migrations) != 0):
			t.Errorf("%s: %+v; want nothing to roll back, its 3 rolled back by the run before", tn.Tenant, tn)
		case i > 7 && (tn.State != "rolled_back" || len(tn.Migrations) != 1 || tn.Migrations[0].Direction != "down" || tn.Batch != 1):
			t.Errorf("%s: %+v; want 3 rolled back", tn.Tenant, tn)
		}
	}

	if _, err := db.DB.Exec("CREATE TABLE fleetcmd_07.c (id INT)"); err != nil {
		t.Fatal(err)
	}
	r = s.ok("migrate:rollback", "--tenants", "fleetcmd_*", "--to", "0")
	if !strings.HasSuffix(r.stdout, ": 15 rolled back, 0 with nothing to roll back\n") {
		t.Errorf("rollback --to 0: %s", r)
	}
	for i := range fleetTenants {
		if n := rowCount(t, db, fmt.Sprintf("fleetcmd_%02d.hoist_migrations", i)); n != 0 {
			t.Errorf("fleetcmd_%02d has %d history rows after --to 0", i, n)
		}
	}
	r = s.ok("migrate:rollback", "--tenants", "fleetcmd_*")
	if !strings.Contains(r.stdout, " fleetcmd_00 nothing to roll back\n") || !strings.HasSuffix(r.stdout, ": 0 rolled back, 15 with nothing to roll back\n") {
		t.Errorf("rollback of rolled back tenants: %s", r)
	}
	if r := s.run("migrate:rollback", "--tenants", "nobody_*"); r.code != 1 ||
		!strings.Contains(r.stderr, "no tenant matches the pattern nobody_* (given by --tenants): nothing was rolled back") {
		t.Errorf("a pattern that matches nothing: %s", r)
	}
	if r := s.run("migrate:rollback", "--concurrency", "2"); r.code != 2 || !strings.Contains(r.stderr, "--concurrency works on a fleet: give --tenants PATTERN too") {
		t.Errorf("--concurrency without --tenants: %s", r)
	}
	tableExists(t, db, "public.hoist_migrations", false)
}

// TestFleetRollbackGuard: where the fleet looks like production
// (HOIST_ENV=production), migrate:rollback --tenants without a terminal
// refuses without --force, listing what it would roll back on which
// tenants, and changes nothing; its dry run needs no --force, a fleet
// with nothing to roll back goes ahead, and --force rolls back.
func TestFleetRollbackGuard(t *testing.T) {
	t.Parallel()
	s, db := fleetSession(t)
	if _, err := db.DB.Exec("DROP TABLE fleetcmd_07.b"); err != nil {
		t.Fatal(err)
	}
	s.ok("migrate", "--tenants", "fleetcmd_*")
	s.env = append(s.env, "HOIST_ENV=production")

	r := s.run("migrate:rollback", "--tenants", "fleetcmd_*")
	for _, want := range []string{"hoist: migrate:rollback: the target looks like production (HOIST_ENV=production), and the input is not a terminal to confirm on: add --force to go on; nothing was done\n",
		"migrate:rollback --tenants undoes migrations; it would roll back 45 migrations on 15 of 15 tenants matching fleetcmd_*:\n",
		"\n  fleetcmd_00: down 3 c, down 2 b, down 1 a\n", "\n  fleetcmd_09: down 3 c, down 2 b, down 1 a\n  and 5 more tenants"} {
		if r.code != 2 || !strings.Contains(r.stderr, want) {
			t.Errorf("rollback in production without --force: want exit 2 and %q\n%s", want, r)
		}
	}
	if strings.Contains(r.stderr, "fleetcmd_10:") {
		t.Errorf("the question lists more than 10 tenants\n%s", r)
	}
	for i := range fleetTenants {
		if n := rowCount(t, db, fmt.Sprintf("fleetcmd_%02d.hoist_migrations", i)); n != 3 {
			t.Fatalf("the refused rollback changed fleetcmd_%02d: %d history rows", i, n)
		}
	}
	s.ok("migrate:rollback", "--tenants", "fleetcmd_*", "--dry-run")
	r = s.ok("migrate:rollback", "--tenants", "fleetcmd_0*", "--force")
	if !strings.HasSuffix(r.stdout, ": 10 rolled back, 0 with nothing to roll back\n") {
		t.Errorf("rollback with --force: %s", r)
	}
	r = s.ok("migrate:rollback", "--tenants", "fleetcmd_0*")
	if !strings.HasSuffix(r.stdout, ": 0 rolled back, 10 with nothing to roll back\n") {
		t.Errorf("rollback with nothing to roll back, in production: %s", r)
	}
	if n := rowCount(t, db, "fleetcmd_10.hoist_migrations"); n != 3 {
		t.Errorf("fleetcmd_10, not matched, has %d history rows", n)
	}
}

// TestFleetRollbackDatabases: migrate:rollback --tenants on a fleet of
// MariaDB databases and one of SQLite files rolls back the last batch
// of every tenant; the one whose migrate failed rolls back what it
// applied, and the JSON document counts them.
func TestFleetRollbackDatabases(t *testing.T) {
	t.Parallel()
	t.Run("mariadb", func(t *testing.T) {
		t.Parallel()
		s, _, prefix := mariaDBFleet(t)
		failing := fmt.Sprintf("%s%d", prefix, fleetDBFailing)
		// MariaDB keeps the failed migration 2 in the failing tenant's
		// history: a rollback refuses it (a dirty history), as it would
		// on one database.
		s.run("migrate", "--tenants", prefix+"*", "--on-failure", "continue")
		r := s.run("migrate:rollback", "--tenants", prefix+"*", "--on-failure", "continue", "--json")
		var run fleetRollback
		decode(t, r, &run)
		if r.code != 1 || run.Summary["rolled_back"] != fleetDBTenants-1 || run.Summary["failed"] != 1 ||
			!strings.Contains(r.stderr, "1 of 6 tenants failed:\n  "+failing+": ") {
			t.Fatalf("rollback: %+v\n%s", run.Summary, r)
		}
		for _, tn := range run.Tenants {
			if tn.Tenant != failing && len(tn.Migrations) != 3 {
				t.Errorf("%s rolled back %d migrations, want 3", tn.Tenant, len(tn.Migrations))
			}
		}
	})
	t.Run("sqlite", func(t *testing.T) {
		t.Parallel()
		s := sqliteFleet(t)
		failing := filepath.Join("tenants", fmt.Sprintf("t_%d.db", fleetDBFailing))
		s.run("migrate", "--tenants", "t_*.db", "--on-failure", "continue")
		r := s.ok("migrate:rollback", "--tenants", "t_*.db", "--json")
		var run fleetRollback
		decode(t, r, &run)
		if run.Summary["rolled_back"] != fleetDBTenants-1 || run.Summary["failed"] != 0 {
			t.Fatalf("rollback: %+v\n%s", run.Summary, r)
		}
		for _, tn := range run.Tenants {
			want := 3
			if tn.Tenant == failing {
				want = 1 // its migrate applied 1 and failed at 2, undone by SQLite
			}
			if len(tn.Migrations) != want {
				t.Errorf("%s rolled back %d migrations, want %d", tn.Tenant, len(tn.Migrations), want)
			}
		}
		r = s.ok("migrate:status", "--tenants", "t_*.db", "--json")
		var st fleetStatus
		decode(t, r, &st)
		if st.Summary["pending"] != fleetDBTenants-1 {
			t.Errorf("status after the rollback: %v", st.Summary)
		}
	})
}

// TestFleetRollbackServers: migrate:rollback --tenants with --server
// twice rolls back the tenants of both servers, each named with its
// server, and migrate --to with --server applies up to the version on
// both.
func TestFleetRollbackServers(t *testing.T) {
	t.Parallel()
	s, urls, names, dbs := twoServerFleet(t)
	if _, err := dbs[1].Exec("DROP TABLE srv_1.b"); err != nil {
		t.Fatal(err)
	}
	args := []string{"--tenants", "srv_*", "--server", urls[0], "--server", urls[1]}
	r := s.ok(append([]string{"migrate", "--to", "2"}, args...)...)
	if !strings.HasSuffix(r.stdout, ": 6 applied, 0 up to date\n") {
		t.Fatalf("migrate --to 2 on two servers: %s", r)
	}
	r = s.ok(append([]string{"migrate:rollback", "--json"}, args...)...)
	var run fleetRollback
	decode(t, r, &run)
	if len(run.Servers) != 2 || len(run.Tenants) != 6 || run.Summary["rolled_back"] != 6 {
		t.Fatalf("rollback on two servers: %+v\n%s", run, r)
	}
	for i, tn := range run.Tenants {
		if tn.Server != names[i/3] || tn.State != "rolled_back" || len(tn.Migrations) != 2 {
			t.Errorf("tenant %d: %+v", i, tn)
		}
	}
	for i, db := range dbs {
		var n int
		if err := db.QueryRow("SELECT count(*) FROM srv_0.hoist_migrations").Scan(&n); err != nil || n != 0 {
			t.Errorf("server %d: srv_0 has %d history rows (%v), want 0", i, n, err)
		}
	}
	raw, _ := json.Marshal(run.Summary)
	if !strings.Contains(string(raw), `"nothing_to_roll_back":0`) {
		t.Errorf("summary lacks nothing_to_roll_back: %s", raw)
	}
}
