package sdk

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"time"
)

// ImportFormat names a migration tool whose history hoist can take over.
type ImportFormat string

const (
	// ImportGoose reads goose's goose_db_version: a version is applied
	// when its newest row says so.
	ImportGoose ImportFormat = "goose"
	// ImportGolangMigrate reads golang-migrate's schema_migrations: every
	// migration up to its one version is applied.
	ImportGolangMigrate ImportFormat = "golang-migrate"
)

// ImportOptions says where [Migrator.ImportHistory] reads from.
type ImportOptions struct {
	From ImportFormat
	// Table is the other tool's history table; "" means its default
	// (goose_db_version, schema_migrations).
	Table string
}

// ImportResult lists what [Migrator.ImportHistory] recorded.
type ImportResult struct {
	// Imported are the rows written to hoist's history, by version.
	Imported []HistoryEntry
	// Skipped is set when hoist's history already had rows, so nothing
	// was read or written.
	Skipped bool
}

// ImportHistory takes over the history of goose or golang-migrate, so that
// a database those tools migrated does not see every migration as pending
// when hoist reads the same directory. Under the migration lock, it reads
// the other tool's table and records each applied version in hoist's
// history with the checksum of the migration as it is now, one batch per
// migration (so Rollback undoes one, as goose down does). Versions the
// sources do not have are recorded too, and show up as missing in Status.
// The other tool's table is left as it is.
//
// When hoist's history already has rows, ImportHistory does nothing, so it
// is safe to call at every boot before Up. So it is on a new database:
// when the other tool's table does not exist under its default name,
// there is nothing to import and ImportHistory returns no error. A table
// named in [ImportOptions.Table] must exist, so that a misspelt name is
// reported instead of leaving every migration pending.
func (m *Migrator) ImportHistory(ctx context.Context, opts ImportOptions) (*ImportResult, error) {
	table := opts.Table
	switch opts.From {
	case ImportGoose:
		if table == "" {
			table = "goose_db_version"
		}
	case ImportGolangMigrate:
		if table == "" {
			table = "schema_migrations"
		}
	default:
		return nil, fmt.Errorf("hoist: ImportHistory: unknown format %q; use sdk.ImportGoose or sdk.ImportGolangMigrate", opts.From)
	}
	if !tableName.MatchString(table) {
		return nil, fmt.Errorf("hoist: ImportHistory: %q is not a plain table name", table)
	}
	res := &ImportResult{}
	err := m.withLock(ctx, func(ctx context.Context, conn *sql.Conn) error {
		h, err := m.lockedHistory(ctx, conn)
		if err != nil {
			return err
		}
		if len(h.rows) > 0 {
			res.Skipped = true
			return nil
		}
		var applied map[int64]time.Time
		if opts.From == ImportGoose {
			applied, err = m.readGoose(ctx, conn, table)
		} else {
			applied, err = m.readGolangMigrate(ctx, conn, table)
		}
		if err != nil && m.dialect.IsMissingTable(err) {
			if opts.Table == "" {
				m.logger.LogAttrs(ctx, slog.LevelInfo, "hoist: no history of "+string(opts.From)+" to import",
					slog.String("table", table))
				return nil
			}
			return fmt.Errorf("%w; ImportOptions.Table names it: check the name (with Table left empty, "+
				"a database without %s's default table is taken as new, and nothing is imported)", err, opts.From)
		}
		if err != nil {
			return err
		}
		res.Imported = m.importRows(applied)
		return m.writeImported(ctx, conn, res.Imported)
	})
	return res, err
}

// readGoose returns goose's applied versions with when they were applied.
// goose writes a row per up and per down; the newest row of a version
// (highest id) decides. Version 0 is goose's own first row.
func (m *Migrator) readGoose(ctx context.Context, conn *sql.Conn, table string) (map[int64]time.Time, error) {
	q := "SELECT version_id, is_applied, tstamp FROM " + m.dialect.QuoteIdent(table) + " ORDER BY id"
	rows, err := conn.QueryContext(ctx, q)
	if err != nil {
		return nil, fmt.Errorf("hoist: reading goose history %s: %w", table, err)
	}
	defer rows.Close()
	applied := map[int64]time.Time{}
	for rows.Next() {
		var (
			v  int64
			ok bool
			at timeValue
		)
		if err := rows.Scan(&v, &ok, &at); err != nil {
			return nil, fmt.Errorf("hoist: reading goose history %s: %w", table, err)
		}
		switch {
		case v <= 0:
		case ok:
			applied[v] = at.Time
		default:
			delete(applied, v)
		}
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("hoist: reading goose history %s: %w", table, err)
	}
	return applied, nil
}

// readGolangMigrate returns the source versions up to golang-migrate's
// version. A dirty golang-migrate database is refused: which state its
// schema is in is for an operator to find out.
func (m *Migrator) readGolangMigrate(ctx context.Context, conn *sql.Conn, table string) (map[int64]time.Time, error) {
	var (
		version int64
		dirty   bool
	)
	err := conn.QueryRowContext(ctx, "SELECT version, dirty FROM "+m.dialect.QuoteIdent(table)).Scan(&version, &dirty)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return nil, nil
	case err != nil:
		return nil, fmt.Errorf("hoist: reading golang-migrate history %s: %w", table, err)
	case dirty:
		return nil, fmt.Errorf("%w: golang-migrate's %s is dirty at version %d; repair it with `migrate force` first, then import",
			ErrDirty, table, version)
	}
	applied := map[int64]time.Time{}
	for _, mig := range m.migrations {
		if mig.Version <= version {
			applied[mig.Version] = time.Time{}
		}
	}
	if _, ok := applied[version]; !ok && version > 0 {
		applied[version] = time.Time{}
	}
	return applied, nil
}

// importRows turns applied versions into history rows, one batch each.
func (m *Migrator) importRows(applied map[int64]time.Time) []HistoryEntry {
	now := dbTime(time.Now())
	out := make([]HistoryEntry, 0, len(applied))
	for v, at := range applied {
		e := HistoryEntry{Version: v, Name: "imported", AppliedAt: dbTime(at), State: StateApplied}
		if at.IsZero() {
			e.AppliedAt = now
		}
		if mig, ok := m.migration(v); ok {
			e.Name, e.Checksum = mig.Name, mig.Checksum
		}
		out = append(out, e)
	}
	slices.SortFunc(out, func(a, b HistoryEntry) int { return compareInt(a.Version, b.Version) })
	for i := range out {
		out[i].Batch = i + 1
	}
	return out
}

func (m *Migrator) writeImported(ctx context.Context, conn *sql.Conn, rows []HistoryEntry) error {
	if len(rows) == 0 {
		return nil
	}
	_, err := m.inTx(ctx, conn, func(tx *sql.Tx) (int, error) {
		for _, r := range rows {
			if _, err := tx.ExecContext(ctx, m.dialect.InsertHistory(m.table),
				r.Version, r.Name, r.Checksum, r.Batch, m.timeArg(r.AppliedAt), int64(0), string(r.State)); err != nil {
				return 0, fmt.Errorf("hoist: importing version %d: %w", r.Version, err)
			}
		}
		return 0, nil
	})
	return err
}
