package sdk

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strconv"
	"strings"
	"time"
)

// The dirty-flag protocol. A migration whose effects a failure cannot
// roll back (one run without a transaction, on any engine; on MySQL and
// MariaDB, one with a statement that commits implicitly) writes a history
// row in state "running" before its first such effect is made, and turns
// it into "applied" (or, for a down, deletes it) when it ends. A process
// killed half way, a lost connection or a panic leaves the row behind,
// and the next Up, Rollback or Validate refuses with ErrDirty instead of
// running the migration again on a schema that holds part of it. When
// the failure is an error hoist sees, it settles the row: "failed" if
// changes stay, no mark at all if nothing of the migration stays.
//
// Only such migrations pay for the protocol: one more round trip each.
// A migration that runs in a transaction that undoes all of it writes no
// row before it starts, and leaves none when it fails.

// StateRunning is the state of a history row written before a migration
// that cannot be rolled back starts; it is replaced when the migration
// ends. Found by a later run, it means the migration stopped half way
// without hoist seeing the end (a killed process, a lost connection, a
// panic): the database is dirty, see [ErrDirty].
const StateRunning State = "running"

// dirtyState reports whether a history row in state s makes the
// database dirty: every known state but applied does (see knownStates;
// a row in an unknown state is refused as damaged before this is asked).
func dirtyState(s State) bool { return s != StateApplied }

// runMark is one run of one migration in one direction, as the
// dirty-flag protocol follows it.
type runMark struct {
	mig   *Migration
	dir   Direction
	batch int
	start time.Time
	// lazy: the migration runs in a transaction; the running row is
	// written in it just before the first statement that may commit
	// implicitly, which then commits it too.
	lazy bool
	// written: the running row was sent.
	written bool
	// outside: the migration runs without a transaction.
	outside bool
	// done counts the statements that succeeded.
	done int
	// inFlight: the statement sent last has not succeeded (yet), and
	// would commit if it did: should the connection be lost while it
	// runs, the server may still finish it.
	inFlight bool
	// committed: a statement that commits implicitly succeeded, or was
	// sent after another had succeeded (its implicit commit comes before
	// it runs, so the statements before it stay even when it fails).
	committed bool
}

// markRunning writes r's running row through q: for an up a new row, for
// a down its applied row changed to running.
func (m *Migrator) markRunning(ctx context.Context, q Tx, r *runMark) error {
	r.written = true
	var err error
	if r.dir == Up {
		err = m.insertHistory(ctx, q, r.mig, r.batch, r.start, 0, StateRunning)
	} else {
		_, err = q.ExecContext(ctx, m.setStateSQL(r.mig.Version, StateRunning, -1, ""))
	}
	if err != nil {
		return m.recordErr(r.mig, r.dir, fmt.Errorf("recording it as running: %w", err))
	}
	return nil
}

// markApplied records the end of a run that began with markRunning: an
// up becomes applied, a down's row is deleted.
func (m *Migrator) markApplied(ctx context.Context, q Tx, r *runMark) error {
	var err error
	if r.dir == Down {
		err = m.deleteHistory(ctx, q, r.mig.Version)
	} else {
		_, err = q.ExecContext(ctx, m.setStateSQL(r.mig.Version, StateApplied, time.Since(r.start).Milliseconds(), ""))
	}
	if err == nil {
		err = m.logEvent(ctx, q, runEvent(r.dir), r.mig.Version, r.mig.Name, r.batch, time.Since(r.start)) // events.go
	}
	return m.recordErr(r.mig, r.dir, err)
}

// setStateSQL sets the state (and, unless ms is negative, the execution
// time) of one version's row, where its state is only when only is not
// "". Every value is a number or one of hoist's own states, so the
// statement is spelt with literals, the same on every engine, in one
// round trip whatever the driver.
func (m *Migrator) setStateSQL(version int64, state State, ms int64, only State) string {
	q := "UPDATE " + m.dialect.QuoteIdent(m.table) + " SET state = '" + string(state) + "'"
	if ms >= 0 {
		q += ", execution_ms = " + strconv.FormatInt(ms, 10)
	}
	q += " WHERE version = " + strconv.FormatInt(version, 10)
	if only != "" {
		q += " AND state = '" + string(only) + "'"
	}
	return q
}

// leftChanges reports whether a failed run left changes behind: outside
// a transaction, once a statement succeeded; inside one, once something
// was committed implicitly.
func (r *runMark) leftChanges() bool {
	if r.outside {
		return r.done > 0
	}
	return r.done > 0 && r.committed
}

// settleFailure makes the history say what a failed run left: a failed
// row when changes stay, no mark when none do (the running row a failed
// statement's implicit commit may have committed is taken back), and
// describes the outcome on me. It runs on a context that is not
// cancelled: a cancelled run must be recorded too.
func (m *Migrator) settleFailure(ctx context.Context, conn *sql.Conn, r *runMark, me *MigrationError) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), releaseTimeout)
	defer cancel()
	// A statement that failed because the connection was lost may still
	// run to its end on the server.
	me.lost = r.inFlight && conn.PingContext(ctx) != nil
	me.Dirty = r.leftChanges() || me.lost
	me.RolledBack = !me.Dirty
	me.outside, me.table = r.outside, m.dialect.QuoteIdent(m.table)
	if !me.Dirty {
		if !r.written {
			return
		}
		// Nothing stays, but the running row may have been committed.
		q := m.setStateSQL(r.mig.Version, StateApplied, -1, StateRunning)
		if r.dir == Up {
			q = "DELETE FROM " + m.dialect.QuoteIdent(m.table) + " WHERE version = " +
				strconv.FormatInt(r.mig.Version, 10) + " AND state = '" + string(StateRunning) + "'"
		}
		if _, err := conn.ExecContext(ctx, q); err != nil {
			me.RecordErr = err
		}
		return
	}
	if err := m.recordFailed(ctx, conn, r); err != nil {
		me.RecordErr = err
		return
	}
	me.Recorded = true
	// The failed row is committed; its event follows it (events.go).
	if err := m.logEvent(ctx, conn, HistoryFailed, r.mig.Version, r.mig.Name, r.batch, time.Since(r.start)); err != nil {
		me.RecordErr = err
	}
	m.logger.LogAttrs(ctx, slog.LevelError, "hoist: migration failed half way and is recorded as failed",
		slog.Int64("version", r.mig.Version), slog.String("name", r.mig.Name), slog.String("direction", string(r.dir)))
}

// recordFailed turns r's running row into a failed one, in one statement
// so that no moment is without a dirty row; it inserts the failed row if
// the running row is not there.
func (m *Migrator) recordFailed(ctx context.Context, conn *sql.Conn, r *runMark) error {
	res, err := conn.ExecContext(ctx, m.setStateSQL(r.mig.Version, StateFailed, time.Since(r.start).Milliseconds(), ""))
	if err != nil {
		return err
	}
	if n, err := res.RowsAffected(); err == nil && n > 0 {
		return nil
	}
	return m.insertHistory(ctx, conn, r.mig, r.batch, r.start, time.Since(r.start), StateFailed)
}

// migrationErr returns err as a *MigrationError of r's migration.
func migrationErr(err error, r *runMark) *MigrationError {
	var me *MigrationError
	if !errors.As(err, &me) {
		me = &MigrationError{Version: r.mig.Version, Name: r.mig.Name, Direction: r.dir, File: r.mig.step(r.dir).file(), Err: err}
	}
	return me
}

// running reports whether h holds a running row.
func (h *history) running() bool {
	return slices.ContainsFunc(h.rows, func(r HistoryEntry) bool { return r.State == StateRunning })
}

// dirtyError is ErrDirty naming every failed or running row of h, with
// the one procedure that recovers from either (the history does not say
// whether the migration was going up or down), or nil.
func (m *Migrator) dirtyError(h *history) error {
	var (
		dirty    []string
		versions []string
	)
	for _, r := range h.rows {
		at := r.AppliedAt.Format("2006-01-02 15:04:05 UTC")
		switch r.State {
		case StateFailed:
			dirty = append(dirty, fmt.Sprintf("%d %s (failed half way, started at %s)", r.Version, r.Name, at))
		case StateRunning:
			dirty = append(dirty, fmt.Sprintf("%d %s (started at %s and not finished: unless a migrator is running it right now, it was killed, lost its connection or panicked)", r.Version, r.Name, at))
		default:
			continue
		}
		versions = append(versions, strconv.FormatInt(r.Version, 10))
	}
	if len(dirty) == 0 {
		return nil
	}
	return fmt.Errorf("%w: migration %s stopped half way, going up or being rolled back, and the schema may hold part of it; "+
		"either bring the schema by hand to where it is without the migration (undo what an up did, or finish what a down began), "+
		"then run `hoist migrate:repair` (Migrator.Repair), which deletes the row so that the migration is pending and the next migrate runs it from the start; "+
		"or bring the schema by hand to where it is with the migration fully applied, then mark it applied with UPDATE %s SET state = 'applied' WHERE version IN (%s)",
		ErrDirty, strings.Join(dirty, ", "), m.dialect.QuoteIdent(m.table), strings.Join(versions, ", "))
}
