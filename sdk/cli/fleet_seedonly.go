package cli

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/hoistdb/hoist/sdk"
)

// seed --tenants: the seeders of every tenant of a fleet, without its
// migrations (sdk.Fleet.Seed), run as migrate --tenants runs
// (cmd_fleet.go). Like seed on one database it asks nothing on a
// production target: seeding adds rows, it removes nothing.

// opSeed is the words of seed --tenants. A tenant on which a seeder ran
// is seeded (sdk.TargetApplied); one whose seeders were all Once
// seeders that had run has nothing to seed (sdk.TargetUpToDate).
var opSeed = fleetOp{seedOnly: true, changed: sdk.TargetApplied, done: "seeded", unchanged: "with nothing to seed",
	each: "nothing to seed", doing: "seeding", does: "seeds", past: "seeded"}

// seedFleetFlags adds the fleet flags and help to seed.
func (t *tree) seedFleetFlags(cmd *cobra.Command) {
	if t.fleet == nil {
		return
	}
	addFleetFlags(cmd, true, "seed", `

With --tenants PATTERN (or fleet.tenants in `+ConfigFile+`), run the seeders
on every tenant whose name matches the pattern, migrating nothing: each
tenant under its own lock, --concurrency at once, a Once seeder once per
tenant, a line per tenant as it ends (ran 1 seeder, skipped 0) and a
summary; --on-failure, --server and --tenant-kind work as for migrate. A
seeder that fails fails its tenant; the failed tenants are listed with the
seeder, its file and line, and the exit status is 1. A tenant is seeded as
it is, as seed does on one database: on one with pending migrations a
seeder that needs their tables fails (migrate --tenants --seed migrates and
seeds in one run).`,
		"\n  "+t.name+" seed --tenants 'tenant_*' --on-failure continue"+
			"\n  "+t.name+" seed --tenants tenant_acme,tenant_globex 10_plans")
}

// seedFleet runs the named seeders, or all of them, on every tenant of
// the fleet. An unknown name is a usage error before anything runs; a
// fleet without seeders says so and runs nothing.
func (c *command) seedFleet(asJSON bool, names []string) error {
	c.fleetSeedOnly = true
	errNone := errors.New("no seeders")
	check := func(f fleetRunner) error {
		seeders := fleetSeeders(f)
		for _, n := range names {
			if len(seeders) == 0 {
				return usagef("there are no seeders, so none named %q", n)
			}
			if !slices.Contains(seeders, n) {
				return usagef("no seeder is named %q; the seeders are %s", n, strings.Join(seeders, ", "))
			}
		}
		if len(seeders) == 0 {
			return errNone
		}
		return nil
	}
	err := c.runFleet(asJSON, opSeed, check, func(f fleetRunner) (*sdk.FleetResult, error) {
		return f.Seed(c.ctx, names...)
	})
	if !errors.Is(err, errNone) {
		return err
	}
	if asJSON {
		return c.out.json(fleetSeedOnlyJSON(c.cfg.Tenants, c.serverNames(), &sdk.FleetResult{}, c.tenantError))
	}
	c.out.printf("no seeders: add <name>.sql files to %s, or run `make:seeder NAME`; nothing was seeded\n", c.display(c.cfg.Seeds))
	return nil
}

// seededState is the end of a tenant's line in seed --tenants: "ran 1
// seeder, skipped 0 (12.3ms)", or the seeder that failed.
func (pr *progress) seededState(t sdk.TargetResult) string {
	var me *sdk.MigrationError
	switch {
	case t.State == sdk.TargetFailed && errors.As(t.Err, &me) && me.Version == 0 && me.Name != "":
		where := ""
		if me.File != "" && me.Line > 0 {
			where = fmt.Sprintf(" (%s:%d)", me.File, me.Line)
		}
		s := pr.p.paint(red, "failed in seeder "+me.Name) + where
		if t.Seed != nil && len(t.Seed.Ran) > 0 {
			s = seedWords(t.Seed) + "; " + s
		}
		return s
	case t.State == sdk.TargetFailed:
		msg := oneLine(t.Err)
		if errors.Is(t.Err, sdk.ErrNoTarget) {
			msg = "does not exist"
		}
		if len(msg) > 120 {
			msg = msg[:117] + "..."
		}
		return pr.p.paint(red, "failed") + ": " + msg
	case t.Seed == nil:
		return t.State.String()
	case len(t.Seed.Ran) == 0:
		return pr.p.paint(dim, seedWords(t.Seed))
	}
	return pr.p.paint(green, seedWords(t.Seed)) + " " + pr.p.paint(dim, "("+duration(seedTime(t.Seed))+")")
}

// seedTime is how long the seeders that ran took together.
func seedTime(s *sdk.SeedResult) time.Duration {
	var d time.Duration
	for _, r := range s.Ran {
		d += r.Duration
	}
	return d
}

// The document of seed --tenants --json: that of migrate --tenants
// with a seed's states and counts, and without migrations.
type jsonFleetSeed struct {
	Pattern    string               `json:"pattern"`
	Servers    []string             `json:"servers,omitempty"`
	DurationMS float64              `json:"duration_ms"`
	Tenants    []jsonTenantSeed     `json:"tenants"`
	Summary    jsonFleetSeedSummary `json:"summary"`
}

type jsonTenantSeed struct {
	Server string `json:"server,omitempty"`
	Tenant string `json:"tenant"`
	// State is seeded, nothing_to_seed, failed or not_reached.
	State string `json:"state"`
	// DurationMS is how long its seeders took together.
	DurationMS float64 `json:"duration_ms"`
	// Seed is what the seeders did, as in the document of seed --json:
	// null when seeding did not begin (the tenant does not exist, or was
	// not reached); when a seeder failed, those that ran before it.
	Seed  *seedReport      `json:"seed"`
	Error *jsonTenantError `json:"error"`
}

type jsonFleetSeedSummary struct {
	Tenants       int `json:"tenants"`
	Seeded        int `json:"seeded"`
	NothingToSeed int `json:"nothing_to_seed"`
	Failed        int `json:"failed"`
	NotReached    int `json:"not_reached"`
}

var seedStates = map[sdk.TargetState]string{sdk.TargetApplied: "seeded", sdk.TargetUpToDate: "nothing_to_seed",
	sdk.TargetFailed: "failed", sdk.TargetNotReached: "not_reached"}

// fleetSeedOnlyJSON is the document of a seed of a fleet.
func fleetSeedOnlyJSON(pattern string, servers []string, res *sdk.FleetResult, message func(target string, err error) string) jsonFleetSeed {
	out := jsonFleetSeed{Pattern: pattern, Servers: servers, DurationMS: ms(res.Duration), Tenants: []jsonTenantSeed{},
		Summary: jsonFleetSeedSummary{Tenants: len(res.Targets), Seeded: res.Count(sdk.TargetApplied),
			NothingToSeed: res.Count(sdk.TargetUpToDate), Failed: res.Count(sdk.TargetFailed), NotReached: res.Count(sdk.TargetNotReached)}}
	for i, t := range tenantRunsJSON(res, seedStates, message) {
		j := jsonTenantSeed{Server: t.Server, Tenant: t.Tenant, State: t.State, Seed: t.Seed, Error: t.Error}
		if s := res.Targets[i].Seed; s != nil {
			j.DurationMS = ms(seedTime(s))
		}
		out.Tenants = append(out.Tenants, j)
	}
	return out
}
