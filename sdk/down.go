package sdk

import (
	"context"
	"database/sql"
	"fmt"
	"time"
)

// RollbackOptions says how much [Migrator.Rollback] undoes.
type RollbackOptions struct {
	// Steps is the number of applied migrations to roll back, newest
	// version first. Zero rolls back the last batch.
	Steps int
	// DryRun returns what would be rolled back, SQL included, and
	// executes nothing.
	DryRun bool
}

// Rollback undoes the last batch, or opts.Steps migrations, newest first,
// each with the removal of its history row in one transaction. Before
// anything runs it fails with [ErrIrreversible] if one of them has no down
// (or is in no source any more), and with [ErrDirty] on a dirty history.
func (m *Migrator) Rollback(ctx context.Context, opts RollbackOptions) (*Result, error) {
	if opts.Steps < 0 {
		return &Result{DryRun: opts.DryRun}, fmt.Errorf("hoist: Rollback: Steps %d is negative", opts.Steps)
	}
	pick := lastBatchRows
	if opts.Steps > 0 {
		pick = lastRows(opts.Steps)
	}
	return m.down(ctx, opts.DryRun, pick)
}

// RollbackTo undoes every applied migration with a version above version,
// newest first; RollbackTo(ctx, 0) undoes them all.
func (m *Migrator) RollbackTo(ctx context.Context, version int64) (*Result, error) {
	if version < 0 {
		return &Result{}, fmt.Errorf("hoist: RollbackTo(%d): the version must not be negative", version)
	}
	return m.down(ctx, false, rowsAbove(version))
}

// Redo rolls back the newest applied migration and applies it again, under
// one hold of the lock.
func (m *Migrator) Redo(ctx context.Context) (*Result, error) {
	start := time.Now()
	res := &Result{}
	err := m.withLock(ctx, func(ctx context.Context, conn *sql.Conn) error {
		h, err := m.lockedHistory(ctx, conn)
		if err != nil {
			return err
		}
		migs, err := m.planDown(h, lastRows(1))
		if err != nil {
			return err
		}
		if len(migs) == 0 {
			return fmt.Errorf("hoist: Redo: no migration is applied")
		}
		if err := m.applyDown(ctx, conn, h, migs, res); err != nil {
			return err
		}
		if h, err = m.readHistory(ctx, conn); err != nil {
			return err
		}
		return m.applyUp(ctx, conn, h, migs, res)
	})
	res.Duration = time.Since(start)
	return res, err
}

func (m *Migrator) down(ctx context.Context, dry bool, pick func(*history) []HistoryEntry) (*Result, error) {
	start := time.Now()
	res := &Result{DryRun: dry}
	if dry {
		h, err := m.readHistory(ctx, m.db)
		if err != nil {
			return res, err
		}
		migs, err := m.planDown(h, pick)
		if err != nil {
			return res, err
		}
		res.Batch = batchOf(h, migs)
		res.Applied = m.dryRuns(ctx, migs, Down)
		return res, nil
	}
	err := m.withLock(ctx, func(ctx context.Context, conn *sql.Conn) error {
		h, err := m.readHistory(ctx, conn)
		if err != nil || h.missing {
			return err
		}
		// A failed down writes a row.
		if err := m.checkRequiredColumns(ctx, conn); err != nil {
			return err
		}
		if err := m.createEvents(ctx, conn); err != nil { // a history older than the event log
			return err
		}
		migs, err := m.planDown(h, pick)
		if err != nil {
			return err
		}
		res.Batch = batchOf(h, migs)
		return m.applyDown(ctx, conn, h, migs, res)
	})
	res.Duration = time.Since(start)
	return res, err
}

func (m *Migrator) applyDown(ctx context.Context, conn *sql.Conn, h *history, migs []*Migration, res *Result) error {
	if len(migs) == 0 {
		return nil
	}
	ddl, err := m.boundLockWaits(ctx, conn) // ddlretry.go
	defer ddl.restore(ctx)
	if err != nil {
		return err
	}
	rows := h.byVersion()
	for _, mig := range migs {
		if err := ctx.Err(); err != nil {
			return fmt.Errorf("hoist: stopped before rolling back migration %d: %w", mig.Version, context.Cause(ctx))
		}
		// A failed down on an engine without transactional DDL is
		// recorded as failed in the batch it was applied in.
		a, err := ddl.run(ctx, mig, Down, rows[mig.Version].Batch)
		if err != nil {
			return err
		}
		res.Applied = append(res.Applied, a)
	}
	return nil
}

// batchOf is the newest batch among the migrations about to be rolled back.
func batchOf(h *history, migs []*Migration) int {
	rows := h.byVersion()
	b := 0
	for _, mig := range migs {
		b = max(b, rows[mig.Version].Batch)
	}
	return b
}
