package sdk

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/hoistdb/hoist/embedfs"
)

// Tx is what a Go migration or seeder runs its statements through.
//
// *sql.Tx, *sql.Conn, *sql.DB and *sqlx.Tx all satisfy it. Inside a
// transactional migration it is the migration's transaction; for a
// migration built WithoutTransaction it is the connection that holds the
// migration lock.
type Tx interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// Migration is one migration, read from SQL files by [WithFS] or written
// in Go with [GoMigration]. It is a value: there is no global registry.
type Migration struct {
	// Version orders migrations; it is positive and unique.
	Version int64
	// Name describes the migration, such as "create_users".
	Name string
	// File is the file of a SQL migration's up section, "" for Go.
	File string
	// Checksum is the hex SHA-256 of a SQL migration's text, "" for Go.
	Checksum string
	// NoTransaction runs the migration outside a transaction.
	NoTransaction bool

	up         step
	down       step
	reversible bool   // down is set; false: irreversible
	ownTx      string // where a SQL migration begins or ends its own transaction, "" if it does not
	// priorChecksum is the checksum that hoist computed for the same text
	// before it left no-transaction lines out, where that differs
	// ([embedfs.Migration.PriorChecksum]); a row recording it matches.
	priorChecksum string

	dialectSteps *DialectSteps // set by DialectMigration; bound by New
}

// step is one direction of a migration: a section of a SQL file, or a
// Go function.
type step struct {
	sql *embedfs.Section
	fn  func(ctx context.Context, tx Tx) error
}

// file is the file of a SQL step, "" for Go.
func (s step) file() string {
	if s.sql == nil {
		return ""
	}
	return s.sql.File
}

// statements are the statements of a SQL step, none for Go.
func (s step) statements() []embedfs.Statement {
	if s.sql == nil {
		return nil
	}
	return s.sql.Statements
}

// GoMigration returns a migration written in Go. up runs in a transaction
// together with the migration's history row; down may be nil, which makes
// the migration irreversible (rolling it back fails with
// [ErrIrreversible] before anything runs).
func GoMigration(version int64, name string, up, down func(ctx context.Context, tx Tx) error) Migration {
	m := Migration{Version: version, Name: name, up: step{fn: up}}
	if down != nil {
		m.down, m.reversible = step{fn: down}, true
	}
	return m
}

// WithoutTransaction returns a copy of m that runs outside a transaction,
// for statements that refuse one (CREATE INDEX CONCURRENTLY, VACUUM). Its
// Tx is then the connection that holds the migration lock. Such a
// migration is recorded as [StateRunning] before it starts; one that
// fails, panics or is killed after its first statement stays recorded
// as failed or running, and later runs stop with [ErrDirty] until an
// operator repairs it.
func (m Migration) WithoutTransaction() Migration {
	m.NoTransaction = true
	return m
}

// Reversible reports whether the migration has a down.
func (m Migration) Reversible() bool { return m.reversible }

// IsGo reports whether the migration is written in Go.
func (m Migration) IsGo() bool { return m.up.fn != nil }

// GoFuncs returns the functions of a Go migration, nil for a SQL one.
// A Go migration has no checksum, so code that must tell two of them
// apart, such as testkit's template cache, looks at the functions.
func (m Migration) GoFuncs() (up, down func(ctx context.Context, tx Tx) error) {
	return m.up.fn, m.down.fn
}

func (m Migration) String() string {
	if m.File != "" {
		return fmt.Sprintf("%d %s (%s)", m.Version, m.Name, m.File)
	}
	return fmt.Sprintf("%d %s (go)", m.Version, m.Name)
}

// fromFile fills m, a zero Migration, from a parsed SQL migration. It
// fails for a file that leaves its own transaction open.
func fromFile(m *Migration, f *embedfs.Migration) error {
	m.Version, m.Name, m.File, m.Checksum, m.NoTransaction = f.Version, f.Name, f.File, f.Checksum, f.NoTransaction
	m.priorChecksum = f.PriorChecksum
	m.up = step{sql: &f.Up}
	if f.Down != nil {
		m.down, m.reversible = step{sql: f.Down}, true
	}
	return setOwnTransaction(m, f)
}

// validate checks a migration given to WithMigrations.
func (m Migration) validate() error {
	switch {
	case m.Version <= 0:
		return fmt.Errorf("migration %q: version %d is not positive", m.Name, m.Version)
	case m.up.fn == nil && m.up.sql == nil:
		return fmt.Errorf("migration %d %q has no up: build it with sdk.GoMigration", m.Version, m.Name)
	}
	return nil
}

// Seeder is a Go seeder. Run is called in a transaction; a Once seeder is
// recorded when it has run and skipped at later calls of [Migrator.Seed],
// so it may run at every boot.
type Seeder struct {
	Name string
	Run  func(ctx context.Context, tx Tx) error
	Once bool
}

// seed is a SQL or Go seeder as the engine runs it.
type seed struct {
	name          string
	file          string
	checksum      string
	once          bool
	noTransaction bool
	statements    []embedfs.Statement
	fn            func(ctx context.Context, tx Tx) error
}
