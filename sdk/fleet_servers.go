package sdk

import (
	"context"
	"errors"
	"fmt"
	"math"
	"strings"
	"time"
)

// Fleets is one fleet spread over several servers: the tenants of each
// server are a [Fleet] of its own (schemas of one of its databases, or
// databases of it), and Fleets runs them together, as one fleet. Up
// lists and reads the targets of every server first, then migrates all
// of them under one bound of concurrency and one failure policy, so
// that a failure on one server stops the others under
// [FleetStopAtFirst], and a server with few pending targets does not
// leave the bound idle while another has many. A Fleets is safe for
// concurrent use, and two processes that run the same Fleets at once
// share the work target by target, as with one Fleet.
type Fleets struct {
	servers []FleetServer
	cfg     fleetConfig
}

// FleetServer is one server of [Fleets]: a name for reports (a host
// and port, say: it fills TargetResult.Server and TargetStatus.Server)
// and the Fleet of the server's targets, made by [NewFleet].
type FleetServer struct {
	Name  string
	Fleet *Fleet
}

// NewFleets returns the Fleets of servers, in the order given, which
// is the order of their targets in results. Every server needs a name
// of its own and a Fleet, and every Fleet the same migrations: Fleets
// applies one set of migrations everywhere.
//
// The options are [WithFleetConcurrency] (default
// [DefaultFleetConcurrency]), a bound on all the servers' targets
// together, [WithFailurePolicy] and [WithFleetProgress], which take the
// place of the servers' own in [Fleets.Up]; each server's Fleet keeps its
// own concurrency as a bound on that server's targets (the bound its
// pool allows). The options of targets belong to each server's
// [NewFleet], and are refused here.
func NewFleets(servers []FleetServer, opts ...FleetOption) (*Fleets, error) {
	if len(servers) == 0 {
		return nil, errors.New("hoist: NewFleets: no servers")
	}
	c := fleetConfig{concurrency: DefaultFleetConcurrency}
	for _, opt := range opts {
		if err := opt(&c); err != nil {
			return nil, fmt.Errorf("hoist: NewFleets: %w", err)
		}
	}
	if len(c.opts) > 0 || c.open != nil {
		return nil, errors.New("hoist: NewFleets: WithTargetOptions and WithDatabaseTargets are options of each server's NewFleet, not of NewFleets")
	}
	seen := map[string]bool{}
	for i, s := range servers {
		switch {
		case s.Name == "":
			return nil, fmt.Errorf("hoist: NewFleets: server %d has no name; give each server a name of its own, such as its host and port", i+1)
		case seen[s.Name]:
			return nil, fmt.Errorf("hoist: NewFleets: server %s is given twice; give each server once, with a name of its own", s.Name)
		case s.Fleet == nil:
			return nil, fmt.Errorf("hoist: NewFleets: server %s has a nil Fleet", s.Name)
		}
		seen[s.Name] = true
		if err := sameMigrations(servers[0], s); err != nil {
			return nil, err
		}
		if c.seed {
			if _, err := s.Fleet.tmpl.selectSeeds(c.seeders); err != nil {
				return nil, fmt.Errorf("hoist: NewFleets: WithFleetSeeding: server %s: %s", s.Name, strings.TrimPrefix(err.Error(), "hoist: "))
			}
		}
	}
	return &Fleets{servers: append([]FleetServer(nil), servers...), cfg: c}, nil
}

// sameMigrations refuses a server whose Fleet has other migrations than
// the first server's: a version the other lacks, or one named otherwise.
func sameMigrations(first, s FleetServer) error {
	a, b := first.Fleet.Migrations(), s.Fleet.Migrations()
	for i := range max(len(a), len(b)) {
		switch {
		case i >= len(a):
			return fmt.Errorf("hoist: NewFleets: server %s has migration %s, which server %s has not; every server takes the same migrations", s.Name, b[i], first.Name)
		case i >= len(b) || a[i].Version != b[i].Version:
			return fmt.Errorf("hoist: NewFleets: server %s has migration %s, which server %s has not; every server takes the same migrations", first.Name, a[i], s.Name)
		case a[i].Name != b[i].Name:
			return fmt.Errorf("hoist: NewFleets: migration %d is %s on server %s and %s on server %s; every server takes the same migrations",
				a[i].Version, a[i], first.Name, b[i], s.Name)
		}
	}
	return nil
}

// Servers returns the servers, in order.
func (fs *Fleets) Servers() []FleetServer { return append([]FleetServer(nil), fs.servers...) }

// Migrations returns the migrations every target of every server is
// migrated with, in order.
func (fs *Fleets) Migrations() []Migration { return fs.servers[0].Fleet.Migrations() }

// Up migrates every target of every server: it lists and reads the
// targets of each server in turn, as [Fleet.Up] does (a no-op boot
// costs a few queries per server), and only then runs the targets that
// are not up to date, of all servers together, at most the concurrency
// of [NewFleets] at once and each server's own. The targets of the
// servers are started in turn, one of each, so that every server works
// from the start.
//
// A server whose targets cannot be listed or read fails the run before
// any target runs: the error names the server, and the FleetResult has
// no targets. Otherwise, as for [Fleet.Up], under [FleetStopAtFirst] a
// failure on any server starts no further target on any, a cancelled
// ctx starts none, and every target reports its true outcome: applied,
// up to date, failed (with what it applied before) or not reached. The
// results are in the order of the servers, each server's targets in the
// order they were listed, each with its Server. The error is
// [FleetResult.Err]; the FleetResult is never nil.
func (fs *Fleets) Up(ctx context.Context) (*FleetResult, error) {
	return fs.runAction(ctx, upAction(fs.servers[0].Fleet.tmpl, math.MaxInt64))
}

// UpTo is [Fleets.Up] for the migrations with versions up to and
// including version, as [Fleet.UpTo] does on each server.
func (fs *Fleets) UpTo(ctx context.Context, version int64) (*FleetResult, error) {
	if version <= 0 {
		return &FleetResult{}, fmt.Errorf("hoist: Fleets.UpTo(%d): the version must be positive", version)
	}
	return fs.runAction(ctx, upAction(fs.servers[0].Fleet.tmpl, version))
}

// Rollback rolls back every target of every server as [Fleet.Rollback]
// does, under the bound, policy and progress of [NewFleets], as
// [Fleets.Up] runs them.
func (fs *Fleets) Rollback(ctx context.Context, opts RollbackOptions) (*FleetResult, error) {
	if opts.Steps < 0 {
		return &FleetResult{}, fmt.Errorf("hoist: Fleets.Rollback: Steps %d is negative", opts.Steps)
	}
	if opts.DryRun {
		return dryRollback(ctx, func(ctx context.Context) ([]TargetPlan, error) { return fs.PlanRollback(ctx, opts) })
	}
	return fs.runAction(ctx, rollbackAction(rollbackPick(opts)))
}

// RollbackTo rolls back every target of every server above version, as
// [Fleet.RollbackTo] does, run as [Fleets.Rollback] is.
func (fs *Fleets) RollbackTo(ctx context.Context, version int64) (*FleetResult, error) {
	if version < 0 {
		return &FleetResult{}, fmt.Errorf("hoist: Fleets.RollbackTo(%d): the version must not be negative", version)
	}
	return fs.runAction(ctx, rollbackAction(rowsAbove(version)))
}

// runAction plans every server, then runs act on the targets of all of
// them together.
func (fs *Fleets) runAction(ctx context.Context, act fleetAction) (*FleetResult, error) {
	start := time.Now()
	res := &FleetResult{}
	plans := make([]*fleetPlan, len(fs.servers))
	for i, s := range fs.servers {
		p, err := s.Fleet.plan(ctx, act)
		if err != nil {
			return res, fmt.Errorf("hoist: fleet server %s: %w", s.Name, err)
		}
		for j := range p.targets {
			p.targets[j].Server = s.Name
		}
		plans[i] = p
	}
	seed, seeders := act.seeding(fs.cfg)
	fleetRun{concurrency: fs.cfg.concurrency, policy: fs.cfg.policy, progress: fs.cfg.progress, act: act,
		seed: seed, seeders: seeders}.run(ctx, plans)
	for _, p := range plans {
		res.Targets = append(res.Targets, p.targets...)
	}
	return res.end(ctx, start)
}

// Status reads the state of every target of every server, as
// [Fleet.Status] does, taking no lock: the rows of the servers in
// order, each with its Server. An error names the server it came from.
func (fs *Fleets) Status(ctx context.Context) ([]TargetStatus, error) {
	return eachServer(fs, func(f *Fleet) ([]TargetStatus, error) { return f.Status(ctx) },
		func(row *TargetStatus, server string) { row.Server = server })
}

// eachServer reads rows from every server's Fleet in turn, names each
// row's server with name, and returns the rows of the servers in order;
// an error names the server it came from.
func eachServer[T any](fs *Fleets, read func(*Fleet) ([]T, error), name func(*T, string)) ([]T, error) {
	var out []T
	for _, s := range fs.servers {
		rows, err := read(s.Fleet)
		if err != nil {
			return nil, fmt.Errorf("hoist: fleet server %s: %w", s.Name, err)
		}
		for i := range rows {
			name(&rows[i], s.Name)
		}
		out = append(out, rows...)
	}
	return out, nil
}

// Close closes every server's Fleet ([Fleet.Close]).
func (fs *Fleets) Close() error {
	var errs []error
	for _, s := range fs.servers {
		if err := s.Fleet.Close(); err != nil {
			errs = append(errs, fmt.Errorf("hoist: fleet server %s: %w", s.Name, err))
		}
	}
	return errors.Join(errs...)
}
