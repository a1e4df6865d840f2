package sdk

import (
	"context"
	"fmt"
	"sync"
)

// TargetPlan is what [Fleet.Up] would do to one target, as [Fleet.Plan]
// reads it.
type TargetPlan struct {
	Target string
	// Server is the name of the target's server in [Fleets.Plan]; "" in
	// [Fleet.Plan].
	Server string
	// Status is the target's state, as [Fleet.Status] reads it: who
	// holds its lock, for one.
	Status TargetStatus
	// Result is what Up would run on the target, as [Migrator.Plan]
	// gives it (DryRun set, each migration with its SQL): no migration
	// for a target that is up to date. Nil when Err is set.
	Result *Result
	// Err says why Up would fail on the target before running any of its
	// migrations: it does not exist, its history records a failed
	// migration, a pending migration is out of order, or an applied one
	// was edited under ChecksumStrict.
	Err error
}

// Plan is the dry run of [Fleet.Up]: what Up would run on each target
// now, read without running anything and without taking any lock. It
// reads the state of every target as [Fleet.Status] does (a few
// queries), then the history of each target that is not up to date
// ([Migrator.Plan]), at most the fleet's concurrency at once. The plans
// are in the order the targets were listed. A target Up would fail on
// has its Err; the error is for a fleet whose targets cannot be listed
// or read.
//
// In a fleet of schemas, a schema migration ([DialectMigration]) shows
// no SQL: it is rendered against the tenant's schema, which a dry run
// reads with no search path set for it.
func (f *Fleet) Plan(ctx context.Context) ([]TargetPlan, error) {
	return f.planEach(ctx, true, func(ctx context.Context, m *Migrator) (*Result, error) { return m.Plan(ctx) })
}

// PlanTo is the dry run of [Fleet.UpTo]: what UpTo(version) would run
// on each target now, as [Migrator.PlanTo] reads it, in the way of
// [Fleet.Plan].
func (f *Fleet) PlanTo(ctx context.Context, version int64) ([]TargetPlan, error) {
	if version <= 0 {
		return nil, fmt.Errorf("hoist: Fleet.PlanTo(%d): the version must be positive", version)
	}
	return f.planEach(ctx, false, func(ctx context.Context, m *Migrator) (*Result, error) { return m.PlanTo(ctx, version) })
}

// PlanRollback is the dry run of [Fleet.Rollback]: what Rollback(opts)
// would roll back on each target now (each Result with DryRun set, its
// migrations with their down SQL, newest first), read without running
// anything and without taking any lock. A target the rollback would
// fail on (a migration without a down, a failed migration in its
// history) has its Err.
func (f *Fleet) PlanRollback(ctx context.Context, opts RollbackOptions) ([]TargetPlan, error) {
	if opts.Steps < 0 {
		return nil, fmt.Errorf("hoist: Fleet.PlanRollback: Steps %d is negative", opts.Steps)
	}
	pick := rollbackPick(opts)
	return f.planEach(ctx, false, func(ctx context.Context, m *Migrator) (*Result, error) { return m.down(ctx, true, pick) })
}

// PlanRollbackTo is the dry run of [Fleet.RollbackTo], as
// [Fleet.PlanRollback] reads it.
func (f *Fleet) PlanRollbackTo(ctx context.Context, version int64) ([]TargetPlan, error) {
	if version < 0 {
		return nil, fmt.Errorf("hoist: Fleet.PlanRollbackTo(%d): the version must not be negative", version)
	}
	return f.planEach(ctx, false, func(ctx context.Context, m *Migrator) (*Result, error) { return m.down(ctx, true, rowsAbove(version)) })
}

// planEach reads the state of every target ([Fleet.Status]), then plans
// each that exists with plan, at most the fleet's concurrency at once;
// with skipUpToDate, a target whose status is up to date is planned as
// running nothing without reading it again.
func (f *Fleet) planEach(ctx context.Context, skipUpToDate bool, plan func(context.Context, *Migrator) (*Result, error)) ([]TargetPlan, error) {
	rows, err := f.Status(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]TargetPlan, len(rows))
	var (
		wg  sync.WaitGroup
		sem = make(chan struct{}, f.cfg.concurrency)
	)
	for i, st := range rows {
		out[i] = TargetPlan{Target: st.Target, Status: st}
		switch {
		case st.NoSchema:
			out[i].Err = noTargetError{noun: f.kind.noun(), name: st.Target}
			continue
		case skipUpToDate && st.UpToDate():
			out[i].Result = &Result{DryRun: true}
			continue
		}
		wg.Add(1)
		sem <- struct{}{}
		go func(p *TargetPlan) {
			defer func() { <-sem; wg.Done() }()
			p.Result, p.Err = f.planTarget(ctx, p.Target, plan)
			if p.Err != nil {
				p.Result = nil
			}
		}(&out[i])
	}
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("hoist: fleet dry run: %w", context.Cause(ctx))
	}
	return out, nil
}

// planTarget is plan ([Migrator.Plan], say) of one target.
func (f *Fleet) planTarget(ctx context.Context, name string, plan func(context.Context, *Migrator) (*Result, error)) (*Result, error) {
	m, closeTarget, err := f.target(name)
	if err != nil {
		return nil, err
	}
	defer closeTarget()
	res, err := plan(ctx, m)
	if err != nil {
		return nil, err
	}
	if f.kind == kindSchemas {
		for i, a := range res.Applied {
			if mig, ok := m.migration(a.Version); ok && mig.dialectSteps != nil {
				res.Applied[i].SQL = nil
				res.Applied[i].Note = "SQL not shown: in a fleet of schemas it is rendered against the tenant's schema, which a dry run does not read"
			}
		}
	}
	return res, nil
}

// Plan is the dry run of [Fleets.Up]: [Fleet.Plan] of every server in
// turn, the plans of the servers in order, each with its Server. An
// error names the server it came from.
func (fs *Fleets) Plan(ctx context.Context) ([]TargetPlan, error) {
	return eachServer(fs, func(f *Fleet) ([]TargetPlan, error) { return f.Plan(ctx) }, namePlan)
}

// PlanTo is the dry run of [Fleets.UpTo]: [Fleet.PlanTo] of every server
// in turn, as [Fleets.Plan] reads them.
func (fs *Fleets) PlanTo(ctx context.Context, version int64) ([]TargetPlan, error) {
	return eachServer(fs, func(f *Fleet) ([]TargetPlan, error) { return f.PlanTo(ctx, version) }, namePlan)
}

// PlanRollback is the dry run of [Fleets.Rollback]: [Fleet.PlanRollback]
// of every server in turn.
func (fs *Fleets) PlanRollback(ctx context.Context, opts RollbackOptions) ([]TargetPlan, error) {
	return eachServer(fs, func(f *Fleet) ([]TargetPlan, error) { return f.PlanRollback(ctx, opts) }, namePlan)
}

// PlanRollbackTo is the dry run of [Fleets.RollbackTo]:
// [Fleet.PlanRollbackTo] of every server in turn.
func (fs *Fleets) PlanRollbackTo(ctx context.Context, version int64) ([]TargetPlan, error) {
	return eachServer(fs, func(f *Fleet) ([]TargetPlan, error) { return f.PlanRollbackTo(ctx, version) }, namePlan)
}

func namePlan(p *TargetPlan, server string) { p.Server, p.Status.Server = server, server }
