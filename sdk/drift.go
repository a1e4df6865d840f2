package sdk

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"
)

// Drift is what [Migrator.Drift] found: how the database differs from
// what its applied migrations make.
type Drift struct {
	// Drifted is set when the database differs from its migrations.
	Drifted bool
	// Version is the newest applied version, up to which the migrations
	// were replayed; 0 when none is applied.
	Version int64
	// Differences says, one line each, what differs, in the words of
	// the database that drifted ("index users_name_idx on users is not
	// in the migrations").
	Differences []string
	// SQL holds the statements, for the Migrator's dialect, that make
	// the database what its migrations say.
	SQL []string
}

func (d *Drift) String() string {
	if !d.Drifted {
		return "no drift: the database is what its migrations make"
	}
	var b strings.Builder
	fmt.Fprintf(&b, "the database differs from what its migrations make (up to %d):\n", d.Version)
	for _, s := range d.Differences {
		fmt.Fprintf(&b, "  %s\n", s)
	}
	b.WriteString("\nSQL that makes the database what the migrations say:\n")
	for _, s := range d.SQL {
		fmt.Fprintf(&b, "%s;\n", s)
	}
	return b.String()
}

// DriftChecker is the optional ability of a dialect that [Migrator.Drift]
// needs: to replay migrations in a scratch place of its engine, reached
// through db alone, and compare the schema they make there with db's.
// The dialects of this module have it, through package sdk/schema
// (which imports this package, so this package cannot call it); a
// dialect without it makes Drift fail with a message that says so.
type DriftChecker interface {
	// CheckDrift runs r in a scratch place reached through db, which it
	// removes afterwards whatever happened, and compares the schema
	// found there with db's, leaving out the tables in r.Exclude. It
	// fills every field of the result but Version.
	CheckDrift(ctx context.Context, db *sql.DB, r *DriftReplay) (*Drift, error)
}

// DriftReplay is what [Migrator.Drift] hands a [DriftChecker]: its
// applied migrations, ready to replay.
type DriftReplay struct {
	// Exclude names the Migrator's own tables (history, seeds, schema
	// metadata, events), which the comparison leaves out.
	Exclude []string
	// OutsideTransaction is set when a migration to replay runs outside
	// a transaction (no-transaction, or a file with its own BEGIN and
	// COMMIT), so that the scratch place cannot be one transaction
	// rolled back at the end.
	OutsideTransaction bool
	// Run applies the applied migrations' ups, in version order, through
	// q, whose current database or schema is the scratch place, with
	// the history and schema metadata they keep there, so that a later
	// migration finds what an earlier one kept. conn, if not nil, is the
	// connection q is, out of any transaction, for a migration that sets
	// its connection up before it runs (SQLite's PRAGMA foreign_keys);
	// the checker passes nil when q is a transaction.
	Run func(ctx context.Context, q Tx, conn *sql.Conn) error
}

// Drift compares the database with what its applied migrations make: it
// replays them, up to the newest applied version, in a scratch place of
// the same engine that it reaches through the Migrator's *sql.DB
// (PostgreSQL: a schema of its own on one connection, in a transaction
// rolled back unless a migration must run outside one; MySQL and
// MariaDB: a database of its own on one connection; SQLite: a :memory:
// database opened with the same driver), inspects both, and returns
// the differences with the SQL that would make the database what its
// migrations say. It changes nothing in the database and takes no lock.
// The scratch place is named hoist_scratch_<random> and is removed
// before Drift returns. Comments and check constraints are not
// compared.
//
// It needs the dialect's [DriftChecker] ability, and fails on a dirty
// history ([ErrDirty]) or when an applied migration is not among the
// Migrator's, since then what the migrations make is not known.
func (m *Migrator) Drift(ctx context.Context) (*Drift, error) {
	dc, ok := m.dialect.(DriftChecker)
	if !ok {
		return nil, fmt.Errorf("hoist: the %s dialect cannot compare a database with its migrations (it has no sdk.DriftChecker ability; the dialects of this module have it)", m.dialect.Name())
	}
	h, err := m.readHistory(ctx, m.db)
	if err != nil {
		return nil, err
	}
	if err := m.dirtyError(h); err != nil {
		return nil, err
	}
	var migs []*Migration
	for _, row := range h.rows { // ordered by version
		mig, ok := m.migration(row.Version)
		if !ok {
			return nil, fmt.Errorf("hoist: migration %d %s is applied but not among this Migrator's migrations, so drift cannot replay it; give the Migrator its source", row.Version, row.Name)
		}
		migs = append(migs, mig)
	}
	r := &DriftReplay{
		Exclude: []string{m.table, m.seedTable(), m.schemaMetaTable(), m.eventsTable()},
		Run:     func(ctx context.Context, q Tx, conn *sql.Conn) error { return m.replay(ctx, q, conn, migs) },
	}
	for _, mig := range migs {
		r.OutsideTransaction = r.OutsideTransaction || mig.NoTransaction
	}
	d, err := dc.CheckDrift(ctx, m.db, r)
	if err != nil {
		return nil, fmt.Errorf("hoist: drift: %w", err)
	}
	if n := len(migs); n > 0 {
		d.Version = migs[n-1].Version
	}
	return d, nil
}

// replay applies the ups of migs through q, as [DriftReplay.Run] says,
// without the lock, events or progress: the place is a scratch one that
// no other Migrator knows.
func (m *Migrator) replay(ctx context.Context, q Tx, conn *sql.Conn, migs []*Migration) error {
	if _, err := q.ExecContext(ctx, m.dialect.CreateHistoryTable(m.table)); err != nil {
		return fmt.Errorf("creating history table %s: %w", m.table, err)
	}
	if m.keepsSchemaMeta() {
		if _, err := q.ExecContext(ctx, createSchemaMetaSQL(m.dialect.QuoteIdent, m.schemaMetaTable())); err != nil {
			return fmt.Errorf("creating schema metadata table %s: %w", m.schemaMetaTable(), err)
		}
	}
	start := time.Now()
	for _, mig := range migs {
		if err := m.replayOne(ctx, q, conn, mig, start); err != nil {
			return err
		}
	}
	return nil
}

func (m *Migrator) replayOne(ctx context.Context, q Tx, conn *sql.Conn, mig *Migration, start time.Time) error {
	if conn != nil {
		next, restore, err := m.around(ctx, conn, mig, Up)
		if err != nil {
			return err
		}
		defer restore()
		ctx = next
	}
	if _, err := m.execStep(ctx, q, mig, Up, mig.up); err != nil {
		return err
	}
	if err := m.keepSchemaMeta(ctx, q, mig, Up); err != nil {
		return err
	}
	return m.recordErr(mig, Up, m.insertHistory(ctx, q, mig, 1, start, 0, StateApplied))
}
