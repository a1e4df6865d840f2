package cli

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/spf13/cobra"

	"github.com/hoistdb/hoist/sdk"
)

// migrate:repair --tenants: the repair of every tenant of a fleet
// (sdk.Fleet.Repair), run as migrate --tenants runs (cmd_fleet.go), and
// the advice of a dirty tenant's error rewritten to name it
// (docs/decisions.md, "Fleet repair").

// opRepair is the words of migrate:repair --tenants. A tenant whose
// failed or running rows were forgotten is repaired (sdk.TargetRepaired);
// one with none has nothing to repair (sdk.TargetUpToDate).
var opRepair = fleetOp{repair: true, changed: sdk.TargetRepaired, done: "repaired", unchanged: "with nothing to repair",
	each: "nothing to repair", doing: "repairing", does: "repairs", past: "repaired"}

// repairFleetFlags adds the fleet flags, --force and help to
// migrate:repair.
func (t *tree) repairFleetFlags(cmd *cobra.Command) *bool {
	if t.fleet == nil {
		return new(bool)
	}
	addFleetFlags(cmd, true, "repair", `

With --tenants NAMES (or fleet.tenants in `+ConfigFile+`), repair every tenant
that --tenants matches, each under its own lock, --concurrency at once, a
line per tenant as it ends (forgot 2 b, or nothing to repair), a summary,
the failed tenants listed and exit status 1; --on-failure, --server and
--tenant-kind work as for migrate. Repair says that you put each tenant's
schema right by hand: name the tenants you put right (--tenants
tenant_a,tenant_b). A pattern with a wildcard repairs every dirty tenant it
matches, which is what you want once you put them all right; where the
tenants look like production (HOIST_ENV, APP_ENV, or any server on another
machine) it first lists the dirty tenants and asks for yes on a terminal,
or wants --force. --checksums works on one database only.`,
		"\n  "+t.name+" migrate:repair --tenants tenant_a,tenant_b"+
			"\n  "+t.name+" migrate:repair --tenants 'tenant_*' --force")
	return cmd.Flags().Bool("force", false, "with --tenants and a pattern: do not ask for confirmation when the tenants look like production")
}

// repairFleet repairs every tenant of the fleet; a pattern with a
// wildcard asks first where the tenants look like production.
func (c *command) repairFleet(asJSON, force bool) error {
	guard := func(f fleetRunner) error { return c.guardRepair(f, force) }
	return c.runFleet(asJSON, opRepair, guard, func(f fleetRunner) (*sdk.FleetResult, error) {
		return f.Repair(c.ctx)
	})
}

// guardRepair is guardFleet for a repair: where the tenants look like
// production, --tenants is a pattern with a wildcard, and --force is not
// given, it lists the dirty tenants (those the repair would change) and
// asks on a terminal, or refuses without one. Tenants named one by one
// are repaired without a question, as migrate:repair repairs one
// database: naming them says that they were put right.
func (c *command) guardRepair(f fleetRunner, force bool) error {
	prod, why := c.fleetProduction()
	if !prod || force || !strings.ContainsAny(c.cfg.Tenants, `*?[\`) {
		return nil
	}
	rows, err := f.Status(c.ctx)
	if err != nil {
		return err
	}
	var lines []string
	dirty := 0
	for _, r := range rows {
		if r.FailedAt == 0 || r.NoSchema {
			continue
		}
		dirty++
		if dirty <= guardFleetShown {
			lines = append(lines, fmt.Sprintf("  %s: failed at %d", tenantName(r.Server, r.Target), r.FailedAt))
		}
	}
	if dirty == 0 {
		return nil
	}
	if dirty > guardFleetShown {
		lines = append(lines, "  and "+plural(dirty-guardFleetShown, "more tenant"))
	}
	what := fmt.Sprintf("migrate:repair --tenants forgets what stopped half way, as if each schema had been put right by hand; "+
		"it would repair %s of %s matching %s (check that you put each right, or name them with --tenants a,b):\n%s",
		fmt.Sprint(dirty), plural(len(rows), "tenant"), c.cfg.Tenants, strings.Join(lines, "\n"))
	return c.guardAs(prod, why, what, force)
}

// repairedState is the end of a repaired tenant's line: "forgot 2 b".
func (pr *progress) repairedState(t sdk.TargetResult) string {
	if t.Repair == nil {
		return t.State.String()
	}
	var names []string
	for _, e := range t.Repair.Removed {
		names = append(names, fmt.Sprintf("%d %s", e.Version, e.Name))
	}
	return pr.p.paint(yellow, "forgot "+strings.Join(names, ", "))
}

// The document of migrate:repair --tenants --json: that of migrate
// --tenants with a repair's states and counts; a tenant's removed lists
// the history rows forgotten, as in the document of migrate:repair
// --json.
type jsonFleetRepair struct {
	Pattern    string                 `json:"pattern"`
	Servers    []string               `json:"servers,omitempty"`
	DurationMS float64                `json:"duration_ms"`
	Tenants    []jsonTenantRepair     `json:"tenants"`
	Summary    jsonFleetRepairSummary `json:"summary"`
}

type jsonTenantRepair struct {
	Server string `json:"server,omitempty"`
	Tenant string `json:"tenant"`
	// State is repaired, nothing_to_repair, failed or not_reached.
	State   string           `json:"state"`
	Removed []jsonEntry      `json:"removed"`
	Error   *jsonTenantError `json:"error"`
}

type jsonFleetRepairSummary struct {
	Tenants         int `json:"tenants"`
	Repaired        int `json:"repaired"`
	NothingToRepair int `json:"nothing_to_repair"`
	Failed          int `json:"failed"`
	NotReached      int `json:"not_reached"`
}

var repairStates = map[sdk.TargetState]string{sdk.TargetRepaired: "repaired", sdk.TargetUpToDate: "nothing_to_repair",
	sdk.TargetFailed: "failed", sdk.TargetNotReached: "not_reached"}

// fleetRepairJSON is the document of a repair of a fleet; table is the
// history table's name.
func fleetRepairJSON(pattern, table string, servers []string, res *sdk.FleetResult, message func(target string, err error) string) jsonFleetRepair {
	out := jsonFleetRepair{Pattern: pattern, Servers: servers, DurationMS: ms(res.Duration), Tenants: []jsonTenantRepair{},
		Summary: jsonFleetRepairSummary{Tenants: len(res.Targets), Repaired: res.Count(sdk.TargetRepaired),
			NothingToRepair: res.Count(sdk.TargetUpToDate), Failed: res.Count(sdk.TargetFailed), NotReached: res.Count(sdk.TargetNotReached)}}
	for i, t := range tenantRunsJSON(res, repairStates, message) {
		j := jsonTenantRepair{Server: t.Server, Tenant: t.Tenant, State: t.State, Removed: []jsonEntry{}, Error: t.Error}
		if r := res.Targets[i].Repair; r != nil {
			j.Removed = historyJSON(table, r.Removed, nil).Entries
		}
		out.Tenants = append(out.Tenants, j)
	}
	return out
}

// repairAdvice matches the single-database repair that the sdk's
// errors advise; fleetAdvice puts the fleet's in its place.
var repairAdvice = regexp.MustCompile("`hoist migrate:repair` \\(Migrator\\.Repair\\)")

// fleetAdvice rewrites the advice of a dirty tenant's error for the
// fleet: the repair to run is migrate:repair --tenants with the tenant.
// The UPDATE the advice gives names the tenant's history table as the
// sdk names it, with its schema in a fleet of schemas; a database's
// needs none, as it is run in the tenant's database.
func (c *command) fleetAdvice(target, msg string) string {
	return repairAdvice.ReplaceAllLiteralString(msg, "`"+c.tree.name+" migrate:repair --tenants "+target+"`")
}

// statusRepairHint says, after the matrix of migrate:status --tenants,
// how to recover the tenants that failed half way; "" when none did.
func (c *command) statusRepairHint(rows []sdk.TargetStatus) string {
	var dirty []string
	for _, r := range rows {
		if r.FailedAt != 0 && !r.NoSchema && r.Err == nil {
			dirty = append(dirty, r.Target)
		}
	}
	if len(dirty) == 0 {
		return ""
	}
	shown := dirty
	if len(shown) > guardFleetShown {
		shown = shown[:guardFleetShown]
	}
	return fmt.Sprintf("%s failed half way (%s): bring each %s by hand to where it is without the failed migration, "+
		"then run %s migrate:repair --tenants %s; or see docs/fleets.md for marking it applied instead",
		plural(len(dirty), "tenant"), strings.Join(shown, ", "), c.tenantNoun(), c.tree.name, strings.Join(dirty, ","))
}
