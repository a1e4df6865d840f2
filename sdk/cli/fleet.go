package cli

import (
	"context"
	"errors"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/hoistdb/hoist/sdk"
)

// FleetFactory builds the fleet that `migrate --tenants PATTERN` and
// `migrate:status --tenants PATTERN` work on: the targets whose names
// match pattern (as path.Match reads it), with opts, the command's
// concurrency, failure policy and progress, passed on to [sdk.NewFleet].
// It is called at most once per command run. [FleetFromFiles] is the
// hoist command's; an application that mounts the commands passes its
// own with [WithFleet], with its compiled-in sources:
//
//	func(ctx context.Context, cfg *cli.Config, pattern string, opts ...sdk.FleetOption) (*sdk.Fleet, error) {
//		return sdk.NewFleet(db, postgres.New(), sdk.TargetPattern(pattern),
//			append(opts, sdk.WithTargetOptions(sdk.WithFS(migrations.FS)))...)
//	}
//
// In a tree over a [Factory], cfg.Options() fit [sdk.WithTargetOptions]
// (the fleet gives each target its own history table).
type FleetFactory func(ctx context.Context, cfg *Config, pattern string, opts ...sdk.FleetOption) (*sdk.Fleet, error)

// WithFleet lets migrate and migrate:status work on a fleet of tenants
// built by f (docs/fleets.md): it adds their flags --tenants (and to
// migrate --concurrency and --on-failure), and the fleet section of
// hoist.yaml takes effect. Without it a tree has no such flags, and
// refuses a fleet configured in hoist.yaml or the environment. The
// hoist command is built with WithFleet(FleetFromFiles).
func WithFleet(f FleetFactory) Option {
	return func(t *tree) error {
		if f == nil {
			return errors.New("cli: WithFleet: nil FleetFactory")
		}
		t.fleet = f
		return nil
	}
}

// FleetFromFiles is the [FleetFactory] of the hoist command: the
// schemas of the PostgreSQL database of cfg.DatabaseURL whose names
// match pattern, each migrated with the SQL migrations in
// cfg.Migrations (read as [FromFiles] reads them) and the settings of
// cfg.Options(). Seeds are not read: a fleet run does not seed. Other
// engines are refused before connecting, as their fleets are not
// supported yet.
func FleetFromFiles(ctx context.Context, cfg *Config, pattern string, opts ...sdk.FleetOption) (*sdk.Fleet, error) {
	d, err := cfg.dataSource()
	if err != nil {
		return nil, err
	}
	if err := fleetKindOf(d, cfg); err != nil {
		return nil, err
	}
	src, err := fileSources(cfg, false)
	if err != nil {
		return nil, err
	}
	db, d, err := cfg.Open(ctx)
	if err != nil {
		return nil, err
	}
	if cfg.cmd != nil {
		cfg.cmd.warnGoMigrations()
	}
	target := sdk.WithTargetOptions(append(cfg.Options(), src...)...)
	return sdk.NewFleet(db, d.Dialect, sdk.TargetPattern(pattern), append(opts, target)...)
}

// fleetKindOf checks that the hoist command can migrate a fleet on d:
// for now the schemas of a PostgreSQL database. Another kind of target
// (the databases of a MySQL server, SQLite files) is one more case here
// and in FleetFromFiles.
func fleetKindOf(d *DataSource, cfg *Config) error {
	switch d.Engine {
	case "postgres":
		if cfg.Table != sdk.DefaultTable {
			return usagef("a fleet keeps each tenant's history in <schema>.%s; the history table %s (%s) cannot be changed for a fleet yet",
				sdk.DefaultTable, cfg.Table, cfg.source("table"))
		}
		return nil
	case "mysql":
		return usagef("fleets of MySQL/MariaDB databases are not supported yet: --tenants works on the schemas of a PostgreSQL database (docs/fleets.md)")
	case "sqlite":
		return usagef("fleets of SQLite files are not supported yet: --tenants works on the schemas of a PostgreSQL database (docs/fleets.md)")
	}
	return usagef("fleets of %s are not supported: --tenants works on the schemas of a PostgreSQL database (docs/fleets.md)", d.Engine)
}

// fleetHelp is the part of migrate's and migrate:status's help about
// fleets, empty in a tree without them.
func (t *tree) fleetHelp(run bool) (long, example string) {
	if t.fleet == nil {
		return "", ""
	}
	if run {
		return `

With --tenants PATTERN (or fleet.tenants in ` + ConfigFile + `), apply them to every
tenant schema whose name matches the pattern, each under its own lock with
its own history, --concurrency at once, printing a line per tenant as it
ends and a summary. A failed tenant stops the run (--on-failure stop: no
other tenant starts), or not (--on-failure continue); the failed tenants are
listed with their errors, and the exit status is 1. A pattern that matches
no tenant is exit status 1 too.`, "\n  " + t.name + " migrate --tenants 'tenant_*' --concurrency 8 --on-failure continue"
	}
	return `

With --tenants PATTERN (or fleet.tenants in ` + ConfigFile + `), list every
tenant schema whose name matches the pattern with its state: up to date,
pending N, failed at V, changed, or locked by the session migrating it;
with --exit-code, fail unless every tenant is up to date.`, "\n  " + t.name + " migrate:status --tenants 'tenant_*' --exit-code"
}

// fleetFlags adds the fleet flags to a command: --tenants, and with run
// (migrate) --concurrency and --on-failure.
func (t *tree) fleetFlags(cmd *cobra.Command, run bool) {
	if t.fleet == nil {
		return
	}
	long, example := t.fleetHelp(run)
	cmd.Long += long
	cmd.Example += example
	cmd.Flags().String("tenants", "", "work on a fleet: every tenant schema whose name matches `PATTERN`, such as 'tenant_*' (env HOIST_FLEET_TENANTS)")
	if run {
		cmd.Flags().Int("concurrency", sdk.DefaultFleetConcurrency, "with --tenants: migrate `N` tenants at once (env HOIST_FLEET_CONCURRENCY)")
		cmd.Flags().String("on-failure", "stop", "with --tenants: once a tenant failed, stop (start no other) or continue (env HOIST_FLEET_ON_FAILURE)")
	}
}

// onFleet reports whether the command works on a fleet: a pattern was
// given with --tenants, HOIST_FLEET_TENANTS or fleet.tenants. It
// refuses the fleet flags without a pattern, and a fleet that this tree
// cannot build.
func (c *command) onFleet() (bool, error) {
	if c.cfg.Tenants == "" {
		for _, f := range []string{"concurrency", "on-failure"} {
			if c.cobra.Flags().Changed(f) {
				return false, argError("--%s works on a fleet: give --tenants PATTERN too", f)
			}
		}
		return false, nil
	}
	if c.tree.fleet == nil {
		return false, usagef("%s names a fleet of tenants (%s), which %s cannot migrate: the application mounts the commands without cli.WithFleet",
			c.cfg.tenantsSource(), c.cfg.Tenants, c.tree.name)
	}
	return true, nil
}

// buildFleet builds the fleet of the command's pattern with the
// command's settings and progress.
func (c *command) buildFleet(progress func(sdk.TargetResult, int, int)) (*sdk.Fleet, error) {
	c.progress.mu.Lock()
	c.progress.fleet = true
	c.progress.mu.Unlock()
	opts := []sdk.FleetOption{sdk.WithFleetConcurrency(c.cfg.FleetConcurrency), sdk.WithFailurePolicy(c.cfg.FailurePolicy)}
	if progress != nil {
		opts = append(opts, sdk.WithFleetProgress(progress))
	}
	f, err := c.tree.fleet(c.ctx, c.cfg, c.cfg.Tenants, opts...)
	if err != nil {
		return nil, err
	}
	if m, err := f.Migrator("public"); err == nil && len(m.Migrations()) == 0 && len(c.broken) == 0 {
		return nil, c.noMigrations()
	}
	return f, nil
}

// noTenants is the error of a pattern that matches no target.
func (c *command) noTenants(what string) error {
	return fmt.Errorf("no tenant matches the pattern %s (given by %s): %s; check the pattern, or create the tenants first",
		c.cfg.Tenants, c.cfg.tenantsSource(), what)
}

// fleetRefuses refuses a migration argument and the flags that do not
// work on a fleet yet.
func (c *command) fleetRefuses(args []string, flags ...string) error {
	if len(args) > 0 {
		return argError("migrate %s applies one migration to one database; on a fleet (tenants %s, given by %s), migrate applies every pending migration",
			args[0], c.cfg.Tenants, c.cfg.tenantsSource())
	}
	for _, f := range flags {
		if c.cobra.Flags().Changed(f) {
			return argError("--%s does not work on a fleet yet (tenants %s, given by %s); --tenants '' works on the database itself",
				f, c.cfg.Tenants, c.cfg.tenantsSource())
		}
	}
	return nil
}
