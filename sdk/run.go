package sdk

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/hoistdb/hoist/dialect"
	"github.com/hoistdb/hoist/embedfs"
)

// run applies one migration in one direction on the lock's connection,
// together with its history change: in one transaction, unless the
// migration opts out of it, and where the dialect allows it as one script
// in one round trip. A migration whose effects a failure cannot roll back
// follows the dirty-flag protocol (dirty.go), so that a failure or a kill
// half way leaves a history row that says so.
func (m *Migrator) run(ctx context.Context, conn *sql.Conn, mig *Migration, dir Direction, batch int) (a Applied, err error) {
	s := mig.step(dir)
	start := time.Now()
	a = Applied{Version: mig.Version, Name: mig.Name, File: s.file(), Direction: dir}
	m.emit(ctx, Event{Kind: EventMigrating, Migration: a})
	ctx, restore, err := m.around(ctx, conn, mig, dir)
	if err != nil {
		return a, err
	}
	defer restore() // after the transaction ended, also after a panic
	r := &runMark{mig: mig, dir: dir, batch: batch, start: start}
	inside := false // the step itself failed in a transaction, which was then rolled back
	outside := mig.NoTransaction || m.commitsImplicitly(s)
	r.outside = outside
	if outside || m.implicit != nil || !m.dialect.TransactionalDDL() {
		// A panic half way (in a Go migration) must leave the history
		// saying what stays; it goes on after that.
		defer func() {
			if p := recover(); p != nil {
				m.settleFailure(ctx, conn, r, migrationErr(fmt.Errorf("panic: %v", p), r))
				panic(p)
			}
		}()
	}
	ctx, stopWatch := m.watch(ctx)
	defer stopWatch() // after a panic; a second call does nothing
	switch {
	case outside:
		// A fleet target's schema, set on the session and put back after
		// the migration, also after a failure or a panic (fleet_notx.go).
		var leave func(context.Context)
		if leave, err = m.enterSchema(ctx, conn); err != nil {
			break
		}
		defer leave(ctx)
		err = m.markRunning(ctx, conn, r)
		if err == nil {
			if err = m.execMarked(ctx, conn, s, r); err != nil {
				r.done = m.leaveOwnTransaction(ctx, conn, mig, s, r.done)
			}
		}
		if err == nil && dir == Up {
			err = m.keepSchemaMeta(ctx, conn, mig, dir)
		}
		if err == nil {
			err = m.markApplied(ctx, conn, r)
		}
		if err == nil && dir == Down {
			err = m.keepSchemaMeta(ctx, conn, mig, dir)
		}
	case m.scripter != nil && s.fn == nil:
		err = m.runScript(ctx, conn, mig, dir, batch)
		// A *MigrationError alone (not joined with a failed ROLLBACK)
		// comes after the script's transaction was rolled back.
		_, inside = err.(*MigrationError)
	default:
		r.lazy = m.implicit != nil || !m.dialect.TransactionalDDL()
		_, err = m.inTx(ctx, conn, func(tx *sql.Tx) (int, error) {
			err := m.execMarked(ctx, tx, s, r)
			if err == nil && dir == Up {
				err = m.keepSchemaMeta(ctx, tx, mig, dir)
			}
			switch {
			case err != nil:
			case r.written:
				err = m.markApplied(ctx, tx, r)
			default:
				err = m.recordErr(mig, dir, m.record(ctx, tx, mig, dir, batch, start))
			}
			if err == nil && dir == Down {
				err = m.keepSchemaMeta(ctx, tx, mig, dir)
			}
			inside = err != nil
			return r.done, err
		})
	}
	cancelled := stopWatch()
	a.Duration = time.Since(start)
	if err != nil {
		me := migrationErr(err, r)
		if !errors.As(err, new(*MigrationError)) {
			err = me
		}
		switch {
		case outside || r.lazy:
			m.settleFailure(ctx, conn, r, me)
		case inside:
			me.RolledBack = true
		}
		if !outside && !inside {
			me.RolledBack = false // BEGIN or COMMIT failed: hoist cannot tell
		}
		// After the dirty path, which settle leaves alone: find out what
		// an interrupted run did (outcome.go).
		m.settle(ctx, conn, r, me, cancelled)
		if me.Outcome != OutcomeNone {
			me.RolledBack = me.Outcome == OutcomeRolledBack
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
	if err == nil && dir == Up {
		err = m.keepSchemaMeta(ctx, tx, mig, dir)
	}
	if err != nil {
		return n, err
	}
	if err := m.recordErr(mig, dir, m.record(ctx, tx, mig, dir, batch, start)); err != nil {
		return n, err
	}
	if dir == Down {
		return n, m.keepSchemaMeta(ctx, tx, mig, dir)
	}
	return n, nil
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
	var err error
	if dir == Up {
		err = m.insertHistory(ctx, q, mig, batch, start, time.Since(start), StateApplied)
	} else {
		err = m.deleteHistory(ctx, q, mig.Version)
	}
	if err != nil {
		return err
	}
	return m.logEvent(ctx, q, runEvent(dir), mig.Version, mig.Name, batch, time.Since(start)) // events.go
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
	r := &runMark{mig: mig, dir: dir}
	err := m.execMarked(ctx, q, s, r)
	return r.done, err
}

// execMarked runs a step's statements or Go function, counting in r the
// statements that succeeded and whether one may have committed
// implicitly; where r.lazy, it writes the running row before the first
// statement that may commit implicitly.
func (m *Migrator) execMarked(ctx context.Context, q Tx, s step, r *runMark) error {
	q = watched(ctx, q)
	if s.fn != nil {
		c := &countingTx{Tx: q, m: m, r: r}
		if err := s.fn(caller(ctx), c); err != nil {
			return &MigrationError{Version: r.mig.Version, Name: r.mig.Name, Direction: r.dir, Err: err}
		}
		return nil
	}
	for _, st := range s.statements() {
		if err := m.beforeStatement(ctx, q, r, st.SQL); err != nil {
			return err
		}
		if _, err := q.ExecContext(ctx, st.SQL); err != nil {
			return statementError(r.mig.Version, r.mig.Name, r.dir, s.file(), st, err)
		}
		m.afterStatement(r, st.SQL)
	}
	return nil
}

// mayCommit reports whether stmt may commit the open transaction: a
// statement the dialect names, or any statement on an engine without
// transactional DDL that names none.
func (m *Migrator) mayCommit(stmt string) bool {
	if m.implicit != nil {
		return m.implicit.CommitsImplicitly(stmt)
	}
	return !m.dialect.TransactionalDDL()
}

// beforeStatement writes the running row before a statement that may
// commit implicitly (where r.lazy), and notes that such a statement
// commits what succeeded before it.
func (m *Migrator) beforeStatement(ctx context.Context, q Tx, r *runMark, stmt string) error {
	commits := r.lazy && m.mayCommit(stmt)
	r.inFlight = r.outside || commits
	if !commits {
		return nil
	}
	if !r.written {
		if err := m.markRunning(ctx, q, r); err != nil {
			return err
		}
	}
	if r.done > 0 {
		r.committed = true
	}
	return nil
}

func (m *Migrator) afterStatement(r *runMark, stmt string) {
	r.done++
	r.inFlight = false
	if r.lazy && m.mayCommit(stmt) {
		r.committed = true
	}
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
		mig.Version, mig.Name, mig.Checksum, batch, m.timeArg(start), took.Milliseconds(), string(state))
	return err
}

// dbTime is t as hoist stores it: UTC, to the microsecond, which every
// engine keeps exactly (MySQL 8 would round finer digits, MariaDB
// truncate them).
func dbTime(t time.Time) time.Time { return t.UTC().Truncate(time.Microsecond) }

// timeArg is t as a statement argument: dbTime(t), as the dialect wants
// it passed where it is a [dialect.TimeArgs].
func (m *Migrator) timeArg(t time.Time) any {
	if ta, ok := m.dialect.(dialect.TimeArgs); ok {
		return ta.TimeArg(dbTime(t))
	}
	return dbTime(t)
}

// countingTx follows a Go migration's statements for the dirty-flag
// protocol (see execMarked): how many succeeded, and whether one may have
// committed implicitly. Statements sent through QueryContext are not
// followed: DDL belongs in ExecContext.
type countingTx struct {
	Tx
	m *Migrator
	r *runMark
}

func (c *countingTx) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	if err := c.m.beforeStatement(ctx, c.Tx, c.r, query); err != nil {
		return nil, err
	}
	res, err := c.Tx.ExecContext(ctx, query, args...)
	if err == nil {
		c.m.afterStatement(c.r, query)
	}
	return res, err
}
