package sdk

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/hoistdb/hoist/embedfs"
)

// run applies one migration in one direction on the lock's connection,
// together with its history change: in one transaction, unless the
// migration opts out of it, and where the dialect allows it as one script
// in one round trip. A failure that leaves changes behind (an engine
// without transactional DDL, or no transaction) after at least one
// statement succeeded is recorded as a failed migration.
func (m *Migrator) run(ctx context.Context, conn *sql.Conn, mig *Migration, dir Direction, batch int) (Applied, error) {
	s := mig.step(dir)
	start := time.Now()
	a := Applied{Version: mig.Version, Name: mig.Name, File: s.file(), Direction: dir}
	m.emit(ctx, Event{Kind: EventMigrating, Migration: a})
	var (
		done int
		err  error
	)
	ctx, stopWatch := m.watch(ctx)
	switch {
	case mig.NoTransaction || m.commitsImplicitly(s):
		done, err = m.execStep(ctx, conn, mig, dir, s)
		if err == nil {
			err = m.recordErr(mig, dir, m.record(ctx, conn, mig, dir, batch, start))
		}
	case m.scripter != nil && s.fn == nil:
		err = m.runScript(ctx, conn, mig, dir, batch)
	default:
		done, err = m.inTx(ctx, conn, func(tx *sql.Tx) (int, error) {
			return m.stepInTx(ctx, tx, mig, dir, batch, start)
		})
	}
	cancelled := stopWatch()
	a.Duration = time.Since(start)
	if err != nil {
		var me *MigrationError
		if !errors.As(err, &me) {
			me = &MigrationError{Version: mig.Version, Name: mig.Name, Direction: dir, File: s.file(), Err: err}
			err = me
		}
		// After the dirty path below, which settle leaves alone: find
		// out what an interrupted run did (outcome.go).
		defer m.settle(ctx, conn, mig, dir, me, cancelled)
		if done > 0 && (mig.NoTransaction || !m.dialect.TransactionalDDL()) {
			me.Dirty = true
			if ferr := m.markFailed(ctx, conn, mig, dir, batch, start); ferr != nil {
				err = errors.Join(err, ferr)
			}
		}
		return a, err
	}
	m.logRun(ctx, a)
	return a, nil
}

func (m *Migrator) logRun(ctx context.Context, a Applied) {
	m.emit(ctx, Event{Kind: EventMigrated, Migration: a})
	m.logger.LogAttrs(ctx, slog.LevelInfo, "hoist: migrated",
		slog.Int64("version", a.Version), slog.String("name", a.Name),
		slog.String("direction", string(a.Direction)), slog.Duration("duration", a.Duration))
}

// step returns the migration's up or down.
func (mig *Migration) step(dir Direction) step {
	if dir == Down {
		return mig.down
	}
	return mig.up
}

// stepInTx runs one direction of mig and its history change inside tx.
func (m *Migrator) stepInTx(ctx context.Context, tx Tx, mig *Migration, dir Direction, batch int, start time.Time) (int, error) {
	n, err := m.execStep(ctx, tx, mig, dir, mig.step(dir))
	if err != nil {
		return n, err
	}
	return n, m.recordErr(mig, dir, m.record(ctx, tx, mig, dir, batch, start))
}

// commitsImplicitly reports whether every statement of s is one the
// engine commits implicitly, so that a transaction around s would hold
// nothing but its history change: the step then runs without one, as it
// would in effect anyway, and saves the BEGIN and COMMIT.
func (m *Migrator) commitsImplicitly(s step) bool {
	if m.implicit == nil || s.fn != nil || len(s.statements()) == 0 {
		return false
	}
	for _, st := range s.statements() {
		if !m.implicit.CommitsImplicitly(st.SQL) {
			return false
		}
	}
	return true
}

// record writes the history change of a migration that ran.
func (m *Migrator) record(ctx context.Context, q Tx, mig *Migration, dir Direction, batch int, start time.Time) error {
	if dir == Up {
		return m.insertHistory(ctx, q, mig, batch, start, time.Since(start), StateApplied)
	}
	return m.deleteHistory(ctx, q, mig.Version)
}

// deleteHistory deletes the history row of one version.
func (m *Migrator) deleteHistory(ctx context.Context, q Tx, version int64) error {
	if m.literals != nil {
		_, err := q.ExecContext(ctx, m.literals.DeleteHistoryLiteral(m.table, version))
		return err
	}
	_, err := q.ExecContext(ctx, m.dialect.DeleteHistory(m.table), version)
	return err
}

// inTx runs fn in a transaction on conn and commits it, or rolls it back
// when fn fails or panics (the panic goes on, after the rollback, so the
// lock is released on a connection that is out of its transaction).
func (m *Migrator) inTx(ctx context.Context, conn *sql.Conn, fn func(tx *sql.Tx) (int, error)) (int, error) {
	tx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		return 0, fmt.Errorf("hoist: beginning a transaction: %w", err)
	}
	defer func() {
		if p := recover(); p != nil {
			_ = tx.Rollback()
			panic(p)
		}
	}()
	if m.scripter != nil {
		if p := m.scripter.MigrationPrologue(); p != "" {
			if _, err := tx.ExecContext(ctx, p); err != nil {
				_ = tx.Rollback()
				return 0, fmt.Errorf("hoist: starting a transaction with %q: %w", p, err)
			}
		}
	}
	n, err := fn(tx)
	if err != nil {
		_ = tx.Rollback()
		return n, err
	}
	if err := tx.Commit(); err != nil {
		return n, fmt.Errorf("hoist: committing: %w", err)
	}
	return n, nil
}

// execStep runs a step's statements or Go function and returns how many
// statements succeeded before a failure.
func (m *Migrator) execStep(ctx context.Context, q Tx, mig *Migration, dir Direction, s step) (int, error) {
	q = watched(ctx, q)
	if s.fn != nil {
		c := &countingTx{Tx: q}
		if err := s.fn(caller(ctx), c); err != nil {
			return c.n, &MigrationError{Version: mig.Version, Name: mig.Name, Direction: dir, Err: err}
		}
		return c.n, nil
	}
	for i, st := range s.statements() {
		if _, err := q.ExecContext(ctx, st.SQL); err != nil {
			return i, statementError(mig.Version, mig.Name, dir, s.file(), st, err)
		}
	}
	return len(s.statements()), nil
}

func statementError(version int64, name string, dir Direction, file string, st embedfs.Statement, err error) *MigrationError {
	return &MigrationError{Version: version, Name: name, Direction: dir, File: file, Line: st.Line, Statement: st.SQL, Err: err}
}

// recordErr wraps a failure to write the history row.
func (m *Migrator) recordErr(mig *Migration, dir Direction, err error) error {
	if err == nil {
		return nil
	}
	return &MigrationError{Version: mig.Version, Name: mig.Name, Direction: dir,
		Err: fmt.Errorf("recording it in %s: %w", m.table, err)}
}

func (m *Migrator) insertHistory(ctx context.Context, q Tx, mig *Migration, batch int, start time.Time, took time.Duration, state State) error {
	if m.literals != nil {
		_, err := q.ExecContext(ctx, m.literals.InsertHistoryLiteral(m.table, mig.Version, mig.Name, mig.Checksum, batch, dbTime(start), took.Milliseconds(), string(state)))
		return err
	}
	_, err := q.ExecContext(ctx, m.dialect.InsertHistory(m.table),
		mig.Version, mig.Name, mig.Checksum, batch, dbTime(start), took.Milliseconds(), string(state))
	return err
}

// dbTime is t as hoist stores it: UTC, to the microsecond, which every
// engine keeps exactly (MySQL 8 would round finer digits, MariaDB
// truncate them).
func dbTime(t time.Time) time.Time { return t.UTC().Truncate(time.Microsecond) }

// markFailed records mig as failed half way, also when ctx was cancelled:
// a later run must see that the schema may hold part of it.
func (m *Migrator) markFailed(ctx context.Context, conn *sql.Conn, mig *Migration, dir Direction, batch int, start time.Time) error {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), releaseTimeout)
	defer cancel()
	if dir == Down {
		if err := m.deleteHistory(ctx, conn, mig.Version); err != nil {
			return fmt.Errorf("hoist: recording migration %d as failed: %w", mig.Version, err)
		}
	}
	if err := m.insertHistory(ctx, conn, mig, batch, start, time.Since(start), StateFailed); err != nil {
		return fmt.Errorf("hoist: recording migration %d as failed: %w", mig.Version, err)
	}
	m.logger.LogAttrs(ctx, slog.LevelError, "hoist: migration failed half way and is recorded as failed",
		slog.Int64("version", mig.Version), slog.String("name", mig.Name), slog.String("direction", string(dir)))
	return nil
}

// countingTx counts the statements a Go migration executed successfully,
// to tell a failure that changed nothing from one that left changes.
type countingTx struct {
	Tx
	n int
}

func (c *countingTx) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	r, err := c.Tx.ExecContext(ctx, query, args...)
	if err == nil {
		c.n++
	}
	return r, err
}
