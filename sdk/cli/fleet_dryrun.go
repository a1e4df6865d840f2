package cli

import (
	"fmt"
	"slices"
	"strings"

	"github.com/hoistdb/hoist/sdk"
)

// migrate --tenants --dry-run: what migrate --tenants would run on each
// tenant, read with [sdk.Fleet.Plan] (no lock taken, nothing executed);
// migrate:rollback --tenants --dry-run: what it would roll back, read
// with [sdk.Fleet.PlanRollback].

// dryRunFleet prints each tenant that migrate --tenants would migrate
// with its pending migrations and their SQL, and a summary; or the JSON
// document. The SQL of a migration is printed once, for the first
// tenant it would run on with that SQL; the next ones say so. The
// tenants that are up to date are counted in the summary. A tenant the
// run would fail on (missing, a failed migration in its history, ...)
// is listed with why, and makes the exit status 1, as the run would.
//
// With to (not 0) it is the dry run of migrate --tenants --to: what
// [sdk.Fleet.PlanTo] reads.
func (c *command) dryRunFleet(asJSON bool, to int64) error {
	return c.dryRunFleetOf(asJSON, opMigrate, func(f fleetRunner) ([]sdk.TargetPlan, error) {
		if to > 0 {
			return f.PlanTo(c.ctx, to)
		}
		return f.Plan(c.ctx)
	})
}

// dryRunFleetOf is the dry run of a fleet run of op: plan reads what
// the run would do on each tenant.
func (c *command) dryRunFleetOf(asJSON bool, op fleetOp, plan func(fleetRunner) ([]sdk.TargetPlan, error)) error {
	c.readOnly = true // broken migration files are listed, as by migrate --dry-run
	f, err := c.buildFleet(nil)
	if err != nil {
		return err
	}
	c.warnBroken()
	plans, err := plan(f)
	if err != nil {
		return err
	}
	create, err := c.missingTenants(f) // none but for migrate --create-database
	if err != nil {
		return err
	}
	// A tenant --create-database would create is not one the run would
	// fail on: it is listed as created.
	plans = slices.DeleteFunc(plans, func(p sdk.TargetPlan) bool { return slices.Contains(create, p.Target) })
	if len(plans) == 0 && len(create) == 0 {
		return c.noTenants("nothing would be " + op.past)
	}
	doc := fleetDryRunJSON(c.cfg.Tenants, c.serverNames(), plans, c.tenantError)
	if c.fleetCreate {
		doc.Create = append([]string{}, create...)
	}
	if c.fleetSeed {
		seeders := append([]string{}, fleetSeeders(f)...)
		doc.Seeders = &seeders
	}
	if asJSON {
		var out any = doc
		if op.rollback {
			out = rollbackDryRunJSON(doc)
		}
		if err := c.out.json(out); err != nil {
			return err
		}
	} else {
		for _, n := range create {
			c.out.printf("%s: would create the %s, then apply %s as batch 1\n", n, c.tenantNoun(), plural(c.fleetMigrationsTo(f), "migration"))
		}
		shown := map[int64]shownSQL{} // by version: the first tenant whose SQL was printed
		for _, p := range plans {
			c.printTenantPlan(p, shown)
		}
		c.out.println(c.fleetDryRunSummary(doc.Summary, op))
		switch {
		case doc.Seeders == nil:
		case len(*doc.Seeders) == 0:
			c.out.println("then no seeder would run: there are none")
		default:
			c.out.printf("then would run on each tenant the seeders: %s (a once seeder only where it has not run)\n", strings.Join(*doc.Seeders, ", "))
		}
	}
	if n := doc.Summary.Failed + doc.Summary.NoSchema; n > 0 {
		return silentError{fmt.Sprintf("%s --tenants would fail on %d of %s (listed above)", c.cobra.Name(), n, plural(len(plans), "tenant"))}
	}
	return nil
}

// fleetMigrationsTo counts the migrations a new tenant of f would get:
// all of them, or with migrate --to V those up to V.
func (c *command) fleetMigrationsTo(f fleetRunner) int {
	migs := f.Migrations()
	to, err := c.cobra.Flags().GetInt64("to")
	if err != nil || !c.cobra.Flags().Changed("to") {
		return len(migs)
	}
	n := 0
	for _, m := range migs {
		if m.Version <= to {
			n++
		}
	}
	return n
}

type shownSQL struct {
	tenant string
	sql    []string
}

// printTenantPlan prints what the run would do to one tenant, nothing
// for a tenant that is up to date.
func (c *command) printTenantPlan(p sdk.TargetPlan, shown map[int64]shownSQL) {
	name := tenantName(p.Server, p.Target)
	switch {
	case p.Err != nil:
		c.out.println(name + ": " + c.out.paint(red, "would fail") + ": " + c.tenantError(p.Target, p.Err))
		return
	case len(p.Result.Applied) == 0:
		return
	}
	line := fmt.Sprintf("%s: would apply %s as batch %d", name, plural(len(p.Result.Applied), "migration"), p.Result.Batch)
	if p.Result.Applied[0].Direction == sdk.Down {
		line = fmt.Sprintf("%s: would roll back %s", name, plural(len(p.Result.Applied), "migration"))
	}
	if p.Status.LockedBy != "" {
		line += c.out.paint(dim, " (locked now by "+p.Status.LockedBy+": the run would wait for it)")
	}
	c.out.println(line)
	for _, a := range p.Result.Applied {
		first, ok := shown[a.Version]
		if ok && len(a.SQL) > 0 && slices.Equal(first.sql, a.SQL) {
			c.out.printPlanned(a, first.tenant)
			continue
		}
		c.out.printPlanned(a, "")
		if !ok && len(a.SQL) > 0 {
			shown[a.Version] = shownSQL{tenant: name, sql: a.SQL}
		}
	}
}

// fleetDryRunSummary is the last line of migrate --tenants --dry-run:
// "3 tenants matching tenant_* (dry run: nothing was executed): 5
// pending migrations on 2 tenants, 1 up to date"; of a rollback's: "...:
// 5 migrations to roll back on 2 tenants, 1 with nothing to roll back".
func (c *command) fleetDryRunSummary(s jsonFleetDryRunSummary, op fleetOp) string {
	head := fmt.Sprintf("%s matching %s", plural(s.Tenants, "tenant"), c.cfg.Tenants)
	if n := len(c.serverNames()); n > 1 {
		head += fmt.Sprintf(" on %d servers", n)
	}
	sgr := green
	if s.Failed+s.NoSchema > 0 {
		sgr = red
	}
	parts := []string{fmt.Sprintf("%s on %s", plural(s.Migrations, "pending migration"), plural(s.Pending, "tenant")),
		fmt.Sprintf("%d up to date", s.UpToDate)}
	if op.rollback {
		parts = []string{fmt.Sprintf("%s to roll back on %s", plural(s.Migrations, "migration"), plural(s.Pending, "tenant")),
			fmt.Sprintf("%d %s", s.UpToDate, op.unchanged)}
	}
	if s.Failed > 0 {
		parts = append(parts, fmt.Sprintf("%d would fail", s.Failed))
	}
	if s.NoSchema > 0 {
		parts = append(parts, fmt.Sprintf("%d missing", s.NoSchema))
	}
	return fmt.Sprintf("%s (dry run: nothing was executed): %s", c.out.paint(sgr, head), strings.Join(parts, ", "))
}

// The JSON document of migrate --tenants --dry-run (docs/command.md),
// in the shape of migrate --tenants's: the same pattern, servers and
// tenants, each tenant's migrations as in migrate --dry-run's.

type jsonFleetDryRun struct {
	Pattern string   `json:"pattern"`
	Servers []string `json:"servers,omitempty"`
	DryRun  bool     `json:"dry_run"`
	// Create lists the tenants --create-database would create (present
	// only with it), Seeders the seeders --seed would run on each tenant
	// (only with it); a once seeder runs only where it has not.
	Create  []string               `json:"create,omitempty"`
	Seeders *[]string              `json:"seeders,omitempty"`
	Tenants []jsonTenantDryRun     `json:"tenants"`
	Summary jsonFleetDryRunSummary `json:"summary"`
}

type jsonTenantDryRun struct {
	Server string `json:"server,omitempty"`
	Tenant string `json:"tenant"`
	// State is pending (migrations would run), up_to_date, failed (the
	// run would fail on it: error says why), or no_schema, no_database,
	// no_file for a tenant that does not exist.
	State string `json:"state"`
	// Batch is the batch the migrations would be recorded in, 0 when
	// none would run.
	Batch      int              `json:"batch"`
	Migrations []jsonApply      `json:"migrations"`
	LockedBy   string           `json:"locked_by"`
	Error      *jsonTenantError `json:"error"`
}

type jsonFleetDryRunSummary struct {
	Tenants int `json:"tenants"`
	// Pending counts the tenants with migrations to run, Migrations
	// those migrations over all of them.
	Pending    int `json:"pending"`
	Migrations int `json:"migrations"`
	UpToDate   int `json:"up_to_date"`
	Failed     int `json:"failed"`
	NoSchema   int `json:"no_schema"`
}

func fleetDryRunJSON(pattern string, servers []string, plans []sdk.TargetPlan, message func(target string, err error) string) jsonFleetDryRun {
	out := jsonFleetDryRun{Pattern: pattern, Servers: servers, DryRun: true, Tenants: []jsonTenantDryRun{}}
	for _, p := range plans {
		run := runJSON(p.Result)
		j := jsonTenantDryRun{Server: p.Server, Tenant: p.Target, Batch: run.Batch, Migrations: run.Migrations, LockedBy: p.Status.LockedBy}
		if j.Error = tenantErrorJSON(p.Err); j.Error != nil {
			j.Error.Message = message(p.Target, p.Err)
		}
		out.Summary.Tenants++
		switch {
		case p.Status.NoSchema:
			j.State = tenantState(p.Status)
			out.Summary.NoSchema++
		case p.Err != nil:
			j.State = "failed"
			out.Summary.Failed++
		case len(run.Migrations) > 0:
			j.State = "pending"
			out.Summary.Pending++
			out.Summary.Migrations += len(run.Migrations)
		default:
			j.State = "up_to_date"
			out.Summary.UpToDate++
		}
		out.Tenants = append(out.Tenants, j)
	}
	return out
}

// The JSON document of migrate:rollback --tenants --dry-run: that of
// migrate --tenants --dry-run, with the states and counts of a
// rollback. A tenant's state is to_roll_back, nothing_to_roll_back,
// failed, or no_schema, no_database, no_file; its migrations are those
// that would be rolled back (direction down), newest first, and its
// batch the newest batch they were applied in.

type jsonFleetRollbackDryRun struct {
	Pattern string                         `json:"pattern"`
	Servers []string                       `json:"servers,omitempty"`
	DryRun  bool                           `json:"dry_run"`
	Tenants []jsonTenantDryRun             `json:"tenants"`
	Summary jsonFleetRollbackDryRunSummary `json:"summary"`
}

type jsonFleetRollbackDryRunSummary struct {
	Tenants int `json:"tenants"`
	// ToRollBack counts the tenants with migrations to roll back,
	// Migrations those migrations over all of them.
	ToRollBack        int `json:"to_roll_back"`
	Migrations        int `json:"migrations"`
	NothingToRollBack int `json:"nothing_to_roll_back"`
	Failed            int `json:"failed"`
	NoSchema          int `json:"no_schema"`
}

// rollbackDryRunJSON words doc, the dry run document of a rollback, as a
// rollback's.
func rollbackDryRunJSON(doc jsonFleetDryRun) jsonFleetRollbackDryRun {
	out := jsonFleetRollbackDryRun{Pattern: doc.Pattern, Servers: doc.Servers, DryRun: true, Tenants: doc.Tenants,
		Summary: jsonFleetRollbackDryRunSummary{Tenants: doc.Summary.Tenants, ToRollBack: doc.Summary.Pending, Migrations: doc.Summary.Migrations,
			NothingToRollBack: doc.Summary.UpToDate, Failed: doc.Summary.Failed, NoSchema: doc.Summary.NoSchema}}
	for i := range out.Tenants {
		switch out.Tenants[i].State {
		case "pending":
			out.Tenants[i].State = "to_roll_back"
		case "up_to_date":
			out.Tenants[i].State = "nothing_to_roll_back"
		}
	}
	return out
}
