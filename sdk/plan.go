package sdk

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
)

// upPlan is what Up would do given one reading of the history.
type upPlan struct {
	pending []*Migration
	changed []checksumChange
}

type checksumChange struct {
	mig      *Migration
	recorded string
}

// planUp checks the history against the sources and lists the pending
// migrations with versions up to target. It fails, before anything runs,
// on a failed (dirty) migration, on changed checksums under
// ChecksumStrict, and on pending migrations older than the newest
// applied one unless out-of-order is allowed.
func (m *Migrator) planUp(h *history, target int64) (*upPlan, error) {
	if err := m.checkDirty(h); err != nil {
		return nil, err
	}
	p := &upPlan{changed: m.checksumChanges(h)}
	if len(p.changed) > 0 && m.checksumPolicy == ChecksumStrict {
		return nil, checksumError(p.changed)
	}
	var err error
	p.pending, err = m.pending(h, target)
	if err != nil {
		return nil, err
	}
	if err := m.checkSingleTx(p.pending); err != nil {
		return nil, err
	}
	return p, nil
}

// checkSingleTx fails, under [WithSingleTransaction], when a pending
// migration must run outside a transaction. It is part of planning so
// that [Migrator.Plan] refuses what Up would refuse, with the same words.
func (m *Migrator) checkSingleTx(pending []*Migration) error {
	if !m.singleTx {
		return nil
	}
	var outside []string
	for _, mig := range pending {
		if mig.NoTransaction {
			outside = append(outside, mig.String()+ownTransactionNote(mig))
		}
	}
	if len(outside) == 0 {
		return nil
	}
	return fmt.Errorf("hoist: WithSingleTransaction: %s must run outside a transaction; apply it on its own with UpTo, without WithSingleTransaction",
		strings.Join(outside, ", "))
}

// PlanTo is [Migrator.Plan] for [Migrator.UpTo]: what UpTo(version) would
// run now. Like UpTo, it considers only the migrations up to and
// including version, so a pending migration above it is neither listed
// nor out of order.
func (m *Migrator) PlanTo(ctx context.Context, version int64) (*Result, error) {
	if version <= 0 {
		return &Result{DryRun: true}, fmt.Errorf("hoist: PlanTo(%d): the version must be positive", version)
	}
	return m.planTo(ctx, version)
}

func (m *Migrator) planTo(ctx context.Context, target int64) (*Result, error) {
	res := &Result{DryRun: true}
	if len(m.migrations) == 0 {
		return res, fmt.Errorf("%w: give sdk.WithFS or sdk.WithMigrations", ErrNoMigrations)
	}
	h, err := m.readHistory(ctx, m.db)
	if err != nil {
		return res, err
	}
	p, err := m.planUp(h, target)
	if err != nil {
		return res, err
	}
	if len(p.pending) > 0 {
		res.Batch = h.lastBatch() + 1
	}
	res.Applied = m.dryRuns(ctx, p.pending, Up)
	return res, nil
}

// pending lists the migrations with versions up to target that the
// history does not record. Unless out-of-order is allowed, it fails with
// ErrOutOfOrder when one of them is older than the newest recorded.
func (m *Migrator) pending(h *history, target int64) ([]*Migration, error) {
	recorded := h.byVersion()
	var newest int64
	for _, r := range h.rows {
		newest = max(newest, r.Version)
	}
	var (
		out   []*Migration
		early []string
	)
	for i := range m.migrations {
		mig := &m.migrations[i]
		if mig.Version > target {
			break
		}
		if _, ok := recorded[mig.Version]; ok {
			continue
		}
		if mig.Version < newest {
			early = append(early, mig.String())
		}
		out = append(out, mig)
	}
	if len(early) > 0 && !m.allowOutOfOrder {
		return nil, fmt.Errorf("%w: %s pending, but %d is applied; renumber them above %d, or allow it with WithAllowOutOfOrder",
			ErrOutOfOrder, strings.Join(early, ", "), newest, newest)
	}
	return out, nil
}

// checkDirty fails with ErrDirty when the history records a migration
// that failed half way, or one that began and never ended (see
// dirty.go); the message says how to recover (see dirtyError).
func (m *Migrator) checkDirty(h *history) error {
	return m.dirtyError(h)
}

func (m *Migrator) checksumChanges(h *history) []checksumChange {
	var out []checksumChange
	for _, r := range h.rows {
		mig, ok := m.migration(r.Version)
		if !ok || !edited(mig, r.Checksum) {
			continue
		}
		out = append(out, checksumChange{mig: mig, recorded: r.Checksum})
	}
	return out
}

// edited reports whether the checksum recorded for mig, as text or as the
// bytes a driver returned, differs from its text's now. A Go migration has
// no checksum, and neither has a row imported without one. A row written
// before hoist left no-transaction lines out of checksums may record the
// checksum with them, which matches too.
func edited[S string | []byte](mig *Migration, recorded S) bool {
	return mig.Checksum != "" && len(recorded) > 0 && string(recorded) != mig.Checksum &&
		(mig.priorChecksum == "" || string(recorded) != mig.priorChecksum)
}

func checksumError(changed []checksumChange) error {
	parts := make([]string, len(changed))
	for i, c := range changed {
		parts[i] = fmt.Sprintf("%s: applied as %.12s, now %.12s", c.mig, c.recorded, c.mig.Checksum)
	}
	return fmt.Errorf("%w: applied migrations were edited: %s; restore their text and put the change in a new migration, "+
		"or choose WithChecksumPolicy(ChecksumWarn)", ErrChecksumMismatch, strings.Join(parts, "; "))
}

// warnChanged logs changed checksums under ChecksumWarn.
func (m *Migrator) warnChanged(ctx context.Context, changed []checksumChange) {
	if m.checksumPolicy != ChecksumWarn {
		return
	}
	for _, c := range changed {
		m.logger.LogAttrs(ctx, slog.LevelWarn, "hoist: applied migration was edited",
			slog.Int64("version", c.mig.Version), slog.String("name", c.mig.Name), slog.String("file", c.mig.File),
			slog.String("recorded_checksum", c.recorded), slog.String("checksum", c.mig.Checksum))
	}
}

// planDown picks the rows to roll back and checks that every one of them
// can be: no failed migration in the history, each in a source, each with
// a down. Rows are returned newest version first.
func (m *Migrator) planDown(h *history, pick func(*history) []HistoryEntry) ([]*Migration, error) {
	if err := m.checkDirty(h); err != nil {
		return nil, err
	}
	rows := pick(h)
	var (
		out  []*Migration
		gone []string
		oneW []string
	)
	for i := len(rows) - 1; i >= 0; i-- {
		r := rows[i]
		mig, ok := m.migration(r.Version)
		switch {
		case !ok:
			gone = append(gone, fmt.Sprintf("%d %s", r.Version, r.Name))
		case !mig.reversible:
			oneW = append(oneW, mig.String())
		default:
			out = append(out, mig)
		}
	}
	switch {
	case len(gone) > 0:
		return nil, fmt.Errorf("%w: %s applied but in no migration source, so its down is unknown", ErrIrreversible, strings.Join(gone, ", "))
	case len(oneW) > 0:
		return nil, fmt.Errorf("%w: %s has no down; nothing was rolled back", ErrIrreversible, strings.Join(oneW, ", "))
	}
	return out, nil
}

// applied returns the rows in state applied, ordered by version.
func (h *history) applied() []HistoryEntry {
	var out []HistoryEntry
	for _, r := range h.rows {
		if r.State == StateApplied {
			out = append(out, r)
		}
	}
	return out
}

// lastBatchRows picks the applied rows of the newest batch.
func lastBatchRows(h *history) []HistoryEntry {
	b := h.lastBatch()
	var out []HistoryEntry
	for _, r := range h.applied() {
		if r.Batch == b {
			out = append(out, r)
		}
	}
	return out
}

// lastRows picks the n applied rows with the highest versions.
func lastRows(n int) func(*history) []HistoryEntry {
	return func(h *history) []HistoryEntry {
		a := h.applied()
		return a[max(0, len(a)-n):]
	}
}

// rowsAbove picks the applied rows with versions above v.
func rowsAbove(v int64) func(*history) []HistoryEntry {
	return func(h *history) []HistoryEntry {
		var out []HistoryEntry
		for _, r := range h.applied() {
			if r.Version > v {
				out = append(out, r)
			}
		}
		return out
	}
}
