package cli_test

import (
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/hoistdb/hoist/internal/pgserver"
	"github.com/hoistdb/hoist/testkit"
)

// twoServerFleet makes the schemas srv_0 ... srv_2 on two PostgreSQL
// servers, testkit's and one of the test's own; srv_1 of the second
// has a table b already, which fails its migration 0002. It returns a
// session without a database URL, the two URLs, the names the command
// gives the servers, and a pool on each.
func twoServerFleet(t *testing.T) (s *session, urls, names []string, dbs []*sql.DB) {
	t.Helper()
	first := testkit.Postgres(t)
	second := pgserver.Start(t)
	db2, err := sql.Open("pgx", second)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db2.Close() })
	dbs = []*sql.DB{first.DB, db2}
	urls = []string{first.DSN, second}
	for i, u := range urls {
		p, err := url.Parse(u)
		if err != nil {
			t.Fatal(err)
		}
		names = append(names, p.Host+p.Path)
		for j := range 3 {
			if _, err := dbs[i].Exec(fmt.Sprintf("CREATE SCHEMA srv_%d", j)); err != nil {
				t.Fatal(err)
			}
		}
	}
	if _, err := db2.Exec("CREATE TABLE srv_1.b (id INT)"); err != nil {
		t.Fatal(err)
	}
	s = newSession(t)
	fleetMigrations(t, s)
	return s, urls, names, dbs
}

// serverRun is the document of migrate --tenants --json on several
// servers.
type serverRun struct {
	Pattern    string   `json:"pattern"`
	Servers    []string `json:"servers"`
	DurationMS float64  `json:"duration_ms"`
	Tenants    []struct {
		Server     string            `json:"server"`
		Tenant     string            `json:"tenant"`
		State      string            `json:"state"`
		Batch      int               `json:"batch"`
		DurationMS float64           `json:"duration_ms"`
		Migrations []json.RawMessage `json:"migrations"`
		Created    bool              `json:"created"`
		Seed       *seedDoc          `json:"seed"`
		Error      *failureDoc       `json:"error"`
	} `json:"tenants"`
	Summary map[string]int `json:"summary"`
}

// serverStatus is the document of migrate:status --tenants --json on
// several servers.
type serverStatus struct {
	Pattern string   `json:"pattern"`
	Servers []string `json:"servers"`
	Tenants []struct {
		Server   string          `json:"server"`
		Tenant   string          `json:"tenant"`
		State    string          `json:"state"`
		Pending  int             `json:"pending"`
		FailedAt int64           `json:"failed_at"`
		Changed  bool            `json:"changed"`
		LockedBy string          `json:"locked_by"`
		NoSchema bool            `json:"no_schema"`
		Error    json.RawMessage `json:"error"`
	} `json:"tenants"`
	Broken  []json.RawMessage `json:"broken"`
	Summary map[string]int    `json:"summary"`
}

// TestFleetServers: --server twice makes one fleet of the tenants of
// two servers. The same names on both are distinct tenants; the JSON
// documents name the servers and each tenant's; the failed tenant is
// listed with its server; the text output has a SERVER column, and
// progress lines name the server. HOIST_FLEET_SERVERS and a
// fleet.servers list in hoist.yaml say the same.
func TestFleetServers(t *testing.T) {
	t.Parallel()
	s, urls, names, dbs := twoServerFleet(t)
	args := []string{"--tenants", "srv_*", "--server", urls[0], "--server", urls[1]}

	r := s.run(append([]string{"migrate", "--on-failure", "continue", "--json"}, args...)...)
	if r.code != 1 || !strings.Contains(r.stderr, "1 of 6 tenants failed:\n  "+names[1]+" srv_1: migration 2 b up failed at 0002_b.sql:3") {
		t.Fatalf("migrate: want exit 1 and %s srv_1 listed\n%s", names[1], r)
	}
	var run serverRun
	decode(t, r, &run)
	if len(run.Servers) != 2 || run.Servers[0] != names[0] || run.Servers[1] != names[1] || len(run.Tenants) != 6 ||
		run.Summary["applied"] != 5 || run.Summary["failed"] != 1 {
		t.Fatalf("document: %+v", run)
	}
	for i, tn := range run.Tenants {
		server, failed := names[i/3], i == 4
		if tn.Server != server || tn.Tenant != fmt.Sprintf("srv_%d", i%3) || (tn.State == "failed") != failed ||
			(failed && (tn.Error == nil || tn.Error.File != "0002_b.sql" || tn.Error.Line != 3)) {
			t.Errorf("tenant %d: %+v; want srv_%d on %s, failed %v", i, tn, i%3, server, failed)
		}
	}
	for i, db := range dbs {
		for j := range 3 {
			want := 3
			if i == 1 && j == 1 {
				want = 1
			}
			var n int
			if err := db.QueryRow(fmt.Sprintf("SELECT count(*) FROM srv_%d.hoist_migrations", j)).Scan(&n); err != nil || n != want {
				t.Errorf("%s srv_%d: %d history rows (%v); want %d", names[i], j, n, err, want)
			}
		}
	}

	r = s.run(append([]string{"migrate:status"}, args...)...)
	// Another process: the rolled-back migration is pending there.
	if r.code != 0 || !strings.HasPrefix(r.stdout, "SERVER ") || !regexp.MustCompile(`\n`+regexp.QuoteMeta(names[1])+` +srv_1 +pending 2\n`).MatchString(r.stdout) {
		t.Errorf("status table: want a SERVER column and srv_1 of %s pending\n%s", names[1], r)
	}
	if !strings.HasSuffix(r.stdout, "6 tenants: 5 up to date, 1 pending\n") {
		t.Errorf("status summary\n%s", r)
	}

	if _, err := dbs[1].Exec("DROP TABLE srv_1.b"); err != nil {
		t.Fatal(err)
	}
	// The servers from the environment, words of HOIST_FLEET_SERVERS.
	s.env = append(s.env, "HOIST_FLEET_SERVERS="+urls[0]+" "+urls[1])
	r = s.ok("migrate", "--tenants", "srv_*")
	if !strings.Contains(r.stdout, "] "+names[1]+" srv_1 applied 2 migrations (") ||
		!strings.Contains(r.stdout, "6 tenants matching srv_* on 2 servers in ") || !strings.HasSuffix(r.stdout, ": 1 applied, 5 up to date\n") {
		t.Errorf("migrate after the fix\n%s", r)
	}
	s.env = s.env[:len(s.env)-1]

	// The servers from hoist.yaml, a list.
	write(t, s.dir, "hoist.yaml", fmt.Sprintf("fleet:\n  tenants: srv_*\n  servers:\n    - %s\n    - %s\n", urls[0], urls[1]))
	r = s.ok("migrate:status", "--json")
	var st serverStatus
	decode(t, r, &st)
	if len(st.Servers) != 2 || len(st.Tenants) != 6 || st.Summary["up_to_date"] != 6 || st.Tenants[5].Server != names[1] {
		t.Errorf("status from hoist.yaml: %+v", st)
	}
}

// TestFleetServersOneIsAsBefore: one --server is the database URL of a
// fleet of one server, with the output of one: no SERVER column, no
// server fields in the documents.
func TestFleetServersOneIsAsBefore(t *testing.T) {
	t.Parallel()
	s, db := fleetSession(t)
	if _, err := db.DB.Exec("DROP TABLE fleetcmd_07.b"); err != nil {
		t.Fatal(err)
	}
	s.ok("migrate", "--tenants", "fleetcmd_0*")
	before := []result{s.ok("migrate:status", "--tenants", "fleetcmd_*"), s.ok("migrate:status", "--tenants", "fleetcmd_*", "--json")}
	// The database URL is replaced by the server's: a bad one is not used.
	one := newSession(t, "DATABASE_URL=postgres://nobody@127.0.0.1:1/nothing")
	one.dir = s.dir
	after := []result{one.ok("migrate:status", "--tenants", "fleetcmd_*", "--server", db.DSN),
		one.ok("migrate:status", "--tenants", "fleetcmd_*", "--server", db.DSN, "--json")}
	for i := range before {
		if before[i].stdout != after[i].stdout {
			t.Errorf("with --server:\n%s\nwith DATABASE_URL:\n%s", after[i], before[i])
		}
	}
	if strings.Contains(after[0].stdout, "SERVER") || strings.Contains(after[1].stdout, `"server`) {
		t.Errorf("one server is named\n%s", after)
	}
	var st fleetStatus
	decode(t, after[1], &st) // no field it does not know
	r := one.ok("migrate", "--tenants", "fleetcmd_*", "--server", db.DSN, "--json")
	var run fleetRun
	decode(t, r, &run)
	if run.Summary["applied"] != 5 || run.Summary["up_to_date"] != 10 {
		t.Errorf("migrate with one --server: %+v", run.Summary)
	}
}

// TestFleetServersRefused: servers the command cannot make one fleet
// of are refused, naming the server or the setting, before anything is
// migrated.
func TestFleetServersRefused(t *testing.T) {
	t.Parallel()
	pg := testkit.Postgres(t)
	my := mysqlURL(t, testkit.MySQL(t).DSN)
	for _, tc := range []struct {
		name string
		args []string
		yaml string
		code int
		want string
	}{
		{name: "without_tenants", args: []string{"migrate", "--server", pg.DSN}, code: 2,
			want: "hoist: --server works on a fleet: give --tenants PATTERN too"},
		{name: "twice", args: []string{"migrate:status", "--tenants", "t*", "--server", pg.DSN, "--server", pg.DSN}, code: 2,
			want: "hoist: --server: the server " + pg.DSN + " is given twice"},
		{name: "bad_url", args: []string{"migrate", "--tenants", "t*", "--server", pg.DSN, "--server", "oracle://db/x"}, code: 2,
			want: "server oracle://db/x: "},
		{name: "schemas_on_mysql", args: []string{"migrate", "--tenants", "t*", "--tenant-kind", "schemas", "--server", pg.DSN, "--server", my}, code: 2,
			want: "a fleet of schemas (fleet.kind schemas, given by --tenant-kind) is PostgreSQL's: on mysql"},
		{name: "unreachable", args: []string{"migrate:status", "--tenants", "t*", "--server", pg.DSN, "--server", "postgres://nobody@127.0.0.1:1/none"}, code: 1,
			want: "hoist: server 127.0.0.1:1/none: cannot connect to postgres://nobody@127.0.0.1:1/none"},
		{name: "yaml_mapping_in_list", args: []string{"migrate", "--tenants", "t*"}, yaml: "fleet:\n  servers:\n    - {url: x}\n", code: 2,
			want: "hoist.yaml:3: fleet.servers takes a list of single values"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s := newSession(t)
			fleetMigrations(t, s)
			if tc.yaml != "" {
				write(t, s.dir, "hoist.yaml", tc.yaml)
			}
			r := s.run(tc.args...)
			if r.code != tc.code || !strings.Contains(r.stderr, tc.want) {
				t.Errorf("want exit %d and %q\n%s", tc.code, tc.want, r)
			}
		})
	}
	tableExists(t, pg, "public.hoist_migrations", false)
}

// TestFleetServersMixedEngines: the tenant schemas of a PostgreSQL
// database and the tenant databases of a MariaDB server matching one
// pattern are one fleet, migrated and listed together.
func TestFleetServersMixedEngines(t *testing.T) {
	t.Parallel()
	pg := testkit.Postgres(t)
	my := testkit.MySQL(t)
	b := make([]byte, 4)
	rand.Read(b)
	prefix := "fleetmix_" + hex.EncodeToString(b) + "_"
	for i := range 2 {
		name := fmt.Sprintf("%s%d", prefix, i)
		if _, err := pg.DB.Exec("CREATE SCHEMA " + name); err != nil {
			t.Fatal(err)
		}
		if _, err := my.DB.Exec("CREATE DATABASE " + name); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() {
			if _, err := my.DB.Exec("DROP DATABASE IF EXISTS " + name); err != nil {
				t.Errorf("dropping %s: %v", name, err)
			}
		})
	}
	s := newSession(t)
	fleetMigrations(t, s)
	args := []string{"--tenants", prefix + "*", "--server", pg.DSN, "--server", mysqlURL(t, my.DSN)}
	r := s.ok(append([]string{"migrate", "--json"}, args...)...)
	var run serverRun
	decode(t, r, &run)
	if len(run.Tenants) != 4 || run.Summary["applied"] != 4 || run.Tenants[0].Server == run.Tenants[3].Server {
		t.Fatalf("document: %+v", run)
	}
	for i := range 2 {
		name := fmt.Sprintf("%s%d", prefix, i)
		for _, q := range []struct {
			db    *sql.DB
			table string
		}{{pg.DB, name + ".hoist_migrations"}, {my.DB, name + ".hoist_migrations"}} {
			var n int
			if err := q.db.QueryRow("SELECT count(*) FROM " + q.table).Scan(&n); err != nil || n != 3 {
				t.Errorf("%s: %d rows (%v); want 3", q.table, n, err)
			}
		}
	}
	r = s.ok(append([]string{"migrate:status", "--json"}, args...)...)
	var st serverStatus
	decode(t, r, &st)
	if len(st.Servers) != 2 || st.Summary["up_to_date"] != 4 {
		t.Errorf("status: %+v", st)
	}
}
