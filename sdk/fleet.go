package sdk

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"path"
	"regexp"
	"strings"
	"sync"

	"github.com/hoistdb/hoist/dialect"
)

// A Fleet applies one set of migrations to many targets: for now, the
// schemas of one PostgreSQL database (schema-per-tenant). Each target
// has its own history table, <schema>.hoist_migrations, and its own
// migration lock (the lock key is the history table's), so every target
// goes through the usual boot protocol on its own, and two replicas that
// migrate the fleet at once share the work instead of queueing behind
// one lock. A Fleet is safe for concurrent use.
type Fleet struct {
	db      *sql.DB
	dialect dialect.Dialect
	targets Targets
	cfg     fleetConfig

	mu        sync.Mutex
	migrators map[string]*Migrator   // by schema, built on first use
	ensured   map[string]bool        // schemas Ensure migrated
	ensuring  map[string]*sync.Mutex // one Ensure per schema at a time
}

// Targets says which schemas a Fleet migrates: [TargetList],
// [TargetPattern] or [TargetFunc].
type Targets struct {
	list    []string
	pattern string
	fn      func(context.Context) ([]string, error)
}

// TargetList is a fixed list of schemas.
func TargetList(schemas ...string) Targets { return Targets{list: schemas} }

// TargetPattern is every schema of the database whose name matches
// pattern, as path.Match reads it (tenant_*), listed from pg_namespace
// at each run, so a tenant added since the last run is included.
func TargetPattern(pattern string) Targets { return Targets{pattern: pattern} }

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
}

// WithFleetProgress calls fn as each target of [Fleet.Up] ends, with its
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
// (WithFS, WithLogger, ...). [WithTable] is overridden: each target's
// history table is <schema>.hoist_migrations.
func WithTargetOptions(opts ...Option) FleetOption {
	return func(c *fleetConfig) error {
		c.opts = append(c.opts, opts...)
		return nil
	}
}

// NewFleet returns a Fleet of targets on db. Like [New], it checks the
// migrations and options and sends nothing to the database.
func NewFleet(db *sql.DB, d dialect.Dialect, targets Targets, opts ...FleetOption) (*Fleet, error) {
	if d == nil || d.Name() != "postgres" {
		return nil, errors.New("hoist: NewFleet: fleets of schemas need the PostgreSQL dialect")
	}
	if targets.list == nil && targets.pattern == "" && targets.fn == nil {
		return nil, errors.New("hoist: NewFleet: no targets; give TargetList, TargetPattern or TargetFunc")
	}
	if targets.pattern != "" {
		if _, err := path.Match(targets.pattern, ""); err != nil {
			return nil, fmt.Errorf("hoist: NewFleet: pattern %q: %w", targets.pattern, err)
		}
	}
	for _, s := range targets.list {
		if err := checkSchemaName(s); err != nil {
			return nil, err
		}
	}
	c := fleetConfig{concurrency: DefaultFleetConcurrency}
	for _, opt := range opts {
		if err := opt(&c); err != nil {
			return nil, fmt.Errorf("hoist: %w", err)
		}
	}
	// A target may hold its lock connection while its migrator reads
	// through the pool: half the pool leaves each running target room.
	if open := db.Stats().MaxOpenConnections; open > 0 && c.concurrency > open/2 {
		c.concurrency = max(1, open/2)
	}
	f := &Fleet{db: db, dialect: d, targets: targets, cfg: c,
		migrators: map[string]*Migrator{}, ensured: map[string]bool{}, ensuring: map[string]*sync.Mutex{}}
	if _, err := f.newTarget("public"); err != nil { // checks the options and migrations once
		return nil, err
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
// names are the schema's; a migration that runs outside a transaction, or
// ends its own, would not keep that setting and is refused.
func (f *Fleet) newTarget(schema string) (*Migrator, error) {
	if err := checkSchemaName(schema); err != nil {
		return nil, err
	}
	opts := append(append([]Option(nil), f.cfg.opts...), WithTable(schema+"."+DefaultTable))
	m, err := New(f.db, f.dialect, opts...)
	if err != nil {
		return nil, err
	}
	for _, mig := range m.migrations {
		if mig.NoTransaction || mig.ownTx != "" {
			return nil, fmt.Errorf("hoist: fleet: migration %s runs outside hoist's transaction, where the tenant's search_path cannot be set for it; fleets do not support such migrations yet", mig)
		}
	}
	for _, sd := range m.seeds {
		if sd.noTransaction {
			return nil, fmt.Errorf("hoist: fleet: seeder %s runs outside a transaction, where the tenant's search_path cannot be set for it; fleets do not support such seeders yet", sd.name)
		}
	}
	if m.scripter == nil {
		return nil, fmt.Errorf("hoist: fleet: the %s dialect cannot start migration transactions with a prologue", f.dialect.Name())
	}
	set := "SET LOCAL search_path TO " + f.dialect.QuoteIdent(schema)
	// The search path goes inside the ddllock wrapper, whose type the run
	// looks for (ddlretry.go).
	if w, ok := m.scripter.(lockWaitScripter); ok {
		w.Scripter = searchPathScripter{Scripter: w.Scripter, stmt: set}
		m.scripter = w
	} else {
		m.scripter = searchPathScripter{Scripter: m.scripter, stmt: set}
	}
	return m, nil
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

// Migrator returns the Migrator of one target schema, built on first use.
func (f *Fleet) Migrator(schema string) (*Migrator, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if m, ok := f.migrators[schema]; ok {
		return m, nil
	}
	m, err := f.newTarget(schema)
	if err != nil {
		return nil, err
	}
	f.migrators[schema] = m
	return m, nil
}

// Targets lists the fleet's schemas now: one query for a pattern, none
// for a list.
func (f *Fleet) Targets(ctx context.Context) ([]string, error) {
	switch {
	case f.targets.fn != nil:
		names, err := f.targets.fn(ctx)
		if err != nil {
			return nil, fmt.Errorf("hoist: listing the fleet's targets: %w", err)
		}
		for _, s := range names {
			if err := checkSchemaName(s); err != nil {
				return nil, err
			}
		}
		return names, nil
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
			if ok, _ := path.Match(f.targets.pattern, s); ok && !strings.Contains(s, ".") {
				names = append(names, s)
			}
		}
		return names, rows.Err()
	}
	return append([]string(nil), f.targets.list...), nil
}

// Ensure migrates one tenant's schema, creating the schema first if it
// does not exist, then runs the seeders given in [WithTargetOptions]
// (a Once seeder runs once per tenant), and remembers its success: later calls for the same
// tenant send nothing. It is meant for lazy migration per request and for
// creating a new tenant in one call. Concurrent calls for one tenant run
// once.
func (f *Fleet) Ensure(ctx context.Context, schema string) (*Result, error) {
	m, err := f.Migrator(schema)
	if err != nil {
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
	if _, err := f.db.ExecContext(ctx, "CREATE SCHEMA IF NOT EXISTS "+f.dialect.QuoteIdent(schema)); err != nil {
		return &Result{}, fmt.Errorf("hoist: creating schema %s: %w", schema, err)
	}
	res, err := m.Up(ctx)
	if err != nil {
		return res, err
	}
	if len(m.seeds) > 0 {
		if _, err := m.Seed(ctx); err != nil {
			return res, fmt.Errorf("hoist: seeding schema %s: %w", schema, err)
		}
	}
	f.mu.Lock()
	f.ensured[schema] = true
	f.mu.Unlock()
	return res, nil
}
