package sdk

import (
	"context"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
)

// Fleet seeding and tenant creation (docs/decisions.md, "Fleet seeding
// and tenant creation"): seeders run by Up on each target right after
// its migration (WithFleetSeeding), a target created on its own
// (Fleet.Create), and Ensure on one server of Fleets.

// WithFleetSeeding makes [Fleet.Up] run seeders on each target right
// after migrating it (whether it applied migrations or was up to date),
// as [Migrator.Seed] does: the named seeders, or all of them when none is
// named, from the [WithTargetOptions] of the fleet, under the target's
// lock, a Once seeder once per target. A seeder that fails fails its
// target (the error is the seeder's [*MigrationError], naming it), which
// counts for the failure policy as a failed migration does; a target
// whose migration failed is not seeded. Each target's TargetResult.Seed
// says which seeders ran and which were skipped. As every target is
// seeded, a run with it opens every target, also those that are up to
// date: a Once seeder that ran before costs one query per target.
//
// Given to [NewFleets], it takes the place of the servers' own.
func WithFleetSeeding(names ...string) FleetOption {
	return func(c *fleetConfig) error {
		c.seed, c.seeders = true, append([]string(nil), names...)
		return nil
	}
}

// Seeders returns the names of the seeders every target has (from
// [WithTargetOptions]), in the order they run.
func (f *Fleet) Seeders() []string { return f.tmpl.Seeders() }

// Create creates one target if it does not exist: CREATE SCHEMA in a
// fleet of schemas, CREATE DATABASE in a fleet of databases, on SQLite
// the file (and its directory). It reports whether it created it. It
// migrates nothing: [Fleet.Up] (or a TargetList of the new targets)
// does, or [Fleet.Ensure], which creates, migrates and seeds in one
// call. Two processes that create the same target at once both succeed,
// one of them reporting it created.
func (f *Fleet) Create(ctx context.Context, target string) (bool, error) {
	if err := f.kind.checkName(target); err != nil {
		return false, err
	}
	exist, err := f.exists(ctx, target)
	if err != nil || exist {
		return false, err
	}
	if err := f.create(ctx, target); err != nil {
		return false, err
	}
	if f.kind == kindSQLiteFiles {
		// Ensure leaves the file to its migration; a target created alone
		// must be there for a pattern to find it.
		if err := f.createFile(ctx, target); err != nil {
			return false, fmt.Errorf("hoist: creating file %s: %w", target, err)
		}
	}
	return true, nil
}

// exists reports whether a target exists: one query, or a stat.
func (f *Fleet) exists(ctx context.Context, target string) (bool, error) {
	var query string
	switch f.kind {
	case kindSchemas:
		query = "SELECT count(*) FROM pg_namespace WHERE nspname = " + quoteLiteral(target)
	case kindMySQLDatabases:
		query = "SELECT COUNT(*) FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = '" + target + "'" // checkName: no quote
	default:
		have, err := f.existing(ctx, []string{target})
		return have[target], err
	}
	var n int
	if err := f.db.QueryRowContext(ctx, query).Scan(&n); err != nil {
		return false, fmt.Errorf("hoist: fleet: looking for %s %s: %w", f.kind.noun(), target, err)
	}
	return n > 0, nil
}

// createFile creates the SQLite file of a target, and its directory:
// a connection of the target's own pool creates the file.
func (f *Fleet) createFile(ctx context.Context, target string) error {
	if dir := filepath.Dir(target); dir != "" {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return err
		}
	}
	db, err := f.cfg.open(target)
	if err != nil {
		return err
	}
	if db == nil {
		return errors.New("the opener returned no pool")
	}
	defer db.Close()
	_, err = db.ExecContext(ctx, "SELECT 1")
	return err
}

// Ensure is [Fleet.Ensure] of the Fleet of the server named server: it
// creates tenant there if it is missing, migrates it, seeds it, and
// remembers its success. A tenant belongs to one server, so Ensure asks
// which; an unknown server is an error that names the known ones.
func (fs *Fleets) Ensure(ctx context.Context, server, tenant string) (*Result, error) {
	f, err := fs.Server(server)
	if err != nil {
		return &Result{}, err
	}
	res, err := f.Ensure(ctx, tenant)
	if err != nil {
		return res, fmt.Errorf("hoist: fleet server %s: %w", server, err)
	}
	return res, nil
}

// Server returns the Fleet of the server named name; an unknown name is
// an error that names the known ones.
func (fs *Fleets) Server(name string) (*Fleet, error) {
	names := make([]string, len(fs.servers))
	for i, s := range fs.servers {
		if s.Name == name {
			return s.Fleet, nil
		}
		names[i] = s.Name
	}
	return nil, fmt.Errorf("hoist: Fleets: no server is named %q; the servers are %s", name, strings.Join(names, ", "))
}

// Seed runs the named seeders, or all of them when none is named, on
// every target, as [Migrator.Seed] does on one database: in name order,
// each in its own transaction, under the target's lock, a Once seeder
// recorded in the target's seed table and skipped once it has run, so
// that Seed may run at every deploy and two processes seeding the same
// fleet at once run each Once seeder once per target. It migrates
// nothing. The targets run as [Fleet.Up] runs them: at most the fleet's
// concurrency at once, with its failure policy, progress, two passes
// (a target whose lock another process holds is left for the second)
// and cancellation.
//
// As [Migrator.Seed], it seeds a target as it finds it, whether or not
// its migrations are all applied: a seeder that needs a table a pending
// migration creates fails, and then its error says that the target has
// pending migrations (migrate it first, or seed with [Fleet.Up] and
// [WithFleetSeeding], which does both).
//
// Each TargetResult has Seed, the target's [SeedResult], and an empty
// Result. A target on which a seeder ran is [TargetApplied]; one whose
// selected seeders are all Once seeders that had run (all skipped) is
// [TargetUpToDate], left as it was, as wanted. A seeder that fails makes
// its target [TargetFailed] with the seeder's [*MigrationError] (its
// name, file and line), Seed listing the seeders that ran before it; a
// target that does not exist is TargetFailed with [ErrNoTarget]; the
// others are [TargetNotReached] when the run stopped first.
//
// A name that no seeder has is an error before anything is read or run.
// The seeders are those of [WithTargetOptions] ([WithSeedFS],
// [WithSeeders]); [WithFleetSeeding] does not apply. The error is
// [FleetResult.Err]; the FleetResult is never nil.
func (f *Fleet) Seed(ctx context.Context, names ...string) (*FleetResult, error) {
	if _, err := f.tmpl.selectSeeds(names); err != nil {
		return &FleetResult{}, fmt.Errorf("hoist: Fleet.Seed: %s", strings.TrimPrefix(err.Error(), "hoist: "))
	}
	return f.runAction(ctx, seedAction(names))
}

// Seed runs the named seeders, or all of them, on every target of every
// server, as [Fleet.Seed] does on each, under the bound, policy and
// progress of [NewFleets], as [Fleets.Up] runs them. A name that a
// server's fleet has no seeder of is an error, naming the server,
// before anything runs.
func (fs *Fleets) Seed(ctx context.Context, names ...string) (*FleetResult, error) {
	for _, s := range fs.servers {
		if _, err := s.Fleet.tmpl.selectSeeds(names); err != nil {
			return &FleetResult{}, fmt.Errorf("hoist: Fleets.Seed: server %s: %s", s.Name, strings.TrimPrefix(err.Error(), "hoist: "))
		}
	}
	return fs.runAction(ctx, seedAction(names))
}

// seedAction seeds each target with the named seeders, all when none is
// named, and migrates nothing: the seeding step of a run with
// [WithFleetSeeding], without the Up before it.
func seedAction(names []string) fleetAction {
	names = append([]string(nil), names...)
	return fleetAction{
		do: func(ctx context.Context, _ *Fleet, _ string, m *Migrator) (targetOutcome, error) {
			seed, err := seedTarget(ctx, m, names, true)
			return targetOutcome{res: &Result{}, seed: seed, changed: seed != nil && len(seed.Ran) > 0}, err
		},
		changed:      TargetApplied,
		keepFailures: true,
	}
}

// seedTarget runs seeders (all when none) on a target: after its
// migration in a run with [WithFleetSeeding], or alone in [Fleet.Seed]
// (only). A seeder that fails in a run without migrations, on a target
// whose migrations are not all applied, says so: the likely cause.
func seedTarget(ctx context.Context, m *Migrator, seeders []string, only bool) (*SeedResult, error) {
	res, err := m.Seed(ctx, seeders...)
	var me *MigrationError
	switch {
	case err == nil || errors.Is(err, errLockBusy):
	case !errors.As(err, &me):
		err = fmt.Errorf("hoist: seeding: %w", err)
	case only && ctx.Err() == nil:
		if st, serr := m.bootState(ctx, math.MaxInt64); serr == nil && st != bootDone {
			err = fmt.Errorf("%w; the target has migrations pending, which seeding does not apply: migrate it first, or migrate and seed it in one run", err)
		}
	}
	return res, err
}
