package cli

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"maps"
	"path/filepath"
	"slices"
	"strings"

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
// (the fleet gives each target its own history table). With migrate
// --seed, opts hold [sdk.WithFleetSeeding]: the seeders are those the
// factory gives in [sdk.WithTargetOptions] (none, if it gives none);
// seed --tenants runs those same seeders ([sdk.Fleet.Seed]). cfg.TenantKind
// is the fleet.kind setting (--tenant-kind), for a factory that can
// build both kinds on PostgreSQL; one that cannot may ignore it. With
// several fleet.servers (--server) it is called once per server, each
// time with cfg.DatabaseURL that server's URL, and the fleets are run
// together ([sdk.NewFleets]): a factory that ignores cfg.DatabaseURL
// cannot serve several servers.
type FleetFactory func(ctx context.Context, cfg *Config, pattern string, opts ...sdk.FleetOption) (*sdk.Fleet, error)

// WithFleet lets migrate, migrate:rollback, migrate:repair, migrate:status and seed work
// on a fleet of tenants built by f (docs/fleets.md): it adds their flags
// --tenants (and to the runs --concurrency and --on-failure), and the fleet section of
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

// FleetFromFiles is the [FleetFactory] of the hoist command, each
// target migrated with the SQL migrations in cfg.Migrations (read as
// [FromFiles] reads them) and the settings of cfg.Options(). The engine
// of cfg.DatabaseURL says what the targets are:
//
//   - PostgreSQL: the schemas of the URL's database whose names match
//     pattern; with cfg.TenantKind "databases" (--tenant-kind
//     databases), the databases of its server, listed through the
//     URL's database and each opened with the URL's user and
//     parameters;
//   - MySQL/MariaDB: the databases of the server whose names match
//     pattern, listed through the URL's database (any one of the
//     server), each opened with the URL's user and parameters;
//   - SQLite: the files that match pattern as a file glob, relative to
//     the directory of the URL's file (sqlite:data/app.db, or
//     sqlite:data/ for the directory itself: data/tenant_*.db), with the
//     URL's parameters.
//
// A pattern may be several, separated by commas (tenant_a,tenant_b).
// The seeders in cfg.Seeds are read only for migrate --tenants --seed
// and seed --tenants.

func FleetFromFiles(ctx context.Context, cfg *Config, pattern string, opts ...sdk.FleetOption) (*sdk.Fleet, error) {
	d, err := cfg.dataSource()
	if err != nil {
		return nil, err
	}
	if err := fleetKindOf(d, cfg); err != nil {
		return nil, err
	}
	src, err := fileSources(cfg, cfg.cmd != nil && (cfg.cmd.fleetSeed || cfg.cmd.fleetSeedOnly))
	if err != nil {
		return nil, err
	}
	var db *sql.DB
	targets := sdk.TargetPattern(pattern)
	if d.Engine == "sqlite" {
		// A fleet of files is listed by a glob: no pool lists them, and
		// opening the URL's own file would create it.
		if !slices.Contains(sql.Drivers(), d.Driver) {
			return nil, fmt.Errorf("this program has no database/sql driver %q for %s: import _ %q", d.Driver, d, driverImports[d.Engine])
		}
		pattern = sqliteFleetPattern(d, pattern)
		targets = sdk.TargetFunc(func(context.Context) ([]string, error) { return sqliteFiles(pattern) })
	} else if db, d, err = cfg.Open(ctx); err != nil {
		return nil, err
	}
	if d.Engine != "postgres" || cfg.TenantKind == "databases" {
		opts = append(opts, sdk.WithDatabaseTargets(func(target string) (*sql.DB, error) {
			return sql.Open(d.Driver, d.dsnFor(target))
		}))
	}
	if cfg.cmd != nil {
		cfg.cmd.warnGoMigrations()
	}
	target := sdk.WithTargetOptions(append(cfg.Options(), src...)...)
	return sdk.NewFleet(db, d.Dialect, targets, append(opts, target)...)
}

// sqliteFleetDir is the directory a SQLite fleet's pattern is relative
// to: that of the URL's file, or the URL's path itself when it ends in
// a slash.
func sqliteFleetDir(file string) string {
	if strings.HasSuffix(file, "/") || strings.HasSuffix(file, string(filepath.Separator)) {
		return filepath.Clean(file)
	}
	return filepath.Dir(file)
}

// sqliteFiles lists the files that match pattern, but for the files
// SQLite and hoist keep beside a database (its journal, its WAL, hoist's
// lock files), which a pattern such as tenant_* would match too. In a
// pattern of several parts, a plain name (no *, ?, [ or \) that matches
// no file is listed all the same, so that it fails as missing, as
// [sdk.TargetPattern] lists it: a misspelt name is reported, not left
// out.
func sqliteFiles(pattern string) ([]string, error) {
	var names []string
	parts := strings.Split(pattern, ",")
	for _, p := range parts {
		found, err := filepath.Glob(p)
		if err != nil {
			return nil, fmt.Errorf("listing files for pattern %q: %w", pattern, err)
		}
		if len(found) == 0 && len(parts) > 1 && !strings.ContainsAny(p, `*?[\`) {
			found = []string{p}
		}
		names = append(names, found...)
	}
	slices.Sort(names)
	names = slices.Compact(names)
	return slices.DeleteFunc(names, func(name string) bool {
		for _, suffix := range []string{"-journal", "-wal", "-shm"} {
			if strings.HasSuffix(name, suffix) {
				return true
			}
		}
		return strings.Contains(filepath.Base(name), ".hoist-") && strings.HasSuffix(name, ".lock")
	}), nil
}

// fleetKindOf checks that the hoist command can migrate a fleet on d:
// the schemas or databases of a PostgreSQL server, the databases of a
// MySQL server, or SQLite files.
func fleetKindOf(d *DataSource, cfg *Config) error {
	if cfg.TenantKind == "schemas" && d.Engine != "postgres" {
		return usagef("a fleet of schemas (fleet.kind schemas, given by %s) is PostgreSQL's: on %s the tenants are %s; leave the kind out",
			cfg.source(tenantKindSetting.key), d.Engine, fleetNouns[d.Engine])
	}
	switch {
	case d.Engine == "postgres" && cfg.TenantKind != "databases":
		if cfg.Table != sdk.DefaultTable {
			return usagef("a fleet of schemas keeps each tenant's history in <schema>.%s; the history table %s (%s) cannot be changed for a fleet of schemas yet",
				sdk.DefaultTable, cfg.Table, cfg.source("table"))
		}
		return nil
	case d.Engine == "postgres" || d.Engine == "mysql" || d.Engine == "sqlite":
		if strings.Contains(cfg.Table, ".") {
			noun := fleetNouns[d.Engine]
			if d.Engine == "postgres" {
				noun = "databases"
			}
			return usagef("a fleet of %s keeps each tenant's history in a table of the tenant's own; the history table %s (%s) names another",
				noun, cfg.Table, cfg.source("table"))
		}
		return nil
	}
	return usagef("fleets of %s are not supported: --tenants works on PostgreSQL schemas, MySQL/MariaDB databases and SQLite files (docs/fleets.md)", d.Engine)
}

// fleetNouns says what the tenants of a fleet on each engine are.
var fleetNouns = map[string]string{"postgres": "schemas", "mysql": "databases", "sqlite": "files"}

// fleetHelp is the part of migrate's and migrate:status's help about
// fleets, empty in a tree without them.
func (t *tree) fleetHelp(run bool) (long, example string) {
	if t.fleet == nil {
		return "", ""
	}
	if run {
		return `

With --tenants PATTERN (or fleet.tenants in ` + ConfigFile + `), apply them to every
tenant whose name matches the pattern, each under its own lock with its own
history, --concurrency at once, printing a line per tenant as it ends and a
summary. The tenants are the schemas of a PostgreSQL database (or with
--tenant-kind databases the databases of its server), the databases of a
MySQL/MariaDB server, or SQLite files: the pattern is a file glob in the
directory of the URL's file. A failed tenant stops the run (--on-failure stop: no
other tenant starts), or not (--on-failure continue); the failed tenants are
listed with their errors, and the exit status is 1. A pattern that matches
no tenant is exit status 1 too. With --server URL, repeated (or
fleet.servers), the tenants of every server are one fleet: --concurrency
and --on-failure hold for all of them, and each tenant is shown with its
server. With --dry-run, print what would run on each tenant that is not up
to date (its pending migrations with their SQL) and a summary, executing
nothing and taking no lock. The pattern may be several, or names, separated
by commas (tenant_a,tenant_b). With --seed, run the seeders on each tenant
right after migrating it; a seeder that fails fails its tenant. With
--create-database and tenants named without wildcards, create each named
tenant that does not exist (its schema, database or file) and migrate it.
With --to V, apply to every tenant the migrations up to version V only, as
migrate --to does on one database; the tenants that have them all are up
to date.`, "\n  " + t.name + " migrate --tenants 'tenant_*' --concurrency 8 --on-failure continue" +
				"\n  " + t.name + " migrate --tenants 'tenant_*' --dry-run" +
				"\n  " + t.name + " migrate --tenants tenant_acme,tenant_globex --create-database --seed" +
				"\n  " + t.name + " migrate --tenants 'tenant_*' --to 20261122093000"
	}
	return `

With --tenants PATTERN (or fleet.tenants in ` + ConfigFile + `), list every
tenant whose name matches the pattern (a schema, a database or a SQLite file,
as for migrate) with its state: up to date, pending N, failed at V, changed,
or locked by the session migrating it; with --exit-code, fail unless every
tenant is up to date. With --server URL, repeated (or fleet.servers), the
tenants of every server, in a SERVER column.`, "\n  " + t.name + " migrate:status --tenants 'tenant_*' --exit-code"
}

// fleetFlags adds the fleet flags to a command: --tenants and
// --tenant-kind, and with run (migrate) --concurrency and --on-failure.
func (t *tree) fleetFlags(cmd *cobra.Command, run bool) {
	if t.fleet == nil {
		return
	}
	long, example := t.fleetHelp(run)
	addFleetFlags(cmd, run, "migrate", long, example)
}

// addFleetFlags adds the fleet flags and help to cmd; verb says what
// --concurrency bounds.
func addFleetFlags(cmd *cobra.Command, run bool, verb, long, example string) {
	cmd.Long += long
	cmd.Example += example
	cmd.Flags().String("tenants", "", "work on a fleet: every tenant whose name matches `PATTERN`, such as 'tenant_*' (env HOIST_FLEET_TENANTS)")
	cmd.Flags().String("tenant-kind", "", "with --tenants on PostgreSQL: the tenants are `schemas` of the database (default) or databases of the server (env HOIST_FLEET_KIND)")
	if run {
		cmd.Flags().Int("concurrency", sdk.DefaultFleetConcurrency, "with --tenants: "+verb+" `N` tenants at once (env HOIST_FLEET_CONCURRENCY)")
		cmd.Flags().String("on-failure", "stop", "with --tenants: once a tenant failed, stop (start no other) or continue (env HOIST_FLEET_ON_FAILURE)")
	}
	cmd.Flags().StringArray("server", nil, "with --tenants: a server of the fleet, by its `URL` (instead of the database URL); repeat for several servers (env HOIST_FLEET_SERVERS)")
}

// onFleet reports whether the command works on a fleet: a pattern was
// given with --tenants, HOIST_FLEET_TENANTS or fleet.tenants. It
// refuses the fleet flags without a pattern, and a fleet that this tree
// cannot build.
func (c *command) onFleet() (bool, error) {
	if c.cfg.Tenants == "" {
		for _, f := range []string{"concurrency", "on-failure", "tenant-kind", "server"} {
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

// fleetRunner is what migrate, migrate:rollback, migrate:repair,
// migrate:status and seed do with a fleet: an [sdk.Fleet] of one server or [sdk.Fleets] of several.
type fleetRunner interface {
	Up(context.Context) (*sdk.FleetResult, error)
	UpTo(context.Context, int64) (*sdk.FleetResult, error)
	Rollback(context.Context, sdk.RollbackOptions) (*sdk.FleetResult, error)
	RollbackTo(context.Context, int64) (*sdk.FleetResult, error)
	Seed(context.Context, ...string) (*sdk.FleetResult, error)
	Repair(context.Context) (*sdk.FleetResult, error)
	Status(context.Context) ([]sdk.TargetStatus, error)
	Plan(context.Context) ([]sdk.TargetPlan, error)
	PlanTo(context.Context, int64) ([]sdk.TargetPlan, error)
	PlanRollback(context.Context, sdk.RollbackOptions) ([]sdk.TargetPlan, error)
	PlanRollbackTo(context.Context, int64) ([]sdk.TargetPlan, error)
	Migrations() []sdk.Migration
}

// buildFleet builds the fleet of the command's pattern with the
// command's settings and progress: on the database URL's server, or
// with fleet.servers on each of them, as one fleet.
func (c *command) buildFleet(progress func(sdk.TargetResult, int, int)) (fleetRunner, error) {
	c.progress.mu.Lock()
	c.progress.fleet = true
	c.progress.mu.Unlock()
	opts := []sdk.FleetOption{sdk.WithFleetConcurrency(c.cfg.FleetConcurrency), sdk.WithFailurePolicy(c.cfg.FailurePolicy)}
	if c.fleetSeed {
		opts = append(opts, sdk.WithFleetSeeding())
	}
	if progress != nil {
		opts = append(opts, sdk.WithFleetProgress(progress))
	}
	var (
		f   fleetRunner
		err error
	)
	if len(c.cfg.Servers) > 1 {
		f, err = c.buildFleets(opts)
	} else {
		f, err = c.tree.fleet(c.ctx, c.serverConfig(), c.cfg.Tenants, opts...)
	}
	if err != nil {
		return nil, err
	}
	if len(f.Migrations()) == 0 && len(c.broken) == 0 && !c.fleetSeedOnly {
		return nil, c.noMigrations()
	}
	return f, nil
}

// serverConfig is the configuration of one server of the fleet: the
// command's own, its database URL the only fleet.servers URL if there
// is one.
func (c *command) serverConfig() *Config {
	if len(c.cfg.Servers) != 1 {
		return c.cfg
	}
	return c.cfg.onServer(c.cfg.Servers[0])
}

// onServer is a copy of the configuration whose database URL is url,
// given by fleet.servers.
func (c *Config) onServer(url string) *Config {
	cp := *c
	cp.DatabaseURL = url
	cp.from = maps.Clone(c.from)
	cp.from["database_url"] = c.source(serversSetting.key)
	return &cp
}

// buildFleets builds the fleet of every server of fleet.servers with
// the factory, and joins them: one concurrency bound, failure policy
// and progress over all of them. Each server is named by its host and
// database (serverName) in the output.
func (c *command) buildFleets(opts []sdk.FleetOption) (*sdk.Fleets, error) {
	var servers []sdk.FleetServer
	for _, u := range c.cfg.Servers {
		name := serverName(u)
		c.shown = false // each server's target line
		f, err := c.tree.fleet(c.ctx, c.cfg.onServer(u), c.cfg.Tenants, sdk.WithFleetConcurrency(c.cfg.FleetConcurrency))
		if err != nil {
			return nil, fmt.Errorf("server %s: %w", name, err)
		}
		servers = append(servers, sdk.FleetServer{Name: name, Fleet: f})
	}
	fs, err := sdk.NewFleets(servers, opts...)
	if err != nil {
		return nil, usageError{err: errors.New(strings.TrimPrefix(err.Error(), "hoist: NewFleets: "))}
	}
	return fs, nil
}

// serverName names a server of a fleet in the output: host:port/database
// (the database it is reached through), or a SQLite URL's directory.
func serverName(url string) string {
	d, err := ParseURL(url)
	if err != nil {
		shown, _ := redactURL(url)
		return shown
	}
	switch {
	case d.Engine == "sqlite":
		return sqliteFleetDir(d.Database)
	case d.host == "":
		return "localhost/" + d.Database
	}
	return d.host + "/" + d.Database
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
