package sdk

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"path"
	"regexp"
	"slices"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/hoistdb/hoist/dialect"
)

// A Fleet applies one set of migrations to many targets: the schemas of
// one PostgreSQL database (schema-per-tenant), or, with
// [WithDatabaseTargets], databases of their own (MySQL/MariaDB databases
// on one server, PostgreSQL databases, SQLite files). Each target has
// its own history table and its own migration lock, so every target goes
// through the usual boot protocol on its own, and two replicas that
// migrate the fleet at once share the work instead of queueing behind
// one lock. A Fleet is safe for concurrent use.
type Fleet struct {
	db      *sql.DB
	dialect dialect.Dialect
	targets Targets
	cfg     fleetConfig
	kind    fleetKind
	tmpl    *Migrator // the options and migrations every target shares
	base    *Migrator // a fleet of schemas: what each target's Migrator copies

	mu        sync.Mutex
	migrators map[string]*Migrator   // by target, built on first use
	pools     []*sql.DB              // opened by Migrator for database targets; Close closes them
	ensured   map[string]bool        // targets Ensure migrated
	ensuring  map[string]*sync.Mutex // one Ensure per target at a time
	lastErr   map[string]error       // the last failure of each target in this process
}

// Targets says which schemas (or, with [WithDatabaseTargets], which
// databases or files) a Fleet migrates: [TargetList], [TargetPattern] or
// [TargetFunc].
type Targets struct {
	list    []string
	pattern string
	fn      func(context.Context) ([]string, error)
}

// TargetList is a fixed list of schemas.
func TargetList(schemas ...string) Targets { return Targets{list: schemas} }

// TargetPattern is every schema of the database whose name matches
// pattern, as path.Match reads it (tenant_*), listed from pg_namespace
// at each run, so a tenant added since the last run is included. With
// [WithDatabaseTargets] it matches the server's databases (MySQL:
// information_schema.SCHEMATA, system databases left out; PostgreSQL:
// pg_database, templates left out), or, on SQLite, the files that
// filepath.Glob finds (tenants/*.db). Several patterns separated by
// commas match a name that any of them matches (tenant_a,tenant_b), so
// that a list of names is a pattern too; a comma cannot be part of a
// name, nor of a SQLite file's path. In a pattern of several parts, a
// plain name (no *, ?, [ or \) that matches nothing is a target all the
// same, which fails as missing ([ErrNoTarget]), as in a [TargetList]: a
// misspelt name is reported rather than left out.
func TargetPattern(pattern string) Targets { return Targets{pattern: pattern} }

// matchPattern reports whether name matches pattern, one path.Match
// pattern or several separated by commas ([TargetPattern]).
func matchPattern(pattern, name string) bool {
	for _, p := range strings.Split(pattern, ",") {
		if ok, _ := path.Match(p, name); ok {
			return true
		}
	}
	return false
}

// withNamed adds to names, the targets a pattern matched, each plain
// name (no *, ?, [ or \) of a pattern of several comma-separated parts
// that matched nothing: a list of names that misspells one, or names a
// tenant that is gone, gets that target failed as missing (as
// [TargetList] does) instead of silently left out. A pattern of one
// part is left as it is: matching nothing, it is an empty fleet.
func withNamed(pattern string, names []string) []string {
	parts := strings.Split(pattern, ",")
	if len(parts) < 2 {
		return names
	}
	added := false
	for _, p := range parts {
		if !strings.ContainsAny(p, `*?[\`) && !slices.Contains(names, p) {
			names, added = append(names, p), true
		}
	}
	if added {
		slices.Sort(names)
	}
	return names
}

// TargetFunc is the schemas fn lists at each run, such as a query of the
// application's tenants table.
func TargetFunc(fn func(context.Context) ([]string, error)) Targets { return Targets{fn: fn} }

// FailurePolicy says what a fleet run does once a target has failed.
type FailurePolicy int

const (
	// FleetStopAtFirst starts no target once one has failed; the targets
	// already running finish. The default: a migration that fails on one
	// tenant most likely fails on the next one too.
	FleetStopAtFirst FailurePolicy = iota
	// FleetContinue migrates every target and reports each failure.
	FleetContinue
)

func (p FailurePolicy) String() string {
	switch p {
	case FleetStopAtFirst:
		return "stop at first"
	case FleetContinue:
		return "continue"
	}
	return fmt.Sprintf("FailurePolicy(%d)", int(p))
}

// DefaultFleetConcurrency is how many targets a Fleet migrates at once
// unless [WithFleetConcurrency] says otherwise. Either is lowered to half
// the pool's MaxOpenConns, as each running target holds a connection for
// its lock and may read through the pool besides.
const DefaultFleetConcurrency = 4

// FleetOption configures a [Fleet].
type FleetOption func(*fleetConfig) error

type fleetConfig struct {
	concurrency int
	policy      FailurePolicy
	opts        []Option
	progress    func(TargetResult, int, int)
	open        TargetOpener
	seed        bool     // WithFleetSeeding
	seeders     []string // the seeders it names; all when empty
}

// WithFleetProgress calls fn as each target of a run ([Fleet.Up], UpTo,
// Rollback, RollbackTo, Seed) ends, with its
// outcome, how many targets have ended and how many there are: enough
// for a line such as "[412/1000] tenant_0412 applied 3". Calls come one
// at a time, from the goroutines that run the targets; the targets found
// up to date by the first reading are reported first, together.
func WithFleetProgress(fn func(t TargetResult, done, total int)) FleetOption {
	return func(c *fleetConfig) error {
		c.progress = fn
		return nil
	}
}

// WithFleetConcurrency sets how many targets are migrated at once.
func WithFleetConcurrency(n int) FleetOption {
	return func(c *fleetConfig) error {
		if n < 1 {
			return fmt.Errorf("WithFleetConcurrency: %d is less than 1", n)
		}
		c.concurrency = n
		return nil
	}
}

// WithFailurePolicy sets what a run does once a target has failed.
func WithFailurePolicy(p FailurePolicy) FleetOption {
	return func(c *fleetConfig) error {
		if p != FleetStopAtFirst && p != FleetContinue {
			return fmt.Errorf("WithFailurePolicy: unknown policy %d", int(p))
		}
		c.policy = p
		return nil
	}
}

// WithTargetOptions gives the options of every target's [Migrator]
// (WithFS, WithLogger, ...). In a fleet of schemas [WithTable] is
// overridden: each target's history table is <schema>.hoist_migrations.
// In a fleet of databases it is kept, in each database.
func WithTargetOptions(opts ...Option) FleetOption {
	return func(c *fleetConfig) error {
		c.opts = append(c.opts, opts...)
		return nil
	}
}

// NewFleet returns a Fleet of targets on db. Like [New], it checks the
// migrations and options and sends nothing to the database.
//
// Without [WithDatabaseTargets] the targets are schemas of db, which
// must be PostgreSQL. With it they are databases, and db is the
// connection hoist lists, reads and creates them through: any database
// of the MySQL server, or of the PostgreSQL server (the postgres
// database, say); on SQLite db is not used and may be nil.
func NewFleet(db *sql.DB, d dialect.Dialect, targets Targets, opts ...FleetOption) (*Fleet, error) {
	if d == nil {
		return nil, errors.New("hoist: NewFleet: nil dialect")
	}
	if targets.list == nil && targets.pattern == "" && targets.fn == nil {
		return nil, errors.New("hoist: NewFleet: no targets; give TargetList, TargetPattern or TargetFunc")
	}
	c := fleetConfig{concurrency: DefaultFleetConcurrency}
	for _, opt := range opts {
		if err := opt(&c); err != nil {
			return nil, fmt.Errorf("hoist: %w", err)
		}
	}
	kind, err := fleetKindOf(d, c.open != nil)
	if err != nil {
		return nil, err
	}
	if db == nil && kind != kindSQLiteFiles {
		return nil, errors.New("hoist: NewFleet: nil *sql.DB")
	}
	if targets.pattern != "" {
		for _, p := range strings.Split(targets.pattern, ",") {
			if _, err := path.Match(p, ""); err != nil || p == "" {
				if err == nil {
					err = errors.New("an empty pattern between commas")
				}
				return nil, fmt.Errorf("hoist: NewFleet: pattern %q: %w", targets.pattern, err)
			}
		}
	}
	for _, s := range targets.list {
		if err := kind.checkName(s); err != nil {
			return nil, err
		}
	}
	// A target may hold its lock connection while its migrator reads
	// through the pool: half the pool leaves each running target room.
	// Database targets have pools of their own.
	if kind == kindSchemas {
		if open := db.Stats().MaxOpenConnections; open > 0 && c.concurrency > open/2 {
			c.concurrency = max(1, open/2)
		}
	}
	f := &Fleet{db: db, dialect: d, targets: targets, cfg: c, kind: kind,
		migrators: map[string]*Migrator{}, ensured: map[string]bool{}, ensuring: map[string]*sync.Mutex{}, lastErr: map[string]error{}}
	if kind == kindSchemas {
		f.tmpl, err = f.newTarget("public") // checks the options and migrations once
	} else {
		f.tmpl, err = newMigrator(nil, d, c.opts...) // only read, never run
	}
	if err != nil {
		return nil, err
	}
	if c.seed {
		if _, err := f.tmpl.selectSeeds(c.seeders); err != nil {
			return nil, fmt.Errorf("hoist: NewFleet: WithFleetSeeding: %s", strings.TrimPrefix(err.Error(), "hoist: "))
		}
	}
	return f, nil
}

// checkSchemaName refuses a name that cannot stand for one schema in the
// history table's name, which WithTable keeps to plain identifiers.
func checkSchemaName(s string) error {
	if !schemaName.MatchString(s) || len(s+"."+DefaultTable) > 63 {
		return fmt.Errorf("hoist: fleet target %q: a schema name must be letters, digits and underscores, not starting with a digit, at most %d characters", s, 62-len(DefaultTable))
	}
	return nil
}

var schemaName = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

// newTarget builds the Migrator of schema. Its migration transactions
// start with SET LOCAL search_path, so that the migrations' unqualified
// names are the schema's; a migration or seeder that runs outside a
// transaction, or ends its own, runs with the search_path set on the
// session of the migration connection and put back after it
// (fleet_notx.go).
//
// The migrations are read and checked once, for the first target (New);
// every other target's Migrator is a copy of that one with its own table
// and prologue, so that building the migrators of 1,000 schemas does not
// parse the migration files 1,000 times.
func (f *Fleet) newTarget(schema string) (*Migrator, error) {
	if err := checkSchemaName(schema); err != nil {
		return nil, err
	}
	if f.base == nil {
		if err := f.buildBase(); err != nil {
			return nil, err
		}
	}
	m := *f.base
	m.table = schema + "." + DefaultTable
	m.searchPath = f.dialect.QuoteIdent(schema)
	set := "SET LOCAL search_path TO " + f.dialect.QuoteIdent(schema)
	// The search path goes inside the ddllock wrapper, whose type the run
	// looks for (ddlretry.go); each copy has its own switch of it.
	if w, ok := m.scripter.(lockWaitScripter); ok {
		w.Scripter = searchPathScripter{Scripter: w.Scripter, stmt: set}
		w.on = new(atomic.Bool)
		m.scripter = w
	} else {
		m.scripter = searchPathScripter{Scripter: m.scripter, stmt: set}
	}
	return &m, nil
}

// buildBase reads and checks the migrations and options of a fleet of
// schemas once: the Migrator every target's is copied from.
func (f *Fleet) buildBase() error {
	// The longest schema name checkSchemaName allows: the names derived
	// from the table are checked for the longest table a target can have.
	longest := strings.Repeat("s", 62-len(DefaultTable))
	opts := append(append([]Option(nil), f.cfg.opts...), WithTable(longest+"."+DefaultTable))
	m, err := New(f.db, f.dialect, opts...)
	if err != nil {
		return err
	}
	if err := checkNoTxLease(m); err != nil {
		return err
	}
	if m.scripter == nil {
		return fmt.Errorf("hoist: fleet: the %s dialect cannot start migration transactions with a prologue", f.dialect.Name())
	}
	f.base = m
	return nil
}

// searchPathScripter adds SET LOCAL search_path to the prologue of every
// migration transaction: scoped to the transaction, it leaves the pooled
// connection as it found it.
type searchPathScripter struct {
	dialect.Scripter
	stmt string
}

func (s searchPathScripter) MigrationPrologue() string {
	if p := s.Scripter.MigrationPrologue(); p != "" {
		return p + ";\n" + s.stmt
	}
	return s.stmt
}

// Migrations returns the migrations every target is migrated with, in
// order, without opening any target.
func (f *Fleet) Migrations() []Migration { return f.tmpl.Migrations() }

// Migrator returns the Migrator of one target, built on first use. For
// database targets it is built on a pool of the [TargetOpener], which
// stays open until [Fleet.Close].
func (f *Fleet) Migrator(schema string) (*Migrator, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if m, ok := f.migrators[schema]; ok {
		return m, nil
	}
	var (
		m   *Migrator
		err error
	)
	if f.kind == kindSchemas {
		m, err = f.newTarget(schema)
	} else {
		if m, _, err = f.openDatabase(schema); err == nil {
			f.pools = append(f.pools, m.db) // closed by Close
		}
	}
	if err != nil {
		return nil, err
	}
	f.migrators[schema] = m
	return m, nil
}

// Close closes the pools that [Fleet.Migrator] opened for database
// targets; the Migrators it returned are unusable after it. It does not
// close the db given to [NewFleet]. A fleet of schemas has nothing to
// close. Up, Status and Ensure close what they open themselves.
func (f *Fleet) Close() error {
	f.mu.Lock()
	defer f.mu.Unlock()
	var errs []error
	for _, p := range f.pools {
		errs = append(errs, p.Close())
	}
	f.pools = nil
	f.migrators = map[string]*Migrator{}
	return errors.Join(errs...)
}

// Targets lists the fleet's targets now: one query for a pattern (a
// glob of files on SQLite), none for a list.
func (f *Fleet) Targets(ctx context.Context) ([]string, error) {
	switch {
	case f.targets.fn != nil:
		names, err := f.targets.fn(ctx)
		if err != nil {
			return nil, fmt.Errorf("hoist: listing the fleet's targets: %w", err)
		}
		for _, s := range names {
			if err := f.kind.checkName(s); err != nil {
				return nil, err
			}
		}
		return names, nil
	case f.targets.pattern != "" && f.kind != kindSchemas:
		names, err := f.listDatabases(ctx)
		if err != nil {
			return nil, err
		}
		return withNamed(f.targets.pattern, names), nil
	case f.targets.pattern != "":
		rows, err := f.db.QueryContext(ctx, "SELECT nspname FROM pg_namespace WHERE nspname NOT LIKE 'pg\\_%' AND nspname <> 'information_schema' ORDER BY nspname")
		if err != nil {
			return nil, fmt.Errorf("hoist: listing schemas for pattern %q: %w", f.targets.pattern, err)
		}
		defer rows.Close()
		var names []string
		for rows.Next() {
			var s string
			if err := rows.Scan(&s); err != nil {
				return nil, err
			}
			if matchPattern(f.targets.pattern, s) && !strings.Contains(s, ".") {
				names = append(names, s)
			}
		}
		if err := rows.Err(); err != nil {
			return nil, err
		}
		return withNamed(f.targets.pattern, names), nil
	}
	return append([]string(nil), f.targets.list...), nil
}

// Ensure migrates one tenant, creating it first if it does not exist
// (CREATE SCHEMA IF NOT EXISTS; for database targets the database, or on
// SQLite the file), then runs the seeders given in [WithTargetOptions]
// (a Once seeder runs once per tenant), and remembers its success: later
// calls for the same tenant send nothing. It is meant for lazy migration
// per request and for creating a new tenant in one call. Concurrent calls
// for one tenant run once.
func (f *Fleet) Ensure(ctx context.Context, schema string) (*Result, error) {
	if err := f.kind.checkName(schema); err != nil {
		return &Result{}, err
	}
	f.mu.Lock()
	if f.ensured[schema] {
		f.mu.Unlock()
		return &Result{}, nil
	}
	one := f.ensuring[schema]
	if one == nil {
		one = &sync.Mutex{}
		f.ensuring[schema] = one
	}
	f.mu.Unlock()
	one.Lock()
	defer one.Unlock()
	f.mu.Lock()
	done := f.ensured[schema]
	f.mu.Unlock()
	if done {
		return &Result{}, nil
	}
	if err := f.create(ctx, schema); err != nil {
		return &Result{}, err
	}
	m, closeTarget, err := f.target(schema)
	if err != nil {
		return &Result{}, err
	}
	defer closeTarget()
	res, err := m.Up(ctx)
	f.remember(schema, err)
	if err != nil {
		return res, err
	}
	if len(m.seeds) > 0 {
		if _, err := m.Seed(ctx); err != nil {
			return res, fmt.Errorf("hoist: seeding %s: %w", schema, err)
		}
	}
	f.mu.Lock()
	f.ensured[schema] = true
	f.mu.Unlock()
	return res, nil
}

// remember keeps the failure of a target's run for Status, or forgets
// it when the run succeeded.
func (f *Fleet) remember(target string, err error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	// A cancelled run says nothing about the target's migrations.
	if err == nil || errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		delete(f.lastErr, target)
	} else {
		f.lastErr[target] = err
	}
}

// target returns the Migrator of a target for one run and what to call
// when the run is over: the cached Migrator of a schema, or a Migrator
// on a pool opened for the run on a database.
func (f *Fleet) target(name string) (*Migrator, func(), error) {
	if f.kind == kindSchemas {
		m, err := f.Migrator(name)
		return m, func() {}, err
	}
	return f.openDatabase(name)
}
