package sdk

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"

	"github.com/hoistdb/hoist/dialect"
)

// DialectSteps are the parts of a Go migration that need to know the
// engine it runs on, such as one that renders DDL from a description
// (package sdk/schema builds its migrations this way). [New] hands them
// the Migrator's dialect.
type DialectSteps struct {
	// Check, if set, is called by New with the Migrator's dialect; an
	// error fails New, so that a migration the dialect cannot run stops
	// the boot before anything touches the database.
	Check func(d dialect.Dialect) error
	// Up runs as a Go migration's up does, with the dialect.
	Up func(ctx context.Context, d dialect.Dialect, tx Tx) error
	// Down runs as a Go migration's down does; nil makes the migration
	// irreversible.
	Down func(ctx context.Context, d dialect.Dialect, tx Tx) error
	// Meta, if not nil (even empty), is the schema metadata the
	// migration keeps while it is applied (see [SchemaMeta]): the
	// Migrator writes these rows with its history row and deletes them
	// when it is rolled back, and its steps may read what earlier
	// migrations kept with [RunningSchemaMeta].
	Meta []SchemaMeta
	// Around, if set, runs on the migration's connection before the
	// transaction of its up or down begins, for a setting the engine
	// lets a connection change only outside a transaction (SQLite's
	// PRAGMA foreign_keys, which the table rebuild of a referenced table
	// needs off). It returns the context the step then runs with and a
	// restore func, which the Migrator calls once that transaction has
	// ended, committed, rolled back or left by a panic, so that the
	// connection goes back to the pool as it was; nil when it set
	// nothing. An error fails the migration before anything ran.
	Around func(ctx context.Context, d dialect.Dialect, conn *sql.Conn, dir Direction) (context.Context, func(context.Context) error, error)
	// Preview, if set, returns the statements the step would run, for
	// [Migrator.Plan] and the other dry runs, reading the database
	// through q without changing it. The dry run passes the same state
	// to the Preview of each of its migrations, in order, so that one
	// can leave there what it would change for the later ones to see
	// (package schema keeps its model of the schema there).
	Preview func(ctx context.Context, d dialect.Dialect, q Tx, dir Direction, state *PreviewState) ([]string, error)
}

// DialectMigration returns a Go migration whose steps receive the
// dialect of the Migrator that runs it. It behaves as [GoMigration]
// otherwise.
func DialectMigration(version int64, name string, s DialectSteps) Migration {
	unbound := func(context.Context, Tx) error {
		return errors.New("a dialect migration runs only through a Migrator from sdk.New")
	}
	m := Migration{Version: version, Name: name, up: step{fn: unbound}, dialectSteps: &s}
	if s.Up == nil {
		m.up.fn = nil // validate reports the missing up
	}
	if s.Down != nil {
		m.down, m.reversible = step{fn: unbound}, true
	}
	return m
}

// bindDialect gives every dialect migration the Migrator's dialect, and
// runs their checks.
func (m *Migrator) bindDialect() error {
	var errs []error
	for i := range m.migrations {
		mig := &m.migrations[i]
		s := mig.dialectSteps
		if s == nil {
			continue
		}
		d := m.dialect
		if s.Check != nil {
			if err := s.Check(d); err != nil {
				errs = append(errs, fmt.Errorf("hoist: migration %d %q: %w", mig.Version, mig.Name, err))
			}
		}
		if s.Up != nil {
			mig.up.fn = func(ctx context.Context, tx Tx) error { return s.Up(m.withRunningMeta(ctx, mig, Up), d, tx) }
		}
		if s.Down != nil {
			mig.down.fn = func(ctx context.Context, tx Tx) error { return s.Down(m.withRunningMeta(ctx, mig, Down), d, tx) }
		}
	}
	return errors.Join(errs...)
}

// around runs mig's Around step, if it has one, on conn before the
// transaction of dir begins. The restore func it returns is never nil;
// a failure to restore is logged, since the migration's own outcome is
// already decided by then.
func (m *Migrator) around(ctx context.Context, conn *sql.Conn, mig *Migration, dir Direction) (context.Context, func(), error) {
	s := mig.dialectSteps
	if s == nil || s.Around == nil {
		return ctx, func() {}, nil
	}
	next, restore, err := s.Around(m.withRunningMeta(ctx, mig, dir), m.dialect, conn, dir)
	if err != nil {
		return ctx, func() {}, &MigrationError{Version: mig.Version, Name: mig.Name, Direction: dir, Err: err, RolledBack: true}
	}
	if restore == nil {
		return next, func() {}, nil
	}
	return next, func() {
		// The caller's context may have ended; the connection must be
		// put back all the same.
		if err := restore(context.WithoutCancel(ctx)); err != nil {
			m.logger.LogAttrs(ctx, slog.LevelError, "hoist: restoring the migration's connection",
				slog.Int64("version", mig.Version), slog.String("error", err.Error()))
		}
	}, nil
}
