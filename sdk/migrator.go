package sdk

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"time"

	"github.com/hoistdb/hoist/dialect"
	"github.com/hoistdb/hoist/embedfs"
)

// Migrator applies one set of migrations and seeders to one database. It
// is safe for concurrent use, and any number of Migrators, in any number
// of processes, may work on one database at once: they serialise on the
// migration lock.
type Migrator struct {
	db              *sql.DB
	dialect         dialect.Dialect
	scripter        dialect.Scripter        // nil unless the dialect runs scripts
	literals        dialect.HistoryLiterals // nil unless the dialect writes history as literals
	implicit        dialect.ImplicitCommits // nil unless the dialect commits some statements implicitly
	singleTx        bool
	syntax          embedfs.Option // how the dialect's SQL splits
	progress        func(context.Context, Event)
	table           string
	lockTimeout     time.Duration
	ddl             ddlConfig // bounds on lock waits of migrations (ddlretry.go)
	logger          *slog.Logger
	allowOutOfOrder bool
	checksumPolicy  ChecksumPolicy
	durableCommits  bool       // WithDurableCommits (durability.go)
	lock            lockConfig // lockmode.go
	noEvents        bool       // the event log's name does not fit (events.go)
	searchPath      string     // a fleet target's schema, quoted, for what runs outside a transaction (fleet_notx.go)

	migrations []Migration // ordered by version
	seeds      []seed      // ordered by name
}

// New returns a Migrator for db. It reads and checks every migration and
// seeder source given in opts, so a malformed file, a duplicate version or
// a bad option fails here, at boot, before anything touches the database.
// New sends nothing to the database.
func New(db *sql.DB, d dialect.Dialect, opts ...Option) (*Migrator, error) {
	if db == nil {
		return nil, errors.New("hoist: nil *sql.DB")
	}
	return newMigrator(db, d, opts...)
}

// newMigrator is New without the check of db, for a fleet's template
// Migrator, whose migrations and options are read but never run.
func newMigrator(db *sql.DB, d dialect.Dialect, opts ...Option) (*Migrator, error) {
	if d == nil {
		return nil, errors.New("hoist: nil dialect")
	}
	c := config{table: DefaultTable, lockTimeout: DefaultLockTimeout}
	for _, opt := range opts {
		if err := opt(&c); err != nil {
			return nil, fmt.Errorf("hoist: %w", err)
		}
	}
	if err := c.lock.check(d, c.table); err != nil {
		return nil, fmt.Errorf("hoist: %w", err)
	}
	if c.logger == nil {
		c.logger = slog.Default()
	}
	m := &Migrator{
		db:              db,
		dialect:         d,
		table:           c.table,
		lockTimeout:     c.lockTimeout,
		ddl:             c.ddl,
		logger:          c.logger,
		allowOutOfOrder: c.allowOutOfOrder,
		checksumPolicy:  c.checksumPolicy,
		singleTx:        c.singleTx,
		progress:        c.progress,
		lock:            c.lock,
		syntax:          embedfs.WithSyntax(embedfs.Syntax{}),
	}
	m.scripter, _ = d.(dialect.Scripter)
	m.literals, _ = d.(dialect.HistoryLiterals)
	m.implicit, _ = d.(dialect.ImplicitCommits)
	m.setDurability(c.durableCommits)
	if c.singleTx && !d.TransactionalDDL() {
		return nil, fmt.Errorf("hoist: WithSingleTransaction: %s commits DDL implicitly, so one transaction cannot hold several migrations", d.Name())
	}
	m.boundPrologue() // ddlretry.go; after anything else that wraps m.scripter
	if s, ok := d.(dialect.Syntaxer); ok {
		m.syntax = embedfs.WithSyntax(s.Syntax())
	}
	if err := m.loadMigrations(&c); err != nil {
		return nil, err
	}
	if err := m.bindDialect(); err != nil {
		return nil, err
	}
	if err := m.loadSeeds(&c); err != nil {
		return nil, err
	}
	if err := m.checkNames(); err != nil {
		return nil, err
	}
	return m, nil
}

func (m *Migrator) loadMigrations(c *config) error {
	if c.fsys != nil {
		files, err := embedfs.ReadMigrations(c.fsys, m.syntax)
		if err != nil {
			return fmt.Errorf("hoist: reading migrations: %w", err)
		}
		if len(files) == 0 {
			return fmt.Errorf("%w in the file system given to WithFS: its top directory has no <version>_<name>.sql file (for a subdirectory, pass fs.Sub(fsys, dir))", ErrNoMigrations)
		}
		m.migrations = make([]Migration, len(files), len(files)+len(c.migrations))
		var errs []error
		for i, f := range files {
			if err := fromFile(&m.migrations[i], f); err != nil {
				errs = append(errs, err)
			}
		}
		if len(errs) > 0 {
			return errors.Join(errs...)
		}
	}
	m.migrations = append(m.migrations, c.migrations...)
	byVersion := func(a, b Migration) int { return compareInt(a.Version, b.Version) }
	if !slices.IsSortedFunc(m.migrations, byVersion) { // files come sorted; Go migrations may not
		slices.SortStableFunc(m.migrations, byVersion)
	}
	var errs []error
	for i := 1; i < len(m.migrations); i++ {
		if a, b := m.migrations[i-1], m.migrations[i]; a.Version == b.Version {
			errs = append(errs, fmt.Errorf("hoist: duplicate migration version %d: %s and %s; renumber one of them", a.Version, a, b))
		}
	}
	return errors.Join(errs...)
}

func (m *Migrator) loadSeeds(c *config) error {
	names := map[string]bool{}
	add := func(s seed) error {
		if names[s.name] {
			return fmt.Errorf("hoist: two seeders are named %q; rename one", s.name)
		}
		names[s.name] = true
		m.seeds = append(m.seeds, s)
		return nil
	}
	if c.seedFS != nil {
		files, err := embedfs.ReadSeeds(c.seedFS, m.syntax)
		if err != nil {
			return fmt.Errorf("hoist: reading seeds: %w", err)
		}
		for _, f := range files {
			s := seed{name: f.Name, file: f.File, checksum: f.Checksum, once: f.Once, noTransaction: f.NoTransaction, statements: f.Statements}
			if err := add(s); err != nil {
				return err
			}
		}
	}
	for _, s := range c.seeders {
		if err := add(seed{name: s.Name, once: s.Once, fn: s.Run}); err != nil {
			return err
		}
	}
	slices.SortFunc(m.seeds, func(a, b seed) int { return strings.Compare(a.name, b.name) })
	return nil
}

// Migrations returns the migrations the Migrator knows, ordered by version.
func (m *Migrator) Migrations() []Migration { return slices.Clone(m.migrations) }

// Table returns the history table's name.
func (m *Migrator) Table() string { return m.table }

// DB returns the database the Migrator works on, for code that works
// next to it, such as the mounted command's migrate:generate.
func (m *Migrator) DB() *sql.DB { return m.db }

// Dialect returns the dialect the Migrator was built with.
func (m *Migrator) Dialect() dialect.Dialect { return m.dialect }

// migration finds the migration of version by binary search: the slice
// is sorted, and building a map for it would cost a boot more than the
// searches do.
func (m *Migrator) migration(version int64) (*Migration, bool) {
	i, ok := slices.BinarySearchFunc(m.migrations, version, func(mig Migration, v int64) int { return compareInt(mig.Version, v) })
	if !ok {
		return nil, false
	}
	return &m.migrations[i], true
}
