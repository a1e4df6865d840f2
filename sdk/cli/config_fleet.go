package cli

import (
	"fmt"
	"path"
	"slices"
	"strconv"
	"strings"

	"github.com/hoistdb/hoist/sdk"
)

// The fleet settings of migrate and migrate:status: the section
//
//	fleet:
//	  tenants: "tenant_*"
//	  concurrency: 8
//	  on_failure: continue
//	  kind: databases
//	  servers:
//	    - postgres://app@db1:5432/app
//	    - postgres://app@db2:5432/app
//
// of hoist.yaml, the flags --tenants, --concurrency, --on-failure,
// --tenant-kind and --server (repeated), and the variables
// HOIST_FLEET_TENANTS, HOIST_FLEET_CONCURRENCY, HOIST_FLEET_ON_FAILURE,
// HOIST_FLEET_KIND and HOIST_FLEET_SERVERS (URLs separated by spaces).
// The flags exist only in a tree that can build a fleet ([WithFleet]).
var (
	tenantsSetting = setting{key: "fleet.tenants", flag: "tenants", env: []string{"HOIST_FLEET_TENANTS"},
		set: func(c *Config, v string) error {
			for _, p := range strings.Split(v, ",") {
				if _, err := path.Match(p, ""); err != nil {
					return fmt.Errorf("%q is not a pattern such as tenant_* (%v)", v, err)
				}
				if p == "" && v != "" {
					return fmt.Errorf("%q has an empty pattern between commas: give patterns or names such as tenant_a,tenant_b", v)
				}
			}
			c.Tenants = v
			return nil
		}}
	fleetConcurrencySetting = setting{key: "fleet.concurrency", flag: "concurrency", env: []string{"HOIST_FLEET_CONCURRENCY"},
		def: strconv.Itoa(sdk.DefaultFleetConcurrency),
		set: func(c *Config, v string) error {
			n, err := strconv.Atoi(v)
			if err != nil || n < 1 {
				return fmt.Errorf("%q is not a whole number of at least 1", v)
			}
			c.FleetConcurrency = n
			return nil
		}}
	failurePolicySetting = setting{key: "fleet.on_failure", flag: "on-failure", env: []string{"HOIST_FLEET_ON_FAILURE"},
		def: "stop",
		set: func(c *Config, v string) error {
			p, ok := failurePolicies[strings.ToLower(v)]
			if !ok {
				return fmt.Errorf("%q is not stop or continue", v)
			}
			c.FailurePolicy = p
			return nil
		}}
)

// serversSetting lists the servers of a fleet over several servers, one
// URL each; a fleet of one server is that of the database URL. The same
// URL twice is refused: its tenants would be migrated as two servers'.
var serversSetting = setting{key: "fleet.servers", flag: "server", env: []string{"HOIST_FLEET_SERVERS"}, list: true,
	set: func(c *Config, v string) error {
		c.Servers = nil
		for _, u := range strings.Fields(v) {
			if slices.Contains(c.Servers, u) {
				shown, _ := redactURL(u)
				return fmt.Errorf("the server %s is given twice; give each server once", shown)
			}
			c.Servers = append(c.Servers, u)
		}
		return nil
	}}

// tenantKindSetting says what the tenants of a PostgreSQL fleet are:
// schemas of the URL's database (the default) or databases of its
// server.
var tenantKindSetting = setting{key: "fleet.kind", flag: "tenant-kind", env: []string{"HOIST_FLEET_KIND"},
	set: func(c *Config, v string) error {
		switch v = strings.ToLower(v); v {
		case "", "schemas", "databases":
			c.TenantKind = v
			return nil
		}
		return fmt.Errorf("%q is not schemas or databases", v)
	}}

// failurePolicies are the values of --on-failure.
var failurePolicies = map[string]sdk.FailurePolicy{"stop": sdk.FleetStopAtFirst, "continue": sdk.FleetContinue}

// policyName is the --on-failure value of p.
func policyName(p sdk.FailurePolicy) string {
	if p == sdk.FleetContinue {
		return "continue"
	}
	return "stop"
}

// tenantsSource says where the fleet's pattern came from: "--tenants",
// "HOIST_FLEET_TENANTS" or "fleet.tenants in <file>".
func (c *Config) tenantsSource() string {
	w := c.source(tenantsSetting.key)
	if file, _, ok := strings.Cut(w, ": "+tenantsSetting.key); ok && c.cmd != nil {
		return tenantsSetting.key + " in " + c.cmd.display(file)
	}
	return w
}

// source says where the value of the setting key came from: its flag
// (--tenants), its variable, "<file>: <key>", or "default".
func (c *Config) source(key string) string {
	if w, ok := c.from[key]; ok {
		return w
	}
	return "default"
}
