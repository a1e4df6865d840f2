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
		case st.UpToDate():
			out[i].Result = &Result{DryRun: true}
			continue
		}
		wg.Add(1)
		sem <- struct{}{}
		go func(p *TargetPlan) {
			defer func() { <-sem; wg.Done() }()
			p.Result, p.Err = f.planTarget(ctx, p.Target)
		}(&out[i])
	}
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("hoist: fleet dry run: %w", context.Cause(ctx))
	}
	return out, nil
}

// planTarget is [Migrator.Plan] of one target.
func (f *Fleet) planTarget(ctx context.Context, name string) (*Result, error) {
	m, closeTarget, err := f.target(name)
	if err != nil {
		return nil, err
	}
	defer closeTarget()
	res, err := m.Plan(ctx)
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
	return eachServer(fs, func(f *Fleet) ([]TargetPlan, error) { return f.Plan(ctx) },
		func(p *TargetPlan, server string) { p.Server, p.Status.Server = server, server })
}
