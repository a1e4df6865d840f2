package cli

import (
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/hoistdb/hoist/sdk"
)

// migrate:rollback --tenants: the rollback of every tenant of a fleet,
// run as migrate --tenants runs (cmd_fleet.go), and guarded as the
// rollback of one database is.

// rollbackFleetFlags adds the fleet flags and help to migrate:rollback.
func (t *tree) rollbackFleetFlags(cmd *cobra.Command) {
	if t.fleet == nil {
		return
	}
	addFleetFlags(cmd, true, "roll back", `

With --tenants PATTERN (or fleet.tenants in `+ConfigFile+`), roll back every
tenant whose name matches the pattern, as migrate --tenants migrates them:
each under its own lock, --concurrency at once, a line per tenant as it
ends, a summary, the failed tenants listed and exit status 1;
--on-failure, --server and --tenant-kind work as for migrate. --step and
the last batch count on each tenant's own history, as read when the run
reaches it; --to V rolls every tenant back to V. Where the tenants look
like production (HOIST_ENV, APP_ENV, or any server on another machine),
the run lists what it would roll back and asks for yes on a terminal, or
wants --force, before anything runs.`,
		"\n  "+t.name+" migrate:rollback --tenants 'tenant_*' --to 20261122093000 --dry-run")
}

// rollbackFleet rolls back every tenant of the fleet: steps migrations
// (0: the last batch) of each, or with to not negative everything
// above to. With dry it prints what would be rolled back.
func (c *command) rollbackFleet(asJSON, dry, force bool, steps int, to int64) error {
	plan := func(f fleetRunner) ([]sdk.TargetPlan, error) {
		if to >= 0 {
			return f.PlanRollbackTo(c.ctx, to)
		}
		return f.PlanRollback(c.ctx, sdk.RollbackOptions{Steps: steps})
	}
	if dry {
		return c.dryRunFleetOf(asJSON, opRollback, plan)
	}
	guard := func(f fleetRunner) error { return c.guardFleet(f, plan, force) }
	return c.runFleet(asJSON, opRollback, guard, func(f fleetRunner) (*sdk.FleetResult, error) {
		if to >= 0 {
			return f.RollbackTo(c.ctx, to)
		}
		return f.Rollback(c.ctx, sdk.RollbackOptions{Steps: steps})
	})
}

// guardFleetShown bounds the tenants the question of guardFleet lists.
const guardFleetShown = 10

// guardFleet is guardPlan for a fleet: where the fleet looks like
// production and --force is not given, it reads what the rollback would
// do (plan) and asks, listing it, on a terminal, or refuses without one.
// A fleet with nothing to roll back goes ahead without a question.
func (c *command) guardFleet(f fleetRunner, plan func(fleetRunner) ([]sdk.TargetPlan, error), force bool) error {
	prod, why := c.fleetProduction()
	if !prod || force {
		return nil
	}
	plans, err := plan(f)
	if err != nil {
		return err
	}
	var (
		lines            []string
		tenants, undoing int
	)
	for _, p := range plans {
		if p.Result == nil || len(p.Result.Applied) == 0 {
			continue
		}
		tenants++
		undoing += len(p.Result.Applied)
		if tenants > guardFleetShown {
			continue
		}
		downs := make([]string, len(p.Result.Applied))
		for i, a := range p.Result.Applied {
			downs[i] = fmt.Sprintf("down %d %s", a.Version, a.Name)
		}
		lines = append(lines, "  "+tenantName(p.Server, p.Target)+": "+strings.Join(downs, ", "))
	}
	if tenants == 0 {
		return nil
	}
	if tenants > guardFleetShown {
		lines = append(lines, "  and "+plural(tenants-guardFleetShown, "more tenant"))
	}
	what := fmt.Sprintf("migrate:rollback --tenants undoes migrations; it would roll back %s on %s of %s matching %s:\n%s",
		plural(undoing, "migration"), fmt.Sprint(tenants), plural(len(plans), "tenant"), c.cfg.Tenants, strings.Join(lines, "\n"))
	return c.guardAs(prod, why, what, force)
}

// fleetProduction is [command.production] for a fleet: it looks like
// production when HOIST_ENV or APP_ENV says so, or when any of its
// servers is on another machine.
func (c *command) fleetProduction() (bool, string) {
	if len(c.cfg.Servers) == 0 {
		return c.production()
	}
	for _, u := range c.cfg.Servers {
		if prod, why := c.productionOn(c.cfg.onServer(u)); prod {
			if len(c.cfg.Servers) > 1 && strings.HasPrefix(why, "host ") {
				why = "server " + serverName(u) + ": " + why
			}
			return true, why
		}
	}
	return false, ""
}
