package cli

import (
	"fmt"
	"path/filepath"
	"slices"
	"strings"

	"github.com/hoistdb/hoist/sdk"
)

// migrate --tenants --seed and --create-database (docs/decisions.md,
// "Fleet seeding and tenant creation"): the seeders run on each tenant
// right after its migration, in the same run (sdk.WithFleetSeeding); the
// tenants named in --tenants are created first (sdk.Fleet.Create).

// fleetNewFlags takes --seed and --create-database of migrate --tenants.
// --create-database needs names: a pattern with a wildcard names no
// tenant to create; and one server, as a tenant lives on one.
func (c *command) fleetNewFlags(seed, create bool) error {
	c.fleetSeed = seed
	if !create {
		return nil
	}
	for _, p := range strings.Split(c.cfg.Tenants, ",") {
		if strings.ContainsAny(p, `*?[\`) {
			return usagef("--create-database creates the tenants named by --tenants, but %s (given by %s) is a pattern, which names no tenant to create: "+
				"name each tenant, separated by commas (--tenants tenant_a,tenant_b)", c.cfg.Tenants, c.cfg.tenantsSource())
		}
	}
	if len(c.cfg.Servers) > 1 {
		return usagef("--create-database creates each tenant on one server, and %s gives %d (%s): give the tenants' server alone with --server URL",
			c.cfg.source(serversSetting.key), len(c.cfg.Servers), strings.Join(c.serverNames(), ", "))
	}
	c.fleetCreate = true
	return nil
}

// tenantNoun is what a tenant of the command's fleet is: schema,
// database or file.
func (c *command) tenantNoun() string {
	d, err := c.serverConfig().dataSource()
	switch {
	case err != nil:
		return "tenant"
	case d.Engine == "sqlite":
		return "file"
	case d.Engine == "postgres" && c.cfg.TenantKind != "databases":
		return "schema"
	}
	return "database"
}

// newTenants are the tenants that --tenants names, as the fleet names
// them: on SQLite relative to the directory of the URL's file.
func (c *command) newTenants() []string {
	names := strings.Split(c.cfg.Tenants, ",")
	if d, err := c.serverConfig().dataSource(); err == nil && d.Engine == "sqlite" {
		for i, n := range names {
			names[i] = sqliteFleetPattern(d, n)
		}
	}
	return names
}

// createTenants creates each tenant that --tenants names and that does
// not exist, saying so, and returns those it created; nothing without
// --create-database.
func (c *command) createTenants(f fleetRunner) (map[string]bool, error) {
	created := map[string]bool{}
	if !c.fleetCreate {
		return created, nil
	}
	fl, ok := f.(*sdk.Fleet)
	if !ok { // fleetNewFlags refuses several servers
		return nil, fmt.Errorf("--create-database works on the fleet of one server")
	}
	for _, n := range c.newTenants() {
		done, err := fl.Create(c.ctx, n)
		if err != nil {
			return created, err
		}
		if done {
			created[n] = true
			if !c.progress.quiet {
				c.out.printf("created %s %s\n", c.tenantNoun(), n)
			}
		}
	}
	return created, nil
}

// missingTenants are the tenants that --tenants names and that do not
// exist: those migrate --tenants --create-database --dry-run would
// create.
func (c *command) missingTenants(f fleetRunner) ([]string, error) {
	fl, ok := f.(*sdk.Fleet)
	if !c.fleetCreate || !ok {
		return nil, nil
	}
	// Status has a row for every name of a list of several, NoSchema
	// when it is missing; a name alone has none when it is missing.
	rows, err := fl.Status(c.ctx)
	if err != nil {
		return nil, err
	}
	var missing []string
	for _, n := range c.newTenants() {
		i := slices.IndexFunc(rows, func(r sdk.TargetStatus) bool { return r.Target == n })
		if i < 0 || rows[i].NoSchema {
			missing = append(missing, n)
		}
	}
	return missing, nil
}

// fleetSeeders are the seeders every tenant of f has.
func fleetSeeders(f fleetRunner) []string {
	switch f := f.(type) {
	case *sdk.Fleet:
		return f.Seeders()
	case *sdk.Fleets:
		return f.Servers()[0].Fleet.Seeders()
	}
	return nil
}

// seedWords is what the seeders did on a tenant, for its progress line:
// "ran 1 seeder, skipped 2".
func seedWords(s *sdk.SeedResult) string {
	return fmt.Sprintf("ran %s, skipped %d", plural(len(s.Ran), "seeder"), len(s.Skipped))
}

// seedJSON is what the seeders did on a tenant in the run document, nil
// when it was not seeded.
func seedJSON(s *sdk.SeedResult) *seedReport {
	if s == nil {
		return nil
	}
	r := seedReport{Ran: []seedRun{}, Skipped: append([]string{}, s.Skipped...)}
	for _, run := range s.Ran {
		r.Ran = append(r.Ran, seedRun{Name: run.Name, File: run.File, DurationMS: ms(run.Duration)})
	}
	return &r
}

// sqliteFleetPattern is a SQLite fleet's pattern as FleetFromFiles
// globs it: each of its comma-separated patterns relative to the
// directory of the URL's file, unless absolute.
func sqliteFleetPattern(d *DataSource, pattern string) string {
	parts := strings.Split(pattern, ",")
	for i, p := range parts {
		if !filepath.IsAbs(p) {
			parts[i] = filepath.Join(sqliteFleetDir(d.Database), p)
		}
	}
	return strings.Join(parts, ",")
}
