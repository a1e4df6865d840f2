package sdk

import (
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
	"sync"
	"sync/atomic"
	"time"
)

// TargetState is what a fleet run did to one target.
type TargetState int

const (
	// TargetNotReached: the run stopped (a failure under
	// [FleetStopAtFirst], or a cancelled context) before it began this
	// target, which is as it was.
	TargetNotReached TargetState = iota
	// TargetUpToDate: nothing was pending, or another migrator applied
	// it. In a rollback: nothing was to be rolled back (RollbackTo: no
	// migration above the version is applied), or another process
	// rolled it back. In a seed-only run ([Fleet.Seed]): every selected
	// seeder is a Once seeder that had run, so none ran. In a repair
	// ([Fleet.Repair]): no migration was recorded as failed or running.
	TargetUpToDate
	// TargetApplied: this run applied migrations to the target. In a
	// seed-only run ([Fleet.Seed]): a seeder ran on it (Seed lists it).
	TargetApplied
	// TargetFailed: the target's run failed; Err says why, and Result
	// lists what was applied (or rolled back) before.
	TargetFailed
	// TargetRolledBack: this run rolled back migrations of the target
	// ([Fleet.Rollback], [Fleet.RollbackTo]); Result lists them. A
	// rollback that found nothing to roll back leaves the target
	// TargetUpToDate: unchanged by this run, as wanted.
	TargetRolledBack
	// TargetRepaired: this run forgot failed or running migrations of
	// the target ([Fleet.Repair]); Repair lists them. A repair that found
	// none leaves the target TargetUpToDate: unchanged, as wanted.
	TargetRepaired
)

func (s TargetState) String() string {
	switch s {
	case TargetNotReached:
		return "not reached"
	case TargetUpToDate:
		return "up to date"
	case TargetApplied:
		return "applied"
	case TargetFailed:
		return "failed"
	case TargetRolledBack:
		return "rolled back"
	case TargetRepaired:
		return "repaired"
	}
	return fmt.Sprintf("TargetState(%d)", int(s))
}

// TargetResult is one target's outcome in a [FleetResult].
type TargetResult struct {
	Target string
	// Server is the name of the target's server in a run of [Fleets];
	// "" in a run of one [Fleet].
	Server string
	State  TargetState
	Result *Result // nil unless the target's own run began
	// Seed is what the seeders did on the target in a run with
	// [WithFleetSeeding] or in [Fleet.Seed]: nil when seeding did not
	// begin (without it, or the migration failed, or the target was not
	// reached); when a seeder failed, the seeders that ran before it.
	Seed *SeedResult
	// Repair is what [Fleet.Repair] forgot on the target: nil when its
	// repair did not succeed (it does not exist, was not reached, or
	// failed, which removes nothing) and in the other runs.
	Repair *RepairResult
	Err    error
}

// FleetResult is the outcome of a fleet run ([Fleet.Up], [Fleet.UpTo],
// [Fleet.Rollback], [Fleet.RollbackTo], [Fleet.Seed], [Fleet.Repair]), one entry per
// target in the order the targets were listed.
type FleetResult struct {
	Targets  []TargetResult
	Duration time.Duration
}

// Count returns how many targets ended in state s.
func (r *FleetResult) Count(s TargetState) int {
	n := 0
	for _, t := range r.Targets {
		if t.State == s {
			n++
		}
	}
	return n
}

// Err joins the errors of the failed targets, each naming its target,
// and says how many targets were not reached; nil when every target is
// up to date.
func (r *FleetResult) Err() error {
	var errs []error
	for _, t := range r.Targets {
		switch {
		case t.State == TargetFailed && t.Server != "":
			errs = append(errs, fmt.Errorf("fleet target %s on server %s: %w", t.Target, t.Server, t.Err))
		case t.State == TargetFailed:
			errs = append(errs, fmt.Errorf("fleet target %s: %w", t.Target, t.Err))
		}
	}
	if n := r.Count(TargetNotReached); n > 0 {
		errs = append(errs, fmt.Errorf("hoist: fleet: %d of %d targets not reached", n, len(r.Targets)))
	}
	return errors.Join(errs...)
}

// Up migrates every target, at most the fleet's concurrency at once, each
// under its own lock with the boot protocol of [Migrator.Up]. It first
// reads the history of every target in a few queries (fleetScan), and
// runs only the targets that are not clearly up to date: a no-op boot of
// the whole fleet sends a handful of queries, not one per target. At
// the end it marks each schema of a fleet of schemas that it found or
// left up to date (fleet_mark.go), so that the next boot reads the
// marks in its catalog query instead of the histories.
//
// Targets whose lock another migrator holds (another replica running the
// same fleet) are skipped in a first pass and waited for in a second, so
// that replicas share the work rather than queue behind each other.
//
// Under [FleetStopAtFirst] a failure starts no further target; a
// cancelled ctx starts none either, and the targets already running
// report their own true outcome ([Migrator.Up]). The error is
// [FleetResult.Err]; the FleetResult is never nil.
func (f *Fleet) Up(ctx context.Context) (*FleetResult, error) {
	return f.runAction(ctx, upAction(f.tmpl, math.MaxInt64))
}

// runAction plans the fleet and runs act on the targets that need it.
func (f *Fleet) runAction(ctx context.Context, act fleetAction) (*FleetResult, error) {
	start := time.Now()
	res := &FleetResult{}
	p, err := f.plan(ctx, act)
	if p != nil {
		res.Targets = p.targets
	}
	if err != nil {
		return res, err
	}
	seed, seeders := act.seeding(f.cfg)
	fleetRun{concurrency: f.cfg.concurrency, policy: f.cfg.policy, progress: f.cfg.progress, act: act,
		seed: seed, seeders: seeders}.run(ctx, []*fleetPlan{p})
	return res.end(ctx, start)
}

// end sets the run's duration and returns res with its error, joined
// with the cause of ctx when the run was cancelled: the end of
// [Fleet.Up] and [Fleets.Up].
func (r *FleetResult) end(ctx context.Context, start time.Time) (*FleetResult, error) {
	r.Duration = time.Since(start)
	if err := r.Err(); err != nil {
		if ctx.Err() != nil {
			err = errors.Join(err, context.Cause(ctx))
		}
		return r, err
	}
	return r, nil
}

// fleetPlan is one fleet's targets before a run: each target's result,
// settled already for those the scan found up to date or missing, and
// which of them are to run.
type fleetPlan struct {
	fleet   *Fleet
	targets []TargetResult
	work    []int                 // indexes of targets to run, in order
	scan    map[string]targetScan // what the scan read, marks included
}

// plan lists the fleet's targets and reads their histories (scanAll),
// settling those that need no run of act (for an Up, the targets up to
// date to act.upTo; for a rollback, only those that do not exist): the
// part of a run before any target runs, which [Fleets] does for every
// server first. When the histories cannot be read, the plan lists the
// targets, none reached.
func (f *Fleet) plan(ctx context.Context, act fleetAction) (*fleetPlan, error) {
	names, err := f.Targets(ctx)
	if err != nil {
		return nil, err
	}
	p := &fleetPlan{fleet: f, targets: make([]TargetResult, len(names))}
	for i, s := range names {
		p.targets[i].Target = s
	}
	scan, err := f.scanAll(ctx, names)
	if err != nil {
		return p, err
	}
	p.scan = scan
	for i, s := range names {
		m, err := f.judge(s)
		if err != nil {
			p.targets[i].State, p.targets[i].Err = TargetFailed, err
			continue
		}
		if scan[s].noSchema {
			p.targets[i].State, p.targets[i].Err = TargetFailed, noTargetError{noun: f.kind.noun(), name: s}
			continue
		}
		if st, ok := scan[s]; ok && act.upTo > 0 && st.known && st.boot(m, act.upTo) == bootDone {
			p.targets[i].State = TargetUpToDate
			f.remember(s, nil)
			continue
		}
		p.work = append(p.work, i)
	}
	return p, nil
}

// fleetRun runs the planned targets of one fleet or several (one per
// server) under one bound of concurrency, one failure policy and one
// progress callback. Each fleet's own concurrency bounds its targets
// besides, as its pool may allow no more.
type fleetRun struct {
	concurrency int
	policy      FailurePolicy
	progress    func(TargetResult, int, int)
	act         fleetAction
	seed        bool     // WithFleetSeeding: seed each target after migrating it
	seeders     []string // the seeders to run, all when empty
}

// runItem is one target to run: the fleet it belongs to and its result.
type runItem struct {
	fleet *Fleet
	t     *TargetResult
}

// run runs the targets of plans that remain to run, and reports every
// target's outcome to the progress callback, the settled ones first.
// The targets of several plans are taken in turn, one of each plan, so
// that every server is busy from the start.
func (r fleetRun) run(ctx context.Context, plans []*fleetPlan) {
	var (
		wg      sync.WaitGroup
		stopped atomic.Bool
		sem     = make(chan struct{}, r.concurrency)
		pmu     sync.Mutex
		ended   int
		total   int
		failed  bool
		work    []runItem
		perSem  = map[*Fleet]chan struct{}{}
	)
	for _, p := range plans {
		total += len(p.targets)
		perSem[p.fleet] = make(chan struct{}, p.fleet.cfg.concurrency)
		if r.seed {
			p.seedAll()
		}
	}
	report := func(t *TargetResult) {
		if r.progress == nil {
			return
		}
		pmu.Lock()
		defer pmu.Unlock()
		ended++
		r.progress(*t, ended, total)
	}
	for _, p := range plans {
		for i := range p.targets {
			if t := &p.targets[i]; t.State != TargetNotReached {
				failed = failed || t.State == TargetFailed
				report(t)
			}
		}
	}
	for k := 0; ; k++ {
		more := false
		for _, p := range plans {
			if k < len(p.work) {
				work = append(work, runItem{fleet: p.fleet, t: &p.targets[p.work[k]]})
				more = true
			}
		}
		if !more {
			break
		}
	}
	// A target that failed before any ran (a missing schema) stops the
	// run as a failed migration would.
	stopped.Store(r.policy == FleetStopAtFirst && failed)
	// The first pass skips the targets whose lock another migrator holds
	// (another replica migrating the same fleet), so that two replicas
	// share the work instead of queueing behind each other's targets in
	// the same order; the second pass waits for those locks, and mostly
	// finds the targets up to date.
	var (
		busyMu sync.Mutex
		busy   []int
	)
	acquire := func(c chan struct{}) bool {
		select {
		case c <- struct{}{}:
		case <-ctx.Done():
			return false
		}
		if stopped.Load() || ctx.Err() != nil {
			<-c
			return false
		}
		return true
	}
	pass := func(order []int, runCtx context.Context) {
		for _, i := range order {
			it := work[i]
			if stopped.Load() || ctx.Err() != nil || !acquire(perSem[it.fleet]) {
				break
			}
			if !acquire(sem) {
				<-perSem[it.fleet]
				break
			}
			wg.Add(1)
			go func(i int, f *Fleet, t *TargetResult) {
				defer func() { <-sem; <-perSem[f]; wg.Done() }()
				m, closeTarget, err := f.target(t.Target)
				var out targetOutcome
				if err == nil {
					out, err = r.act.do(runCtx, f, t.Target, m)
					if t.Result != nil && len(t.Result.Applied) > 0 && out.res != nil && len(out.res.Applied) == 0 {
						out.res, out.changed = t.Result, true // applied by the first pass, whose seeding found the lock busy
					}
					if err == nil && r.seed {
						out.seed, err = seedTarget(runCtx, m, r.seeders, false)
					}
					closeTarget()
				}
				if errors.Is(err, errLockBusy) {
					t.Result = out.res
					busyMu.Lock()
					busy = append(busy, i)
					busyMu.Unlock()
					return
				}
				t.Result, t.Seed, t.Repair = out.res, out.seed, out.repair
				if !r.act.keepFailures {
					f.remember(t.Target, err)
				}
				switch {
				case err != nil:
					t.State, t.Err = TargetFailed, err
					if r.policy == FleetStopAtFirst {
						stopped.Store(true)
					}
				case out.changed:
					t.State = r.act.changed
				default:
					t.State = TargetUpToDate
				}
				report(t)
			}(i, it.fleet, it.t)
		}
		wg.Wait()
	}
	first := make([]int, len(work))
	for i := range work {
		first[i] = i
	}
	pass(first, withSkipBusy(ctx))
	slices.Sort(busy)
	pass(busy, ctx)
	if !r.act.mark {
		return
	}
	for _, p := range plans {
		p.fleet.markUpToDate(ctx, p.scan, p.targets)
	}
}

// seedAll puts back in the run the targets that the scan found up to
// date, for a run that seeds every target (WithFleetSeeding).
func (p *fleetPlan) seedAll() {
	p.work = p.work[:0]
	for i := range p.targets {
		t := &p.targets[i]
		if t.State == TargetUpToDate && t.Result == nil {
			t.State = TargetNotReached
		}
		if t.State == TargetNotReached {
			p.work = append(p.work, i)
		}
	}
}

// noTargetError is the failure of a target that does not exist: it
// is [ErrNoTarget].
type noTargetError struct{ noun, name string }

func (e noTargetError) Error() string {
	return fmt.Sprintf("hoist: %s %s does not exist; create it, or use Fleet.Ensure, which does", e.noun, e.name)
}

func (e noTargetError) Is(target error) bool { return target == ErrNoTarget }

// judge returns the Migrator whose migrations and options judge a
// target's scanned history: a schema's own, or the template every
// database target shares.
func (f *Fleet) judge(s string) (*Migrator, error) {
	if f.kind == kindSchemas {
		return f.Migrator(s)
	}
	if err := f.kind.checkName(s); err != nil {
		return nil, err
	}
	return f.tmpl, nil
}
