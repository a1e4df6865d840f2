package sdk

import (
	"context"
)

// Fleet repair (docs/decisions.md, "Fleet repair"): Migrator.Repair on
// every target, run by fleetRun as Up is, so that an operator who put
// the schemas of a fleet right by hand after a migration stopped half
// way (a killed process, a failed non-transactional migration) can
// forget the failed and running rows of each.

// Repair forgets, on every target, the migrations recorded as failed or
// as running, as [Migrator.Repair] does on one database: it deletes
// their history rows, so that each is pending and the next [Fleet.Up]
// runs it again from the start. Call it after bringing the schema of
// every dirty target, by hand, to where it is without those migrations:
// Repair cannot tell a target put right from one left half way, and a
// target repaired without being put right runs the migration again on
// what is left of it. To repair some targets only, build a Fleet of
// them ([TargetList]).
//
// The targets run as [Fleet.Up] runs them: each under its own lock, at
// most the fleet's concurrency at once, with its failure policy,
// progress, two passes (a target whose lock another process holds is
// left for the second) and cancellation. Each TargetResult has Repair,
// the target's [RepairResult] (nil when its repair did not begin), and
// an empty Result. A target that had rows to forget is
// [TargetRepaired]; one with none (a clean history, or none at all) is
// [TargetUpToDate], left as it was, as wanted; a target that does not
// exist is [TargetFailed] with [ErrNoTarget]. A repaired target is no
// longer known to [Fleet.Ensure] as migrated, and this Fleet forgets
// the failure of its last run ([Fleet.Status]).
//
// The error is [FleetResult.Err]; the FleetResult is never nil.
func (f *Fleet) Repair(ctx context.Context) (*FleetResult, error) {
	return f.runAction(ctx, repairAction())
}

// Repair forgets the failed and running migrations of every target of
// every server, as [Fleet.Repair] does on each, under the bound, policy
// and progress of [NewFleets], as [Fleets.Up] runs them.
func (fs *Fleets) Repair(ctx context.Context) (*FleetResult, error) {
	return fs.runAction(ctx, repairAction())
}

// repairAction runs Migrator.Repair on each target and migrates
// nothing. A failed repair removed nothing (its rows go in one
// transaction), so its outcome has no RepairResult.
func repairAction() fleetAction {
	return fleetAction{
		do: func(ctx context.Context, f *Fleet, name string, m *Migrator) (targetOutcome, error) {
			rep, err := repairTarget(ctx, f, name, m)
			if err != nil {
				return targetOutcome{res: &Result{}}, err
			}
			return targetOutcome{res: &Result{}, repair: rep, changed: rep != nil && len(rep.Removed) > 0}, nil
		},
		changed: TargetRepaired,
	}
}

// repairTarget repairs one target of a run: Migrator.Repair under the
// target's lock (errLockBusy in the first pass when another process
// holds it). A target with something repaired must be migrated again
// by Ensure.
func repairTarget(ctx context.Context, f *Fleet, name string, m *Migrator) (*RepairResult, error) {
	res, err := m.Repair(ctx)
	if res != nil && len(res.Removed) > 0 && err == nil {
		f.forgetEnsured(name)
	}
	return res, err
}
