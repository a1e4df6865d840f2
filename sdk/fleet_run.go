package sdk

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/hoistdb/hoist/dialect"
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
	// rolled it back.
	TargetUpToDate
	// TargetApplied: this run applied migrations to the target.
	TargetApplied
	// TargetFailed: the target's run failed; Err says why, and Result
	// lists what was applied (or rolled back) before.
	TargetFailed
	// TargetRolledBack: this run rolled back migrations of the target
	// ([Fleet.Rollback], [Fleet.RollbackTo]); Result lists them. A
	// rollback that found nothing to roll back leaves the target
	// TargetUpToDate: unchanged by this run, as wanted.
	TargetRolledBack
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
	// [WithFleetSeeding]: nil when seeding did not begin (without it, or
	// the migration failed, or the target was not reached); when a
	// seeder failed, the seeders that ran before it.
	Seed *SeedResult
	Err  error
}

// FleetResult is the outcome of a fleet run ([Fleet.Up], [Fleet.UpTo],
// [Fleet.Rollback], [Fleet.RollbackTo]), one entry per target in the
// order the targets were listed.
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
	fleetRun{concurrency: f.cfg.concurrency, policy: f.cfg.policy, progress: f.cfg.progress, act: act,
		seed: act.seed && f.cfg.seed, seeders: f.cfg.seeders}.run(ctx, []*fleetPlan{p})
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
				var (
					res  *Result
					seed *SeedResult
				)
				if err == nil {
					res, err = r.act.do(runCtx, f, t.Target, m)
					if t.Result != nil && len(t.Result.Applied) > 0 && res != nil && len(res.Applied) == 0 {
						res = t.Result // applied by the first pass, whose seeding found the lock busy
					}
					if err == nil && r.seed {
						seed, err = r.seedTarget(runCtx, m)
					}
					closeTarget()
				}
				if errors.Is(err, errLockBusy) {
					t.Result = res
					busyMu.Lock()
					busy = append(busy, i)
					busyMu.Unlock()
					return
				}
				t.Result, t.Seed = res, seed
				f.remember(t.Target, err)
				switch {
				case err != nil:
					t.State, t.Err = TargetFailed, err
					if r.policy == FleetStopAtFirst {
						stopped.Store(true)
					}
				case len(res.Applied) > 0:
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

// TargetStatus is one row of [Fleet.Status].
type TargetStatus struct {
	Target string
	// Server is the name of the target's server in [Fleets.Status]; ""
	// in [Fleet.Status].
	Server string
	// Pending counts the migrations not applied to the target; all of
	// them where it has no history table yet.
	Pending int
	// FailedAt is the version of a failed (or running) history row, 0
	// when none.
	FailedAt int64
	// Changed: an applied migration's file no longer matches its checksum.
	Changed bool
	// NoSchema: the schema (or the database, or the file) does not
	// exist.
	NoSchema bool
	// LockedBy describes the session holding the target's migration lock
	// (see [dialect.Lock]), for a target that is not up to date; "" when
	// nobody holds it.
	LockedBy string
	// Err is the error of this Fleet's last run of the target (Up or
	// Ensure, in this process) when it failed and the target is still not
	// up to date. A migration that failed in a transaction leaves nothing
	// in the history, so another process sees it as pending; in this one
	// Err holds its *MigrationError, and FailedAt its version.
	Err error

	noun string // what a target is: schema, database, file
}

// UpToDate says whether nothing is pending, failed or changed.
func (s TargetStatus) UpToDate() bool {
	return s.Pending == 0 && s.FailedAt == 0 && !s.Changed && !s.NoSchema
}

func (s TargetStatus) String() string {
	switch {
	case s.NoSchema && s.noun != "":
		return "no " + s.noun
	case s.NoSchema:
		return "no schema"
	case s.LockedBy != "":
		return "locked by " + s.LockedBy
	case s.FailedAt != 0:
		return fmt.Sprintf("failed at %d", s.FailedAt)
	case s.Changed:
		return "changed"
	case s.Pending > 0:
		return fmt.Sprintf("pending %d", s.Pending)
	}
	return "up to date"
}

// Status reads the state of every target in the same few queries as the
// start of [Fleet.Up], taking no lock: a matrix of targets × state. On
// PostgreSQL databases and SQLite files, which no one query can read
// together, it reads each target's history through a pool of its own.
func (f *Fleet) Status(ctx context.Context) ([]TargetStatus, error) {
	names, err := f.Targets(ctx)
	if err != nil {
		return nil, err
	}
	scan, err := f.scanAll(ctx, names)
	if err != nil {
		return nil, err
	}
	out := make([]TargetStatus, len(names))
	for i, s := range names {
		m, err := f.judge(s)
		if err != nil {
			return nil, err
		}
		t := scan[s]
		var target *Migrator // the database target's own, opened when needed
		if !t.known && !t.noSchema {
			if t, target, err = f.readAlone(ctx, s); err != nil {
				return nil, err
			}
		}
		out[i] = t.status(m, s)
		out[i].noun = f.kind.noun()
		if !out[i].UpToDate() && !out[i].NoSchema {
			err := f.describe(ctx, &out[i], m, target)
			if target != nil {
				target.db.Close()
			}
			if err != nil {
				return nil, err
			}
		} else if target != nil {
			target.db.Close()
		}
	}
	return out, nil
}

// readAlone reads one target's history alone: a schema or MySQL database
// whose chunk changed under the scan, or a target that no scan reads. A
// database target's Migrator is returned open, for describe.
func (f *Fleet) readAlone(ctx context.Context, s string) (targetScan, *Migrator, error) {
	var (
		one map[string]targetScan
		err error
	)
	switch f.kind {
	case kindSchemas:
		one, err = f.scan(ctx, []string{s})
	case kindMySQLDatabases:
		one, err = f.scanMySQL(ctx, []string{s})
	default:
		m, closeTarget, err := f.openDatabase(s)
		if err != nil {
			return targetScan{}, nil, err
		}
		t, err := readTarget(ctx, m)
		if err != nil {
			closeTarget()
			return targetScan{}, nil, fmt.Errorf("hoist: fleet: reading the history of %s: %w", s, err)
		}
		return t, m, nil
	}
	if err != nil {
		return targetScan{}, nil, err
	}
	if t := one[s]; t.known {
		return t, nil, nil
	}
	return targetScan{}, nil, fmt.Errorf("hoist: fleet: reading the history of %s failed", s)
}

// describe adds to the status of a target that is not up to date who
// holds its lock, and the failure of this process's last run of it,
// which the history does not keep when a transaction undid the
// migration.
func (f *Fleet) describe(ctx context.Context, st *TargetStatus, m, target *Migrator) error {
	f.mu.Lock()
	last := f.lastErr[st.Target]
	f.mu.Unlock()
	if last != nil {
		st.Err = last
		var me *MigrationError
		if st.FailedAt == 0 && errors.As(last, &me) {
			st.FailedAt = me.Version
		}
	}
	db := f.db
	if f.kind != kindSchemas {
		if target == nil {
			var (
				closeTarget func()
				err         error
			)
			if target, closeTarget, err = f.openDatabase(st.Target); err != nil {
				return err
			}
			defer closeTarget()
		}
		db = target.db
	}
	var err error
	st.LockedBy, err = f.holder(ctx, db, m)
	return err
}

// holder describes who holds the lock of a target that is not up to
// date, "" when nobody does: one query or two per such target, none for
// the targets that are up to date.
func (f *Fleet) holder(ctx context.Context, db *sql.DB, m *Migrator) (string, error) {
	table := m.table
	if m.lock.mode == LockLease {
		// The lease is a row naming its holder, read through the pool.
		h, err := f.dialect.(dialect.LeaseLocker).NewLease(db, table, m.lock.lease).Holder(ctx)
		if err != nil {
			return "", fmt.Errorf("hoist: fleet: asking who holds the lease of %s: %w", table, err)
		}
		return h, nil
	}
	conn, err := db.Conn(ctx)
	if err != nil {
		return "", fmt.Errorf("hoist: fleet: connecting to ask for the lock of %s: %w", table, err)
	}
	defer conn.Close()
	h, err := f.dialect.NewLock(conn, table).Holder(ctx)
	if err != nil {
		return "", fmt.Errorf("hoist: fleet: asking who holds the lock of %s: %w", table, err)
	}
	return h, nil
}

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

// scanAll reads what it can of every target's history before any runs:
// the history of every schema or MySQL database in a few queries; for
// PostgreSQL databases and SQLite files only which exist (their history
// is read by each target's own boot).
func (f *Fleet) scanAll(ctx context.Context, names []string) (map[string]targetScan, error) {
	switch f.kind {
	case kindSchemas:
		return f.scan(ctx, names)
	case kindMySQLDatabases:
		return f.scanMySQL(ctx, names)
	}
	exist, err := f.existing(ctx, names)
	if err != nil {
		return nil, err
	}
	out := make(map[string]targetScan, len(names))
	for _, s := range names {
		out[s] = targetScan{noSchema: !exist[s]}
	}
	return out, nil
}

// targetScan is what fleetScan read of one target's history.
type targetScan struct {
	known    bool // the history was read (or is known to be missing)
	missing  bool // no history table
	noSchema bool // no such schema
	marked   bool // up to date by its mark (fleet_mark.go), history not read
	armed    bool // the trigger that clears the mark is in place
	rows     []scanRow
}

type scanRow struct {
	version  int64
	state    string
	checksum []byte
}

// signed is the row as the boot query reads it: the version, negated
// unless the row records an applied migration with a checksum.
func (r scanRow) signed() int64 {
	if r.state == string(StateApplied) && r.checksum != nil {
		return r.version
	}
	return -r.version
}

// boot decides the target's boot state for a run up to target from its
// scanned rows with the rules of a single Migrator's boot (up.go). A
// mark says every migration of the set is applied: done for any target.
func (t targetScan) boot(m *Migrator, target int64) bootState {
	if t.marked {
		return bootDone
	}
	if t.missing {
		return bootPending
	}
	var b bootCount
	for _, r := range t.rows {
		countBootRow(m, &b, r.signed(), r.checksum, target)
	}
	return m.bootResult(b, target)
}

func (t targetScan) status(m *Migrator, target string) TargetStatus {
	s := TargetStatus{Target: target, Pending: len(m.migrations), NoSchema: t.noSchema}
	if t.marked {
		s.Pending = 0
		return s
	}
	if !t.known || t.missing {
		return s
	}
	var b bootCount
	for _, r := range t.rows {
		if r.signed() < 0 && (s.FailedAt == 0 || r.version < s.FailedAt) {
			s.FailedAt = r.version
		}
		countBootRow(m, &b, r.signed(), r.checksum, math.MaxInt64)
	}
	s.Pending = len(m.migrations) - b.applied
	s.Changed = b.check && s.FailedAt == 0
	return s
}

// fleetScanChunk bounds the schemas of one catalog or UNION ALL query.
const fleetScanChunk = 500

// scan reads the history of every schema target (scanChunks): the
// catalog query looks in pg_namespace and pg_class.
func (f *Fleet) scan(ctx context.Context, names []string) (map[string]targetScan, error) {
	catalog := func(in string) string {
		return "SELECT n.nspname, c.oid IS NOT NULL, " + markColumn() + " FROM pg_namespace n LEFT JOIN pg_class c ON c.relnamespace = n.oid AND c.relname = " +
			quoteLiteral(DefaultTable) + " AND c.relkind IN ('r', 'p') WHERE n.nspname IN (" + in + ")"
	}
	// OFFSET 0 keeps PostgreSQL from pulling the legs up into one
	// append relation, whose planning grows with the square of the
	// legs (3 s for 1,000 legs against 0.4 s planned leg by leg).
	leg := func(s string) string {
		return "(SELECT " + quoteLiteral(s) + " AS target, version, state, checksum FROM " + f.dialect.QuoteIdent(s+"."+DefaultTable) + " OFFSET 0)"
	}
	return f.scanChunks(ctx, names, quoteLiteral, catalog, leg)
}

// scanChunks reads the history of every target through the fleet's
// pool, fleetScanChunk targets at a time: catalog, given the chunk's
// names as a list of literals (spelt by literal), selects each target that exists,
// whether it has a history table, and its up-to-date mark (markColumn;
// NULL on MySQL); one UNION ALL of leg over those that have a history
// and no mark of this migration set reads their rows (target, version,
// state, checksum). A chunk whose UNION ALL fails (a table dropped in
// between) is left unknown, for each target's own boot.
func (f *Fleet) scanChunks(ctx context.Context, names []string, literal, catalog, leg func(string) string) (map[string]targetScan, error) {
	out := make(map[string]targetScan, len(names))
	var want string // the mark of an up-to-date schema
	if f.kind == kindSchemas {
		want = upToDateMark(f.tmpl)
	}
	for lo := 0; lo < len(names); lo += fleetScanChunk {
		chunk := names[lo:min(lo+fleetScanChunk, len(names))]
		lits := make([]string, len(chunk))
		for i, s := range chunk {
			lits[i] = literal(s)
			out[s] = targetScan{known: true, missing: true, noSchema: true}
		}
		rows, err := f.db.QueryContext(ctx, catalog(strings.Join(lits, ", ")))
		if err != nil {
			return nil, fmt.Errorf("hoist: fleet: finding the targets' history tables: %w", err)
		}
		var have []string
		for rows.Next() {
			var (
				s       string
				history bool
				mark    sql.NullString
			)
			if err := rows.Scan(&s, &history, &mark); err != nil {
				rows.Close()
				return nil, err
			}
			out[s] = targetScan{known: true, missing: true}
			switch {
			case history && want != "" && mark.Valid && mark.String == want:
				out[s] = targetScan{known: true, marked: true, armed: true}
			case history:
				out[s] = targetScan{known: true, armed: mark.Valid}
				have = append(have, s)
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, err
		}
		if len(have) == 0 {
			continue
		}
		parts := make([]string, len(have))
		for i, s := range have {
			parts[i] = leg(s)
		}
		if err := f.scanRows(ctx, strings.Join(parts, " UNION ALL "), out); err != nil {
			if ctx.Err() != nil {
				return nil, err
			}
			for _, s := range have {
				out[s] = targetScan{armed: out[s].armed}
			}
		}
	}
	return out, nil
}

func (f *Fleet) scanRows(ctx context.Context, query string, out map[string]targetScan) error {
	rows, err := f.db.QueryContext(ctx, query)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var (
			s   string
			r   scanRow
			sum []byte
		)
		if err := rows.Scan(&s, &r.version, &r.state, &sum); err != nil {
			return err
		}
		r.checksum = sum
		t := out[s]
		t.rows = append(t.rows, r)
		out[s] = t
	}
	return rows.Err()
}

// quoteLiteral is a PostgreSQL escape string literal, which reads the
// same whatever standard_conforming_strings says.
func quoteLiteral(s string) string {
	return "E'" + literalEscaper.Replace(s) + "'"
}

var literalEscaper = strings.NewReplacer(`\`, `\\`, "'", "''")
