package sdk

import (
	"context"
	"fmt"
	"math"
	"sync"
	"time"
)

// The operations of a fleet other than Up: UpTo, Rollback, RollbackTo.
// Each is a fleetAction that fleetRun runs on every target, with the
// plan, passes, bounds, policy and progress of Up (fleet_run.go).

// UpTo is [Fleet.Up] for the migrations with versions up to and
// including version: on every target what [Migrator.UpTo] does. A
// target that has every migration up to the version applied is up to
// date for this run, whatever it has above the version; nothing above
// the version runs anywhere. A schema is marked up to date
// (fleet_mark.go) only when its history holds every migration of the
// set, so UpTo below the newest migration marks none.
func (f *Fleet) UpTo(ctx context.Context, version int64) (*FleetResult, error) {
	if version <= 0 {
		return &FleetResult{}, fmt.Errorf("hoist: Fleet.UpTo(%d): the version must be positive", version)
	}
	return f.runAction(ctx, upAction(f.tmpl, version))
}

// Rollback rolls back every target as [Migrator.Rollback] does (the
// last batch, or opts.Steps migrations, newest first), each under its
// own lock, at most the fleet's concurrency at once, with the fleet's
// failure policy and progress. A target that had something rolled back
// is [TargetRolledBack]; one with nothing to roll back,
// [TargetUpToDate].
//
// What is rolled back on a target is decided by the first reading of
// its history in this run, before its lock is taken: a target that was
// busy in the first pass (another process held its lock) and is waited
// for in the second has those same migrations rolled back, the ones of
// them still applied, not the batch before. Two processes that run the
// same relative rollback at once thus roll back each target once when
// both read it before either has rolled it back; [Fleet.RollbackTo]
// rolls back each target once however they interleave.
//
// With opts.DryRun it runs and locks nothing: each target's Result is
// what would be rolled back (DryRun set, SQL included), and its state
// [TargetRolledBack] when there is any, as [Fleet.PlanRollback] reads
// it.
func (f *Fleet) Rollback(ctx context.Context, opts RollbackOptions) (*FleetResult, error) {
	if opts.Steps < 0 {
		return &FleetResult{}, fmt.Errorf("hoist: Fleet.Rollback: Steps %d is negative", opts.Steps)
	}
	if opts.DryRun {
		return dryRollback(ctx, func(ctx context.Context) ([]TargetPlan, error) { return f.PlanRollback(ctx, opts) })
	}
	return f.runAction(ctx, rollbackAction(rollbackPick(opts)))
}

// RollbackTo rolls back, on every target, each applied migration with a
// version above version, newest first, as [Migrator.RollbackTo] does;
// RollbackTo(ctx, 0) rolls back every migration of every target. It runs
// as [Fleet.Rollback] does.
func (f *Fleet) RollbackTo(ctx context.Context, version int64) (*FleetResult, error) {
	if version < 0 {
		return &FleetResult{}, fmt.Errorf("hoist: Fleet.RollbackTo(%d): the version must not be negative", version)
	}
	return f.runAction(ctx, rollbackAction(rowsAbove(version)))
}

// fleetAction is what a fleet run does to each target: apply
// migrations (Up, UpTo), roll them back, seed (Seed) or repair (Repair).
type fleetAction struct {
	// do runs on one target of fleet f, named name, with its Migrator.
	do func(ctx context.Context, f *Fleet, name string, m *Migrator) (targetOutcome, error)
	// changed is the state of a target that do changed.
	changed TargetState
	// upTo is the version an Up runs to: the plan settles the targets
	// whose scanned history has every migration up to it. 0 for a
	// rollback, which the plan settles none of.
	upTo int64
	// mark: mark the schemas found or left up to date (fleet_mark.go);
	// only for a run to the end of the set.
	mark bool
	// seed: seed each target after its migration when the fleet seeds
	// ([WithFleetSeeding]); only for Up, as seeders expect every
	// migration (migrate --seed runs after a full migrate too).
	seed bool
	// keepFailures: the run says nothing of the targets' migrations
	// ([Fleet.Seed]), so the failures this process remembers of them
	// (Status) are left alone.
	keepFailures bool
}

// targetOutcome is what do did to one target: the TargetResult's
// Result, Seed and Repair, and whether it changed the target.
type targetOutcome struct {
	res     *Result
	seed    *SeedResult
	repair  *RepairResult
	changed bool
}

// migrated is the outcome of a run of migrations, up or down.
func migrated(res *Result) targetOutcome {
	return targetOutcome{res: res, changed: res != nil && len(res.Applied) > 0}
}

// seeding says whether a run of act on a fleet configured with c seeds
// each target after act, and with which seeders (all when none).
func (act fleetAction) seeding(c fleetConfig) (bool, []string) {
	return act.seed && c.seed, c.seeders
}

// upAction applies the migrations up to version on each target.
func upAction(tmpl *Migrator, version int64) fleetAction {
	last := int64(0)
	if n := len(tmpl.migrations); n > 0 {
		last = tmpl.migrations[n-1].Version
	}
	return fleetAction{
		do: func(ctx context.Context, _ *Fleet, _ string, m *Migrator) (targetOutcome, error) {
			res, err := m.upTo(ctx, version)
			return migrated(res), err
		},
		changed: TargetApplied,
		upTo:    version,
		mark:    version >= last,
		seed:    version == math.MaxInt64,
	}
}

// rollbackAction rolls back the rows pick chooses on each target. The
// rows are chosen once per target and run, from the history read
// before the target's lock is taken (pinned), so that the second pass
// of a run rolls back what the first would have, not one batch more
// after another process's rollback of it. A pick that depends only on
// the version (RollbackTo) is the same whenever it is read.
func rollbackAction(pick func(*history) []HistoryEntry) fleetAction {
	type key struct {
		f    *Fleet
		name string
	}
	var (
		mu     sync.Mutex
		pinned = map[key]map[int64]bool{}
	)
	return fleetAction{
		do: func(ctx context.Context, f *Fleet, name string, m *Migrator) (targetOutcome, error) {
			mu.Lock()
			pin, ok := pinned[key{f, name}]
			mu.Unlock()
			if !ok {
				h, err := m.readHistory(ctx, m.db)
				if err != nil {
					return migrated(&Result{}), err
				}
				pin = map[int64]bool{}
				for _, r := range pick(h) {
					pin[r.Version] = true
				}
				mu.Lock()
				pinned[key{f, name}] = pin
				mu.Unlock()
			}
			// Ensure must migrate the target again once anything of it
			// may have been rolled back.
			defer f.forgetEnsured(name)
			res, err := m.down(ctx, false, func(h *history) []HistoryEntry {
				var out []HistoryEntry
				for _, r := range h.applied() {
					if pin[r.Version] {
						out = append(out, r)
					}
				}
				return out
			})
			return migrated(res), err
		},
		changed: TargetRolledBack,
	}
}

// forgetEnsured forgets that [Fleet.Ensure] migrated target, so that
// its next call migrates it again.
func (f *Fleet) forgetEnsured(target string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	delete(f.ensured, target)
}

// rollbackPick is the rows [Migrator.Rollback] picks for opts.
func rollbackPick(opts RollbackOptions) func(*history) []HistoryEntry {
	if opts.Steps > 0 {
		return lastRows(opts.Steps)
	}
	return lastBatchRows
}

// dryRollback is the FleetResult of a rollback's dry run: each target's
// plan, [TargetRolledBack] when it has migrations to roll back,
// [TargetUpToDate] when none, [TargetFailed] when the rollback would
// fail on it.
func dryRollback(ctx context.Context, plan func(context.Context) ([]TargetPlan, error)) (*FleetResult, error) {
	start := time.Now()
	res := &FleetResult{}
	plans, err := plan(ctx)
	if err != nil {
		return res, err
	}
	for _, p := range plans {
		t := TargetResult{Target: p.Target, Server: p.Server, Result: p.Result, Err: p.Err}
		switch {
		case p.Err != nil:
			t.State = TargetFailed
		case len(p.Result.Applied) > 0:
			t.State = TargetRolledBack
		default:
			t.State = TargetUpToDate
		}
		res.Targets = append(res.Targets, t)
	}
	return res.end(ctx, start)
}
