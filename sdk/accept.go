package sdk

import (
	"context"
	"database/sql"
	"fmt"
)

// AcceptedChecksum is an applied migration whose edited text
// [Migrator.AcceptChecksums] accepted.
type AcceptedChecksum struct {
	Version  int64
	Name     string
	File     string
	Recorded string // the checksum recorded when it was applied
	Checksum string // the checksum of its text now, recorded instead
}

// AcceptChecksums records the checksum of the current text of every
// applied SQL migration whose file was edited since it was applied, under
// the migration lock, so that the edit is accepted for good: later runs
// no longer report a checksum mismatch for it. It runs none of the
// migrations' SQL, so it is for edits that do not change what the
// migration does (a comment, formatting) or whose effect was brought to
// the database by hand. It returns what it accepted; nothing when no
// applied migration was edited, or the database was never migrated.
func (m *Migrator) AcceptChecksums(ctx context.Context) ([]AcceptedChecksum, error) {
	var out []AcceptedChecksum
	err := m.withLock(ctx, func(ctx context.Context, conn *sql.Conn) error {
		h, err := m.readHistory(ctx, conn)
		if err != nil || h.missing {
			return err
		}
		changes := m.checksumChanges(h)
		if len(changes) == 0 {
			return nil
		}
		if err := m.createEvents(ctx, conn); err != nil {
			return err
		}
		rows := h.byVersion()
		// Each checksum and its event (events.go) in one transaction.
		_, err = m.inTx(ctx, conn, func(tx *sql.Tx) (int, error) {
			for _, c := range changes {
				// The checksum is hex and the version a number: literals are
				// safe, and the same statement suits every dialect.
				q := fmt.Sprintf("UPDATE %s SET checksum = '%s' WHERE version = %d",
					m.dialect.QuoteIdent(m.table), c.mig.Checksum, c.mig.Version)
				if _, err := tx.ExecContext(ctx, q); err != nil {
					return 0, fmt.Errorf("hoist: recording the checksum of %s: %w", c.mig, err)
				}
				if err := m.logEvent(ctx, tx, HistoryChecksumAccepted, c.mig.Version, c.mig.Name, rows[c.mig.Version].Batch, 0); err != nil {
					return 0, fmt.Errorf("hoist: recording the checksum of %s: %w", c.mig, err)
				}
			}
			return 0, nil
		})
		if err != nil {
			return err
		}
		for _, c := range changes {
			out = append(out, AcceptedChecksum{Version: c.mig.Version, Name: c.mig.Name, File: c.mig.File,
				Recorded: c.recorded, Checksum: c.mig.Checksum})
		}
		return nil
	})
	return out, err
}
