package cli_test

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hoistdb/hoist/testkit"
)

// failureDoc is the error of a tenant in the fleet commands' JSON
// documents: the message and where the failed migration is.
type failureDoc struct {
	Message string `json:"message"`
	Version int64  `json:"version"`
	Name    string `json:"name"`
	File    string `json:"file"`
	Line    int    `json:"line"`
}

// fleetTenants is the size of the fleets these tests migrate.
const fleetTenants = 15

// fleetSession is a session on a fresh PostgreSQL database holding the
// schemas fleetcmd_00 ... fleetcmd_14 and three migrations; the
// migration 0002 of fleetcmd_07 fails, as that tenant has a table
// b of its own already.
func fleetSession(t *testing.T) (*session, *testkit.DB) {
	t.Helper()
	db := testkit.Postgres(t)
	for i := range fleetTenants {
		if _, err := db.DB.Exec(fmt.Sprintf("CREATE SCHEMA fleetcmd_%02d", i)); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := db.DB.Exec("CREATE TABLE fleetcmd_07.b (id INT)"); err != nil {
		t.Fatal(err)
	}
	s := newSession(t, "DATABASE_URL="+db.DSN)
	dir := filepath.Join(s.dir, "migrations")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	write(t, dir, "0001_a.sql", "-- +hoist up\nCREATE TABLE a (id INT PRIMARY KEY);\n-- +hoist down\nDROP TABLE a;\n")
	write(t, dir, "0002_b.sql", "-- +hoist up\nINSERT INTO a VALUES (1);\nCREATE TABLE b (id INT);\n-- +hoist down\nDROP TABLE b;\n")
	write(t, dir, "0003_c.sql", "-- +hoist up\nCREATE TABLE c (id INT);\n-- +hoist down\nDROP TABLE c;\n")
	return s, db
}

// fleetStatus is the document of migrate:status --tenants --json.
type fleetStatus struct {
	Pattern string `json:"pattern"`
	Tenants []struct {
		Tenant   string      `json:"tenant"`
		State    string      `json:"state"`
		Pending  int         `json:"pending"`
		FailedAt int64       `json:"failed_at"`
		Changed  bool        `json:"changed"`
		LockedBy string      `json:"locked_by"`
		NoSchema bool        `json:"no_schema"`
		Error    *failureDoc `json:"error"`
	} `json:"tenants"`
	Broken  []json.RawMessage `json:"broken"`
	Summary map[string]int    `json:"summary"`
}

// fleetRun is the document of migrate --tenants --json.
type fleetRun struct {
	Pattern    string   `json:"pattern"`
	DurationMS *float64 `json:"duration_ms"`
	Tenants    []struct {
		Tenant     string            `json:"tenant"`
		State      string            `json:"state"`
		Batch      int               `json:"batch"`
		DurationMS *float64          `json:"duration_ms"`
		Migrations []json.RawMessage `json:"migrations"`
		Created    bool              `json:"created"`
		Seed       *seedDoc          `json:"seed"`
		Error      *failureDoc       `json:"error"`
	} `json:"tenants"`
	Summary map[string]int `json:"summary"`
}

// seedDoc is what the seeders did on a tenant in migrate --tenants
// --seed --json: the document of seed --json.
type seedDoc struct {
	Ran []struct {
		Name       string  `json:"name"`
		File       string  `json:"file"`
		DurationMS float64 `json:"duration_ms"`
	} `json:"ran"`
	Skipped []string `json:"skipped"`
}

func decode(t *testing.T, r result, v any) {
	t.Helper()
	dec := json.NewDecoder(strings.NewReader(r.stdout))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		t.Fatalf("the JSON document does not decode: %v\n%s", err, r)
	}
}

// states maps each tenant to its state in a status document.
func (st fleetStatus) states() map[string]string {
	out := map[string]string{}
	for _, tn := range st.Tenants {
		out[tn.Tenant] = tn.State
	}
	return out
}

// TestFleetMigrateStopsAtFirst: under --on-failure stop (the default),
// one tenant at a time, the run stops at the failing tenant, lists it
// with its file and line and exits 1; the tenants before it are
// complete, those after it untouched, and nothing lands in public.
func TestFleetMigrateStopsAtFirst(t *testing.T) {
	t.Parallel()
	s, db := fleetSession(t)

	r := s.run("migrate:status", "--tenants", "fleetcmd_*", "--json")
	var st fleetStatus
	decode(t, r, &st)
	if r.code != 0 || st.Pattern != "fleetcmd_*" || len(st.Tenants) != fleetTenants || st.Summary["pending"] != fleetTenants ||
		st.Tenants[0].State != "pending" || st.Tenants[0].Pending != 3 || st.Broken == nil {
		t.Fatalf("status before: %+v\n%s", st, r)
	}

	r = s.run("migrate", "--tenants", "fleetcmd_*", "--concurrency", "1")
	if r.code != 1 {
		t.Fatalf("migrate: want exit 1\n%s", r)
	}
	for _, want := range []string{"hoist: 1 of 15 tenants failed:\n", "\n  fleetcmd_07: migration 2 b up failed at 0002_b.sql:3: ",
		"\n  7 tenants not reached: the run stops at the first failure (--on-failure stop)"} {
		if !strings.Contains(r.stderr, want) {
			t.Errorf("stderr lacks %q\n%s", want, r)
		}
	}
	for _, want := range []string{"[ 1/15] fleetcmd_00 applied 3 migrations (", "[ 8/15] fleetcmd_07 failed at 2 b (0002_b.sql:3)\n",
		"15 tenants matching fleetcmd_* in "} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("stdout lacks %q\n%s", want, r)
		}
	}
	if !strings.HasSuffix(r.stdout, ": 7 applied, 0 up to date, 1 failed, 7 not reached\n") {
		t.Errorf("summary\n%s", r)
	}

	r = s.run("migrate:status", "--tenants", "fleetcmd_*", "--json")
	st = fleetStatus{}
	decode(t, r, &st)
	got := st.states()
	for i := range fleetTenants {
		name, want := fmt.Sprintf("fleetcmd_%02d", i), "up_to_date"
		if i >= 7 {
			want = "pending"
		}
		if got[name] != want {
			t.Errorf("%s is %s, want %s", name, got[name], want)
		}
	}
	// fleetcmd_07's first migration was applied, its second rolled back.
	if n := rowCount(t, db, "fleetcmd_07.hoist_migrations"); n != 1 {
		t.Errorf("fleetcmd_07 has %d history rows, want 1", n)
	}
	tableExists(t, db, "public.hoist_migrations", false)
	tableExists(t, db, "public.a", false)
}

// TestFleetMigrateContinues: under --on-failure continue every other
// tenant is migrated, the JSON document (printed also when a tenant
// failed) names the failed one with its file and line, and after the
// fix the next run migrates only that one.
func TestFleetMigrateContinues(t *testing.T) {
	t.Parallel()
	s, db := fleetSession(t)

	r := s.run("migrate", "--tenants", "fleetcmd_*", "--on-failure", "continue", "--concurrency", "4", "--json")
	if r.code != 1 || !strings.Contains(r.stderr, "fleetcmd_07: migration 2 b up failed at 0002_b.sql:3") ||
		strings.Contains(r.stderr, "not reached") {
		t.Fatalf("migrate: want exit 1 and fleetcmd_07 listed\n%s", r)
	}
	var run fleetRun
	decode(t, r, &run)
	if run.Pattern != "fleetcmd_*" || run.DurationMS == nil || len(run.Tenants) != fleetTenants ||
		run.Summary["tenants"] != 15 || run.Summary["applied"] != 14 || run.Summary["failed"] != 1 || run.Summary["not_reached"] != 0 {
		t.Errorf("document: %+v", run)
	}
	for _, tn := range run.Tenants {
		switch {
		case tn.Tenant == "fleetcmd_07":
			if e := tn.Error; tn.State != "failed" || e == nil || e.Version != 2 || e.Name != "b" || e.File != "0002_b.sql" || e.Line != 3 ||
				!strings.Contains(e.Message, `relation "b" already exists`) || len(tn.Migrations) != 1 {
				t.Errorf("fleetcmd_07: %+v %+v", tn, tn.Error)
			}
		case tn.State != "applied" || tn.Error != nil || len(tn.Migrations) != 3 || tn.Batch != 1:
			t.Errorf("%s: %+v", tn.Tenant, tn)
		}
	}
	for i := range fleetTenants {
		want := 3
		if i == 7 {
			want = 1
		}
		if n := rowCount(t, db, fmt.Sprintf("fleetcmd_%02d.hoist_migrations", i)); n != want {
			t.Errorf("fleetcmd_%02d has %d history rows, want %d", i, n, want)
		}
	}

	r = s.run("migrate:status", "--tenants", "fleetcmd_*", "--exit-code")
	if r.code != 1 || !strings.Contains(r.stderr, "hoist: 1 of 15 tenants not up to date") {
		t.Errorf("status --exit-code: %s", r)
	}
	golden(t, "fleet/status", r.stdout)

	if _, err := db.DB.Exec("DROP TABLE fleetcmd_07.b"); err != nil {
		t.Fatal(err)
	}
	r = s.ok("migrate", "--tenants", "fleetcmd_*", "--on-failure", "continue")
	if !strings.HasPrefix(r.stdout, "[14/15] 14 tenants up to date\n[15/15] fleetcmd_07 applied 2 migrations (") ||
		!strings.HasSuffix(r.stdout, ": 1 applied, 14 up to date\n") {
		t.Errorf("migrate after the fix: %s", r)
	}
	if r := s.ok("migrate:status", "--tenants", "fleetcmd_*", "--exit-code"); !strings.HasSuffix(r.stdout, "15 tenants: 15 up to date\n") {
		t.Errorf("status after the fix: %s", r)
	}
}

// TestFleetStatusNamesLockHolder: a tenant whose lock another session
// holds while a migration is pending shows "locked by" that session.
func TestFleetStatusNamesLockHolder(t *testing.T) {
	t.Parallel()
	s, db := fleetSession(t)
	if _, err := db.DB.Exec("DROP TABLE fleetcmd_07.b"); err != nil {
		t.Fatal(err)
	}
	s.ok("migrate", "--tenants", "fleetcmd_*")
	write(t, filepath.Join(s.dir, "migrations"), "0004_d.sql", "-- +hoist up\nCREATE TABLE d (id INT);\n")

	conn, err := db.DB.Conn(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	lock := db.Dialect.NewLock(conn, "fleetcmd_03.hoist_migrations")
	if ok, err := lock.TryAcquire(t.Context()); err != nil || !ok {
		t.Fatalf("taking the lock of fleetcmd_03: %v %v", ok, err)
	}
	defer lock.Release(t.Context())

	r := s.ok("migrate:status", "--tenants", "fleetcmd_*", "--json")
	var st fleetStatus
	decode(t, r, &st)
	for _, tn := range st.Tenants {
		switch {
		case tn.Tenant == "fleetcmd_03":
			if tn.State != "locked" || !strings.HasPrefix(tn.LockedBy, "pid ") || tn.Pending != 1 {
				t.Errorf("fleetcmd_03: %+v", tn)
			}
		case tn.State != "pending" || tn.LockedBy != "":
			t.Errorf("%s: %+v", tn.Tenant, tn)
		}
	}
	if st.Summary["locked"] != 1 || st.Summary["pending"] != 14 {
		t.Errorf("summary: %v", st.Summary)
	}
	r = s.ok("migrate:status", "--tenants", "fleetcmd_0[0-4]")
	if !strings.Contains(r.stdout, "fleetcmd_03  locked by pid ") || !strings.HasSuffix(r.stdout, "5 tenants: 0 up to date, 4 pending, 1 locked\n") {
		t.Errorf("status: %s", r)
	}
}

// TestFleetConfig: the fleet section of hoist.yaml makes migrate and
// migrate:status work on the fleet; the flags override it, and
// --tenants ” works on the database itself.
func TestFleetConfig(t *testing.T) {
	t.Parallel()
	s, db := fleetSession(t)
	write(t, s.dir, "hoist.yaml", "fleet:\n  tenants: \"fleetcmd_1*\"\n  concurrency: 2\n  on_failure: continue\n")

	r := s.ok("migrate")
	if !strings.Contains(r.stdout, "5 tenants matching fleetcmd_1* in ") || !strings.HasSuffix(r.stdout, ": 5 applied, 0 up to date\n") {
		t.Errorf("migrate from the configuration: %s", r)
	}
	// The flag overrides the file: stop at fleetcmd_07, one at a time.
	r = s.run("migrate", "--tenants", "fleetcmd_0*", "--on-failure", "stop", "--concurrency", "1")
	if r.code != 1 || !strings.HasSuffix(r.stdout, ": 7 applied, 0 up to date, 1 failed, 2 not reached\n") {
		t.Errorf("migrate with flags over the file: %s", r)
	}
	// The variable overrides the file too.
	s.env = append(s.env, "HOIST_FLEET_ON_FAILURE=sometimes")
	if r := s.run("migrate"); r.code != 2 || !strings.Contains(r.stderr, `HOIST_FLEET_ON_FAILURE: "sometimes" is not stop or continue`) {
		t.Errorf("bad variable: %s", r)
	}
	s.env = s.env[:len(s.env)-1]
	if r := s.ok("migrate", "--to", "2"); !strings.HasSuffix(r.stdout, ": 0 applied, 5 up to date\n") {
		t.Errorf("--to on a configured fleet, migrated past 2: %s", r)
	}
	if r := s.ok("migrate", "--dry-run"); r.stdout != "5 tenants matching fleetcmd_1* (dry run: nothing was executed): 0 pending migrations on 0 tenants, 5 up to date\n" {
		t.Errorf("dry run on a configured fleet: %s", r)
	}
	// --tenants '' turns the fleet off: the database's own schema.
	s.ok("migrate", "--tenants", "")
	if n := rowCount(t, db, "public.hoist_migrations"); n != 3 {
		t.Errorf("public has %d history rows, want 3", n)
	}
	if r := s.ok("migrate:status"); !strings.HasSuffix(r.stdout, "5 tenants: 5 up to date\n") {
		t.Errorf("status from the configuration: %s", r)
	}
}

// TestFleetBadInput: wrong fleet settings and fleets the command cannot
// migrate are refused with a message that names the setting, before
// anything is migrated.
func TestFleetBadInput(t *testing.T) {
	t.Parallel()
	pg := testkit.Postgres(t)
	mysqlDB := testkit.MySQL(t)
	cases := []struct {
		name, url string
		args      []string
		yaml      string
		code      int
		want      string
		broken    bool // a second migration file does not parse
	}{
		{name: "no_match", url: pg.DSN, args: []string{"migrate", "--tenants", "nobody_*"}, code: 1,
			want: "hoist: no tenant matches the pattern nobody_* (given by --tenants): nothing was migrated; check the pattern, or create the tenants first"},
		{name: "no_match_status", url: pg.DSN, yaml: "fleet:\n  tenants: nobody_*\n", args: []string{"migrate:status"}, code: 1,
			want: "hoist: no tenant matches the pattern nobody_* (given by fleet.tenants in hoist.yaml): nothing to show"},
		{name: "bad_pattern", url: pg.DSN, args: []string{"migrate", "--tenants", "tenant_["}, code: 2,
			want: `hoist: --tenants: "tenant_[" is not a pattern such as tenant_* (syntax error in pattern)`},
		{name: "zero_concurrency", url: pg.DSN, args: []string{"migrate", "--tenants", "t*", "--concurrency", "0"}, code: 2,
			want: `hoist: --concurrency: "0" is not a whole number of at least 1`},
		{name: "bad_concurrency_in_file", url: pg.DSN, yaml: "fleet:\n  concurrency: many\n", args: []string{"migrate"}, code: 2,
			want: `hoist.yaml: fleet.concurrency: "many" is not a whole number of at least 1`},
		{name: "unknown_fleet_key", url: pg.DSN, yaml: "fleet:\n  tenant: t*\n", args: []string{"migrate"}, code: 2,
			want: `hoist.yaml:2: unknown key "fleet.tenant"; known keys: database_url, `},
		{name: "fleet_not_a_mapping", url: pg.DSN, yaml: "fleet: t*\n", args: []string{"migrate"}, code: 2,
			want: "hoist.yaml:1: fleet takes a mapping of tenants, concurrency, on_failure, kind, servers, not a single value or a list"},
		{name: "bad_kind", url: pg.DSN, args: []string{"migrate", "--tenants", "t*", "--tenant-kind", "files"}, code: 2,
			want: `hoist: --tenant-kind: "files" is not schemas or databases`},
		{name: "kind_without_tenants", url: pg.DSN, args: []string{"migrate:status", "--tenant-kind", "databases"}, code: 2,
			want: "hoist: --tenant-kind works on a fleet: give --tenants PATTERN too"},
		{name: "mysql_schemas", url: mysqlURL(t, mysqlDB.DSN), args: []string{"migrate", "--tenants", "t*", "--tenant-kind", "schemas"}, code: 2,
			want: "hoist: a fleet of schemas (fleet.kind schemas, given by --tenant-kind) is PostgreSQL's: on mysql the tenants are databases; leave the kind out"},
		{name: "pg_databases_table", url: pg.DSN, yaml: "fleet:\n  kind: databases\n", args: []string{"migrate", "--tenants", "t*", "--table", "s.hoist_migrations"}, code: 2,
			want: "hoist: a fleet of databases keeps each tenant's history in a table of the tenant's own"},
		{name: "bad_policy", url: pg.DSN, args: []string{"migrate", "--tenants", "t*", "--on-failure", "retry"}, code: 2,
			want: `hoist: --on-failure: "retry" is not stop or continue`},
		{name: "concurrency_without_tenants", url: pg.DSN, args: []string{"migrate", "--concurrency", "3"}, code: 2,
			want: "hoist: --concurrency works on a fleet: give --tenants PATTERN too"},
		{name: "one_migration", url: pg.DSN, args: []string{"migrate", "--tenants", "t*", "0001_a"}, code: 2,
			want: "hoist: migrate 0001_a applies one migration to one database; on a fleet"},
		{name: "table", url: pg.DSN, args: []string{"migrate", "--tenants", "t*", "--table", "app_migrations"}, code: 2,
			want: "the history table app_migrations (--table) cannot be changed for a fleet of schemas yet"},
		{name: "mysql", url: mysqlURL(t, mysqlDB.DSN), args: []string{"migrate", "--tenants", "nobody_fleetdb_*"}, code: 1,
			want: "hoist: no tenant matches the pattern nobody_fleetdb_* (given by --tenants): nothing was migrated"},
		{name: "mysql_table", url: mysqlURL(t, mysqlDB.DSN), args: []string{"migrate", "--tenants", "t*", "--table", "other.hoist_migrations"}, code: 2,
			want: "hoist: a fleet of databases keeps each tenant's history in a table of the tenant's own; the history table other.hoist_migrations (--table) names another"},
		{name: "sqlite", url: "sqlite:app.db", args: []string{"migrate:status", "--tenants", "t*"}, code: 1,
			want: "hoist: no tenant matches the pattern t* (given by --tenants): nothing to show"},
		{name: "broken_file", url: pg.DSN, args: []string{"migrate", "--tenants", "t*"}, code: 1, broken: true,
			want: "hoist: migrate runs nothing while a migration file is broken: fix it, or move it out of migrations"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s := newSession(t, "DATABASE_URL="+tc.url)
			if err := os.MkdirAll(filepath.Join(s.dir, "migrations"), 0o755); err != nil {
				t.Fatal(err)
			}
			write(t, filepath.Join(s.dir, "migrations"), "0001_a.sql", "-- +hoist up\nCREATE TABLE a (id INT);\n")
			if tc.yaml != "" {
				write(t, s.dir, "hoist.yaml", tc.yaml)
			}
			if tc.broken {
				write(t, filepath.Join(s.dir, "migrations"), "0002_b.sql", "-- +hoist down\nDROP TABLE a;\n")
			}
			r := s.run(tc.args...)
			if r.code != tc.code || !strings.Contains(r.stderr, tc.want) {
				t.Errorf("want exit %d and %q\n%s", tc.code, tc.want, r)
			}
			if tc.name == "sqlite" {
				if _, err := os.Stat(filepath.Join(s.dir, "app.db")); err == nil {
					t.Errorf("the SQLite file was created")
				}
			}
		})
	}
	tableExists(t, pg, "public.hoist_migrations", false)
}
