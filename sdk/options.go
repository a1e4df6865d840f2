package sdk

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"regexp"
	"time"
)

// Option configures a [Migrator]. Each option checks its input, and
// [New] returns the first error.
type Option func(*config) error

// ChecksumPolicy says what to do when an applied SQL migration's text no
// longer matches the checksum recorded when it was applied.
type ChecksumPolicy int

const (
	// ChecksumStrict refuses to migrate: [ErrChecksumMismatch]. The default.
	ChecksumStrict ChecksumPolicy = iota
	// ChecksumWarn logs a warning per changed migration and goes on.
	ChecksumWarn
	// ChecksumIgnore goes on silently.
	ChecksumIgnore
)

func (p ChecksumPolicy) String() string {
	switch p {
	case ChecksumStrict:
		return "strict"
	case ChecksumWarn:
		return "warn"
	case ChecksumIgnore:
		return "ignore"
	}
	return fmt.Sprintf("ChecksumPolicy(%d)", int(p))
}

// DefaultTable is the history table's name unless [WithTable] says otherwise.
const DefaultTable = "hoist_migrations"

// DefaultLockTimeout is how long a migrator waits for the migration lock
// unless [WithLockTimeout] says otherwise.
const DefaultLockTimeout = 5 * time.Minute

type config struct {
	fsys            fs.FS
	migrations      []Migration
	seedFS          fs.FS
	seeders         []Seeder
	table           string
	lockTimeout     time.Duration
	ddl             ddlConfig // options_ddl.go
	logger          *slog.Logger
	allowOutOfOrder bool
	checksumPolicy  ChecksumPolicy
	singleTx        bool
	progress        func(context.Context, Event)
	durableCommits  bool       // durability.go
	lock            lockConfig // lockmode.go
}

// WithFS reads SQL migrations from the top directory of fsys (use fs.Sub
// for a subdirectory). It may be given once; [WithMigrations] adds Go
// migrations beside it.
func WithFS(fsys fs.FS) Option {
	return func(c *config) error {
		if fsys == nil {
			return errors.New("WithFS: nil file system")
		}
		if c.fsys != nil {
			return errors.New("WithFS: given twice; put all SQL migrations in one directory")
		}
		c.fsys = fsys
		return nil
	}
}

// WithMigrations adds migrations written in Go ([GoMigration]). Their
// versions share one order with the SQL migrations and must not collide
// with them.
func WithMigrations(migrations ...Migration) Option {
	return func(c *config) error {
		for _, m := range migrations {
			if err := m.validate(); err != nil {
				return fmt.Errorf("WithMigrations: %w", err)
			}
		}
		c.migrations = append(c.migrations, migrations...)
		return nil
	}
}

// WithSeedFS reads SQL seeders, one <name>.sql per seeder, from the top
// directory of fsys.
func WithSeedFS(fsys fs.FS) Option {
	return func(c *config) error {
		if fsys == nil {
			return errors.New("WithSeedFS: nil file system")
		}
		if c.seedFS != nil {
			return errors.New("WithSeedFS: given twice")
		}
		c.seedFS = fsys
		return nil
	}
}

// WithSeeders adds seeders written in Go. Names are shared with the SQL
// seeders and must be unique.
func WithSeeders(seeders ...Seeder) Option {
	return func(c *config) error {
		for _, s := range seeders {
			if s.Name == "" {
				return errors.New("WithSeeders: a seeder has no name")
			}
			if s.Run == nil {
				return fmt.Errorf("WithSeeders: seeder %q has no Run function", s.Name)
			}
		}
		c.seeders = append(c.seeders, seeders...)
		return nil
	}
}

var tableName = regexp.MustCompile(`^([A-Za-z_][A-Za-z0-9_]*\.)?[A-Za-z_][A-Za-z0-9_]*$`)

// WithTable names the history table, optionally schema-qualified
// ("app.hoist_migrations"); the default is [DefaultTable]. The migration
// lock is derived from it, so applications with different tables in one
// database do not wait for each other.
func WithTable(name string) Option {
	return func(c *config) error {
		if !tableName.MatchString(name) || len(name) > 63 {
			return fmt.Errorf("WithTable: %q is not a plain table name (letters, digits, underscores, at most 63 characters, optionally schema.table)", name)
		}
		c.table = name
		return nil
	}
}

// WithLockTimeout sets how long to wait for the migration lock before
// failing with [ErrLockTimeout]; the default is [DefaultLockTimeout]. It
// also bounds how long the steps before the lock are retried while the
// database is busy (SQLite, see [github.com/hoistdb/hoist/dialect.BusyErrors]).
func WithLockTimeout(d time.Duration) Option {
	return func(c *config) error {
		if d <= 0 {
			return fmt.Errorf("WithLockTimeout: %v is not positive", d)
		}
		c.lockTimeout = d
		return nil
	}
}

// WithLogger sets the logger that gets one line per migration with its
// duration, and lock waits; the default is slog.Default() at the time of
// [New]. Use slog.New(slog.DiscardHandler) to silence it.
func WithLogger(l *slog.Logger) Option {
	return func(c *config) error {
		if l == nil {
			return errors.New("WithLogger: nil logger")
		}
		c.logger = l
		return nil
	}
}

// WithAllowOutOfOrder lets Up apply pending migrations older than the
// newest applied one, as happens when branches merge, instead of failing
// with [ErrOutOfOrder].
func WithAllowOutOfOrder() Option {
	return func(c *config) error {
		c.allowOutOfOrder = true
		return nil
	}
}

// WithChecksumPolicy says what to do when an applied migration's text
// changed; the default is [ChecksumStrict].
func WithChecksumPolicy(p ChecksumPolicy) Option {
	return func(c *config) error {
		if p < ChecksumStrict || p > ChecksumIgnore {
			return fmt.Errorf("WithChecksumPolicy: unknown policy %d", int(p))
		}
		c.checksumPolicy = p
		return nil
	}
}

// WithSingleTransaction makes Up apply all pending migrations in one
// transaction: either all of them are applied or none is. It is for
// engines with transactional DDL (PostgreSQL, SQLite); [New] refuses it
// for MySQL and MariaDB. A pending migration that must run without a
// transaction makes Up fail before anything runs. Rollback is not
// affected.
func WithSingleTransaction() Option {
	return func(c *config) error {
		c.singleTx = true
		return nil
	}
}
