package cli

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/spf13/pflag"

	"github.com/hoistdb/hoist/sdk"
)

// fleetTestFlags are the global flags and migrate's fleet flags, parsed
// from args.
func fleetTestFlags(t *testing.T, args ...string) *pflag.FlagSet {
	t.Helper()
	fs := testFlags(t)
	fs.String("tenants", "", "")
	fs.Int("concurrency", sdk.DefaultFleetConcurrency, "")
	fs.String("on-failure", "stop", "")
	fs.String("tenant-kind", "", "")
	if err := fs.Parse(args); err != nil {
		t.Fatal(err)
	}
	return fs
}

// TestConfigFleetSection: the fleet section of hoist.yaml, under the
// variables and the flags, and its mistakes named by file, line and key.
func TestConfigFleetSection(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	file := filepath.Join(dir, ConfigFile)
	writeFile(t, file, "fleet:\n  tenants: \"tenant_*\"\n  concurrency: 8\n  on_failure: Continue\n  kind: Databases\n")

	c, err := loadConfig(fleetTestFlags(t), mapEnv(), dir)
	if err != nil {
		t.Fatal(err)
	}
	if c.Tenants != "tenant_*" || c.FleetConcurrency != 8 || c.FailurePolicy != sdk.FleetContinue || c.TenantKind != "databases" ||
		c.tenantsSource() != file+": fleet.tenants" {
		t.Errorf("from the file: %+v (%s)", c, c.tenantsSource())
	}
	c, err = loadConfig(fleetTestFlags(t, "--concurrency", "2", "--tenant-kind", "schemas"), mapEnv("HOIST_FLEET_TENANTS", "shop_*", "HOIST_FLEET_ON_FAILURE", "stop"), dir)
	if err != nil {
		t.Fatal(err)
	}
	if c.Tenants != "shop_*" || c.TenantKind != "schemas" || c.FleetConcurrency != 2 || c.FailurePolicy != sdk.FleetStopAtFirst || c.tenantsSource() != "HOIST_FLEET_TENANTS" {
		t.Errorf("over the file: %+v", c)
	}
	c, err = loadConfig(fleetTestFlags(t, "--tenants", ""), mapEnv(), dir)
	if err != nil || c.Tenants != "" {
		t.Errorf("--tenants '' turns the fleet off: %+v %v", c, err)
	}
	c, err = loadConfig(fleetTestFlags(t), mapEnv(), t.TempDir())
	if err != nil || c.Tenants != "" || c.FleetConcurrency != sdk.DefaultFleetConcurrency || c.FailurePolicy != sdk.FleetStopAtFirst || c.TenantKind != "" {
		t.Errorf("defaults: %+v %v", c, err)
	}

	for _, tc := range []struct{ name, yaml, want string }{
		{"empty_section", "fleet:\n", ""},
		{"section_twice", "fleet:\n  tenants: a*\nfleet:\n  concurrency: 2\n", ":3: fleet is given twice"},
		{"key_twice", "fleet:\n  tenants: a*\n  tenants: b*\n", ":3: fleet.tenants is given twice"},
		{"list", "fleet:\n  tenants: [a, b]\n", ":2: fleet.tenants takes a single value, not a list or a mapping"},
		{"top_level_dotted", "fleet.tenants: a*\n", `:1: unknown key "fleet.tenants"`},
		{"not_a_mapping", "fleet: [a]\n", ":1: fleet takes a mapping of tenants, concurrency, on_failure, kind"},
		{"bad_kind", "fleet:\n  kind: tables\n", `: fleet.kind: "tables" is not schemas or databases`},
		{"negative", "fleet:\n  concurrency: -1\n", `: fleet.concurrency: "-1" is not a whole number of at least 1`},
		{"expansion", "fleet:\n  tenants: ${TENANTS:-t_*}\n", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			writeFile(t, filepath.Join(dir, ConfigFile), tc.yaml)
			c, err := loadConfig(fleetTestFlags(t), mapEnv(), dir)
			switch {
			case tc.want == "" && err != nil:
				t.Errorf("%v", err)
			case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
				t.Errorf("got %v, want %q", err, tc.want)
			case tc.name == "expansion" && c.Tenants != "t_*":
				t.Errorf("tenants %q, want t_*", c.Tenants)
			}
		})
	}
}

// TestFleetTenantDSN: a tenant of a fleet of databases is opened with
// the URL's user, password, host and parameters and its own name in
// place of the URL's database; a SQLite tenant with the URL's
// parameters.
func TestFleetTenantDSN(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ url, tenant, want string }{
		{"mysql://app:p%40ss@db:3307/mysql?tls=true", "tenant_1", "app:p@ss@tcp(db:3307)/tenant_1?tls=true&timeout=10s&connectionAttributes=program_name:hoist"},
		{"postgres://app:pw@db:5432/postgres?sslmode=disable", "tenant_1", "postgres://app:pw@db:5432/tenant_1?application_name=hoist&connect_timeout=10&sslmode=disable"},
		{"sqlite:data/?_pragma=foreign_keys(1)", "data/t_1.db", "file:data/t_1.db?_pragma=foreign_keys(1)&_pragma=busy_timeout(10000)"},
	} {
		d, err := ParseURL(tc.url)
		if err != nil {
			t.Fatal(err)
		}
		if got := d.dsnFor(tc.tenant); got != tc.want {
			t.Errorf("%s: %s is %q, want %q", tc.url, tc.tenant, got, tc.want)
		}
	}
	for file, dir := range map[string]string{"data/app.db": "data", "data/": "data", "app.db": ".", "/srv/t/": "/srv/t"} {
		if got := sqliteFleetDir(file); got != dir {
			t.Errorf("the fleet directory of sqlite:%s is %q, want %q", file, got, dir)
		}
	}
}
