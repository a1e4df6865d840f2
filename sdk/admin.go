package sdk

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math"
	"slices"
)

// Status compares the sources with the history, without the lock, in one
// query and one more where the dialect lists the columns an insert must
// fill: a history table damaged by hand is reported, as Up would refuse
// it, with [ErrCorruptHistory]. A database that was never migrated has
// every migration pending.
func (m *Migrator) Status(ctx context.Context) (*Status, error) {
	h, err := m.readHistory(ctx, m.db)
	if err != nil {
		return nil, err
	}
	if !h.missing {
		if err := m.checkRequiredColumns(ctx, m.db); err != nil {
			return nil, err
		}
	}
	s := &Status{}
	recorded := h.byVersion()
	changed := map[int64]bool{}
	for _, c := range m.checksumChanges(h) {
		changed[c.mig.Version] = true
	}
	for _, r := range h.rows {
		st := MigrationStatus{Version: r.Version, Name: r.Name, State: r.State, AppliedAt: r.AppliedAt,
			Batch: r.Batch, Checksum: r.Checksum, ExecutionTime: r.ExecutionTime, ChecksumChanged: changed[r.Version]}
		mig, ok := m.migration(r.Version)
		if ok {
			st.File = mig.File
		}
		switch {
		case dirtyState(r.State):
			s.Failed = append(s.Failed, st)
		case !ok:
			st.State = StateMissing
			s.Missing = append(s.Missing, st)
		default:
			s.Applied = append(s.Applied, st)
		}
	}
	for _, mig := range m.migrations {
		if _, ok := recorded[mig.Version]; !ok {
			s.Pending = append(s.Pending, MigrationStatus{Version: mig.Version, Name: mig.Name, File: mig.File,
				State: StatePending, Checksum: mig.Checksum})
		}
	}
	return s, nil
}

// History returns the rows of the history table in the order they were
// written (by applied-at, then version). It is empty for a database that
// was never migrated.
func (m *Migrator) History(ctx context.Context) ([]HistoryEntry, error) {
	h, err := m.readHistory(ctx, m.db)
	if err != nil {
		return nil, err
	}
	rows := slices.Clone(h.rows)
	slices.SortStableFunc(rows, func(a, b HistoryEntry) int {
		if c := a.AppliedAt.Compare(b.AppliedAt); c != 0 {
			return c
		}
		return compareInt(a.Version, b.Version)
	})
	return rows, nil
}

// Validate reports every problem that would stop [Migrator.Up]: a dirty
// history, changed checksums (whatever the checksum policy) and
// out-of-order migrations. The sources themselves were checked by [New].
func (m *Migrator) Validate(ctx context.Context) error {
	h, err := m.readHistory(ctx, m.db)
	if err != nil {
		return err
	}
	var errs []error
	if err := m.checkDirty(h); err != nil {
		errs = append(errs, err)
	}
	if c := m.checksumChanges(h); len(c) > 0 {
		errs = append(errs, checksumError(c))
	}
	if _, err := m.pending(h, math.MaxInt64); err != nil {
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

// Repair forgets migrations recorded as failed or as running (begun and
// never ended; see [StateRunning]): it deletes their history rows, so
// that each is pending and the next Up runs it again from the start. Call
// it after bringing the schema, by hand, to where it is without those
// migrations: for a failed up, undo what it did; for a failed down,
// finish undoing. See docs/errors.md.
func (m *Migrator) Repair(ctx context.Context) (*RepairResult, error) {
	res := &RepairResult{}
	err := m.withLock(ctx, func(ctx context.Context, conn *sql.Conn) error {
		h, err := m.readHistory(ctx, conn)
		if err != nil || h.missing {
			return err
		}
		var states []State
		for _, r := range h.rows {
			if dirtyState(r.State) {
				res.Removed = append(res.Removed, r)
				if !slices.Contains(states, r.State) {
					states = append(states, r.State)
				}
			}
		}
		if len(states) == 0 {
			return nil
		}
		if err := m.createEvents(ctx, conn); err != nil {
			return err
		}
		// The rows go, and their events are written, in one transaction.
		_, err = m.inTx(ctx, conn, func(tx *sql.Tx) (int, error) {
			for _, st := range states {
				if _, err := tx.ExecContext(ctx, m.dialect.DeleteHistoryState(m.table), string(st)); err != nil {
					return 0, fmt.Errorf("hoist: repairing %s: %w", m.table, err)
				}
			}
			for _, r := range res.Removed {
				if err := m.logEvent(ctx, tx, HistoryRepaired, r.Version, r.Name, r.Batch, 0); err != nil {
					return 0, fmt.Errorf("hoist: repairing %s: %w", m.table, err)
				}
			}
			return 0, nil
		})
		return err
	})
	return res, err
}

// ResetHistory deletes every row of the history table and keeps the
// table, and deletes the schema metadata kept with it; the schema is not
// touched, so every migration becomes pending. It is for a database
// whose schema was rebuilt by other means. The event log
// ([Migrator.Events]) is kept: it is an audit trail, and what happened
// before the reset still happened.
func (m *Migrator) ResetHistory(ctx context.Context) error {
	return m.withLock(ctx, func(ctx context.Context, conn *sql.Conn) error {
		h, err := m.readHistory(ctx, conn)
		if err != nil || h.missing {
			return err
		}
		if _, err := conn.ExecContext(ctx, m.dialect.ClearHistory(m.table)); err != nil {
			return fmt.Errorf("hoist: clearing %s: %w", m.table, err)
		}
		return m.clearSchemaMeta(ctx, conn, false)
	})
}

// DeleteHistory drops the history table and the tables kept with it:
// the schema metadata and the event log (it removes every trace of
// hoist); the schema is not touched.
func (m *Migrator) DeleteHistory(ctx context.Context) error {
	return m.withLock(ctx, func(ctx context.Context, conn *sql.Conn) error {
		if _, err := conn.ExecContext(ctx, m.dialect.DropHistoryTable(m.table)); err != nil {
			return fmt.Errorf("hoist: dropping %s: %w", m.table, err)
		}
		if err := m.dropEvents(ctx, conn); err != nil {
			return err
		}
		return m.clearSchemaMeta(ctx, conn, true)
	})
}
