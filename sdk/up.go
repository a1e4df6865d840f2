package sdk

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"math"
	"net"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/hoistdb/hoist/dialect"
)

// Up applies every pending migration, in version order, as one batch.
//
// This is the boot protocol. Up first reads the history in one query; when
// nothing is pending it returns at once, having taken no lock. Otherwise
// it takes the migration lock on one dedicated connection, creates the
// history table if it is missing, reads the history again and applies
// what is still pending, each migration together with its history row in
// one transaction. Replicas that lost the race for the lock wait for it,
// then find nothing pending and succeed.
//
// Before anything runs, Up fails with [ErrDirty], [ErrChecksumMismatch]
// or [ErrOutOfOrder] where they apply. A failed migration stops the run
// with a [*MigrationError]; the migrations applied before it stay applied
// and are listed in the Result, which is never nil.
//
// Cancelling ctx while a migration runs asks the server to cancel it
// (PostgreSQL, MySQL/MariaDB) and waits for its verdict; the error then
// wraps the context's error, and its Outcome says whether the migration
// was rolled back or had committed, as read back from the history.
func (m *Migrator) Up(ctx context.Context) (*Result, error) {
	return m.upTo(ctx, math.MaxInt64)
}

// UpTo is [Migrator.Up] for the pending migrations with versions up to
// and including version.
func (m *Migrator) UpTo(ctx context.Context, version int64) (*Result, error) {
	if version <= 0 {
		return &Result{}, fmt.Errorf("hoist: UpTo(%d): the version must be positive", version)
	}
	return m.upTo(ctx, version)
}

func (m *Migrator) upTo(ctx context.Context, target int64) (*Result, error) {
	start := time.Now()
	res := &Result{}
	if len(m.migrations) == 0 {
		return res, fmt.Errorf("%w: give sdk.WithFS or sdk.WithMigrations", ErrNoMigrations)
	}
	var state bootState
	err := m.retryBusy(ctx, "reading the history", func() (err error) {
		state, err = m.bootState(ctx, target)
		return err
	})
	if err != nil {
		return res, err
	}
	if state == bootCheck {
		var h *history
		err := m.retryBusy(ctx, "reading the history", func() (err error) {
			h, err = m.readHistory(ctx, m.db)
			return err
		})
		if err != nil {
			return res, err
		}
		if h.running() {
			// Another migrator may be running it now: only under the
			// lock does a running row mean that its migrator died.
			state = bootPending
		} else if p, err := m.planUp(h, target); err != nil {
			return res, err
		} else if len(p.pending) == 0 {
			m.warnChanged(ctx, p.changed)
			state = bootDone
		}
	}
	if state == bootDone {
		res.Duration = time.Since(start)
		return res, nil
	}
	err = m.withLock(ctx, func(ctx context.Context, conn *sql.Conn) error {
		h, err := m.lockedHistory(ctx, conn)
		if err != nil {
			return err
		}
		p, err := m.planUp(h, target)
		if err != nil {
			return err
		}
		m.warnChanged(ctx, p.changed)
		return m.applyUp(ctx, conn, h, p.pending, res)
	})
	res.Duration = time.Since(start)
	return res, err
}

// bootState is what the first, unlocked reading of the history says.
type bootState int

const (
	bootDone    bootState = iota // everything up to the target is applied, as it is now
	bootPending                  // some are not applied yet: take the lock
	bootCheck                    // failed rows or edited migrations: read the whole history to say what
)

// bootState reads the version (negated for a failed row) and checksum of
// every history row in one query, and nothing else: at a boot with nothing to do, this query
// is all hoist sends. It decides only the common cases; a failed row, or
// a checksum that differs unless such changes are ignored, is bootCheck,
// for the full reading to report with names and dates. A missing history
// table is bootPending.
func (m *Migrator) bootState(ctx context.Context, target int64) (bootState, error) {
	if ba, ok := m.dialect.(dialect.BootAggregate); ok {
		return m.bootStateAggregate(ctx, ba, target)
	}
	// Two columns, the fewest that answer the question: the state rides
	// on the version's sign (versions are positive), as a third column
	// would cost some drivers (modernc.org/sqlite) a third of the time.
	// A row whose checksum is NULL counts as not applied too: the full
	// reading refuses it (ErrCorruptHistory).
	rows, err := m.db.QueryContext(ctx, "SELECT CASE WHEN state = '"+string(StateApplied)+"' AND checksum IS NOT NULL THEN version ELSE -version END, checksum FROM "+m.dialect.QuoteIdent(m.table))
	if err != nil {
		if m.dialect.IsMissingTable(err) {
			return bootPending, nil
		}
		return 0, m.bootError(ctx, err)
	}
	defer rows.Close()
	var (
		version  int64
		checksum sql.RawBytes
		b        bootCount
	)
	for rows.Next() {
		if err := rows.Scan(&version, &checksum); err != nil {
			return 0, m.bootError(ctx, err)
		}
		countBootRow(m, &b, version, []byte(checksum), target)
	}
	if err := rows.Err(); err != nil {
		return 0, m.bootError(ctx, err)
	}
	return m.bootResult(b, target), nil
}

// bootError is the error of a boot query that failed. A history table
// damaged by hand can break the boot query itself (a version column of
// text has no negation on PostgreSQL): the full reading then says what
// is wrong, with ErrCorruptHistory. Any other failure of that reading
// leaves the boot query's own error. A failure that says nothing about
// the table (a cancelled context, a network error, a busy SQLite file,
// which the caller retries) is returned as it is, without a second
// query that would fail, or wait, the same way.
func (m *Migrator) bootError(ctx context.Context, err error) error {
	wrapped := fmt.Errorf("hoist: reading history table %s: %w", m.table, err)
	var ne net.Error
	if ctx.Err() != nil || errors.As(err, &ne) || errors.Is(err, driver.ErrBadConn) || isBusy(m.dialect, err) {
		return wrapped
	}
	if _, herr := m.readHistory(ctx, m.db); errors.Is(herr, ErrCorruptHistory) {
		return herr
	}
	return wrapped
}

// bootStateAggregate is bootState with the history read as one value
// (see [dialect.BootAggregate]). A value it cannot read is bootCheck: the
// full reading then says what is wrong. So is a value that splits into
// more rows than the table has, which a comma in a checksum written by
// hand would cause; otherwise such a checksum could pass for the row of
// a migration that is not applied.
func (m *Migrator) bootStateAggregate(ctx context.Context, ba dialect.BootAggregate, target int64) (bootState, error) {
	var (
		count int
		value sql.NullString
	)
	if err := m.db.QueryRowContext(ctx, ba.SelectBootAggregate(m.table)).Scan(&count, &value); err != nil {
		if m.dialect.IsMissingTable(err) {
			return bootPending, nil
		}
		return 0, m.bootError(ctx, err)
	}
	if value.Valid && strings.Count(value.String, ",")+1 != count {
		return bootCheck, nil
	}
	var b bootCount
	for rest, more := value.String, value.Valid; more && !b.check; {
		var row string
		row, rest, more = strings.Cut(rest, ",")
		v, checksum, ok := strings.Cut(row, " ")
		version, err := strconv.ParseInt(v, 10, 64)
		if !ok || err != nil || version == 0 {
			return bootCheck, nil
		}
		countBootRow(m, &b, version, checksum, target)
	}
	return m.bootResult(b, target), nil
}

// bootCount is what the boot query has found so far.
type bootCount struct {
	applied int    // recorded migrations with versions up to the target
	check   bool   // a failed row, an edited migration, or a version recorded twice
	seen    []bool // by index in m.migrations: the versions counted so far
}

// countBootRow counts one history row of the boot query into b: its
// version, negated when the row records a failed migration, and its
// checksum.
func countBootRow[S string | []byte](m *Migrator, b *bootCount, version int64, checksum S, target int64) {
	if version < 0 { // failed
		b.check = true
		return
	}
	i, ok := m.migrationIndex(version)
	if !ok {
		return // a missing file is Status's business, not the boot's
	}
	// A version recorded twice (a history table that lost its primary
	// key) would count twice and hide a pending migration: the full
	// reading refuses it.
	if b.seen == nil {
		b.seen = make([]bool, len(m.migrations))
	}
	if b.seen[i] {
		b.check = true
		return
	}
	b.seen[i] = true
	mig := &m.migrations[i]
	if m.checksumPolicy != ChecksumIgnore && edited(mig, checksum) {
		b.check = true
	}
	if version <= target {
		b.applied++
	}
}

// bootResult is the boot state that b says.
func (m *Migrator) bootResult(b bootCount, target int64) bootState {
	switch {
	case b.check:
		return bootCheck
	case b.applied < m.countUpTo(target):
		return bootPending
	}
	return bootDone
}

// countUpTo counts the migrations with versions up to target.
func (m *Migrator) countUpTo(target int64) int {
	n, _ := slices.BinarySearchFunc(m.migrations, target, func(mig Migration, t int64) int {
		if mig.Version <= t {
			return -1
		}
		return 1
	})
	return n
}

// lockedHistory creates the history table if needed and reads it; the
// caller holds the lock.
func (m *Migrator) lockedHistory(ctx context.Context, conn *sql.Conn) (*history, error) {
	if _, err := conn.ExecContext(ctx, m.dialect.CreateHistoryTable(m.table)); err != nil {
		return nil, fmt.Errorf("hoist: creating history table %s: %w", m.table, err)
	}
	if err := m.createSchemaMeta(ctx, conn); err != nil {
		return nil, err
	}
	if err := m.createEvents(ctx, conn); err != nil {
		return nil, err
	}
	h, err := m.readHistory(ctx, conn)
	if err != nil {
		return nil, err
	}
	return h, m.checkRequiredColumns(ctx, conn)
}

// applyUp applies pending as the next batch and appends to res.
func (m *Migrator) applyUp(ctx context.Context, conn *sql.Conn, h *history, pending []*Migration, res *Result) error {
	if len(pending) == 0 {
		return nil
	}
	ddl, err := m.boundLockWaits(ctx, conn) // ddlretry.go
	defer ddl.restore(ctx)
	if err != nil {
		return err
	}
	if m.singleTx {
		return ddl.retry(ctx, migrationText(pending, Up), func() error {
			return m.applyUpSingle(ctx, conn, h, pending, res)
		})
	}
	res.Batch = h.lastBatch() + 1
	for _, mig := range pending {
		if err := ctx.Err(); err != nil {
			return fmt.Errorf("hoist: stopped before migration %d: %w", mig.Version, context.Cause(ctx))
		}
		a, err := ddl.run(ctx, mig, Up, res.Batch)
		if err != nil {
			return err
		}
		res.Applied = append(res.Applied, a)
	}
	return nil
}

// Plan returns what [Migrator.Up] would run now, SQL included, without
// executing anything or taking the lock. It fails as Up would on a dirty
// history, changed checksums, out-of-order migrations, or a migration
// that [WithSingleTransaction] cannot hold.
func (m *Migrator) Plan(ctx context.Context) (*Result, error) {
	return m.planTo(ctx, math.MaxInt64)
}

// dryRun describes a migration that would run.
func dryRun(mig *Migration, dir Direction) Applied {
	s := mig.step(dir)
	a := Applied{Version: mig.Version, Name: mig.Name, File: s.file(), Direction: dir}
	for _, st := range s.statements() {
		a.SQL = append(a.SQL, st.SQL)
	}
	return a
}
