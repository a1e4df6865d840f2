package postgres

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/hoistdb/hoist/dialect"
)

var _ dialect.LeaseLocker = (*Dialect)(nil)

// LeaseTable returns table + "_lock": the lease of "app.hoist_migrations"
// is kept in "app.hoist_migrations_lock".
func (*Dialect) LeaseTable(table string) string { return table + "_lock" }

// NewLease returns the lease that guards table: one row in
// [Dialect.LeaseTable], naming its owner, taken when there is none or
// when the one there has expired, renewed by its owner, and deleted when
// released. Every statement is a transaction of its own and needs no
// session, so the lease works through a transaction pooler, where the
// session-level advisory lock of [Dialect.NewLock] does not. The server's
// clock alone decides expiry, so the clocks of the migrators' machines
// do not matter.
func (d *Dialect) NewLease(db *sql.DB, table string, lease time.Duration) dialect.Lease {
	host, _ := os.Hostname()
	if host == "" {
		host = "an unknown host"
	}
	var id [16]byte
	_, _ = rand.Read(id[:]) // never fails (crypto/rand)
	return &leaseLock{
		db:     db,
		table:  d.LeaseTable(table),
		quoted: d.QuoteIdent(d.LeaseTable(table)),
		key:    lockKey(d.LeaseTable(table)),
		owner:  hex.EncodeToString(id[:]),
		holder: fmt.Sprintf("pid %d on %s", os.Getpid(), host),
		ms:     lease.Milliseconds(),
	}
}

type leaseLock struct {
	db     *sql.DB
	table  string
	quoted string
	key    int64  // serialises the creation of the table
	owner  string // random: this lock's, and no other's
	holder string // who this is, for other migrators' messages
	ms     int64  // the lease's length in milliseconds

	mu   sync.Mutex
	held bool
}

func (l *leaseLock) String() string { return "the lease in " + l.table }

// createLeaseTable creates the lease table. Concurrent CREATE TABLE IF
// NOT EXISTS of one name can fail on PostgreSQL's catalogue (a unique
// violation on pg_type), so the creators queue on a transaction-level
// advisory lock, which, unlike a session-level one, a transaction pooler
// keeps on one session for as long as it is held. The id column allows
// one row only.
func (l *leaseLock) createLeaseTable(ctx context.Context) error {
	_, err := l.db.ExecContext(ctx, fmt.Sprintf(`BEGIN;
SELECT pg_advisory_xact_lock(%d);
CREATE TABLE IF NOT EXISTS %s (
	id INTEGER PRIMARY KEY CHECK (id = 1),
	owner TEXT NOT NULL,
	holder TEXT NOT NULL,
	acquired_at TIMESTAMPTZ NOT NULL,
	expires_at TIMESTAMPTZ NOT NULL
);
COMMIT`, l.key, l.quoted))
	if err != nil {
		return fmt.Errorf("postgres: creating the lease table %s: %w", l.table, err)
	}
	return nil
}

// takeQuery inserts the lease row, or takes over one that has expired:
// ON CONFLICT locks the row, so two migrators that find it expired at
// once take it one after the other, and the second finds it renewed.
const takeQuery = `INSERT INTO %[1]s AS l (id, owner, holder, acquired_at, expires_at)
VALUES (1, $1, $2, clock_timestamp(), clock_timestamp() + $3::bigint * interval '1 millisecond')
ON CONFLICT (id) DO UPDATE SET owner = EXCLUDED.owner, holder = EXCLUDED.holder,
	acquired_at = EXCLUDED.acquired_at, expires_at = EXCLUDED.expires_at
WHERE l.expires_at < clock_timestamp()
RETURNING l.owner`

func (l *leaseLock) TryAcquire(ctx context.Context) (bool, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.held {
		return true, nil
	}
	q := fmt.Sprintf(takeQuery, l.quoted)
	var owner string
	err := l.db.QueryRowContext(ctx, q, l.owner, l.holder, l.ms).Scan(&owner)
	if err != nil && isMissingTable(err) {
		if err := l.createLeaseTable(ctx); err != nil {
			return false, err
		}
		err = l.db.QueryRowContext(ctx, q, l.owner, l.holder, l.ms).Scan(&owner)
	}
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return false, nil // held, and not expired
	case err != nil:
		return false, fmt.Errorf("postgres: taking %s: %w", l, err)
	}
	l.held = true
	return true, nil
}

// Renew extends the lease from now. Only its owner can: a lease that
// expired and was taken over has another owner, and one deleted by hand
// has no row.
func (l *leaseLock) Renew(ctx context.Context) error {
	res, err := l.db.ExecContext(ctx, fmt.Sprintf(
		`UPDATE %s SET expires_at = clock_timestamp() + $2::bigint * interval '1 millisecond' WHERE id = 1 AND owner = $1`, l.quoted),
		l.owner, l.ms)
	if err != nil {
		return fmt.Errorf("postgres: renewing %s: %w", l, err)
	}
	if n, err := res.RowsAffected(); err != nil || n == 0 {
		return l.lost(ctx)
	}
	return nil
}

// lost is the error of a lease that is no longer this lock's, naming who
// has it now.
func (l *leaseLock) lost(ctx context.Context) error {
	holder, _ := l.holderNow(ctx)
	if holder == "" {
		holder = "nobody"
	}
	return fmt.Errorf("postgres: %w: %s (taken by %s) is now held by %s", dialect.ErrLeaseLost, l, l.holder, holder)
}

func (l *leaseLock) Release(ctx context.Context) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	res, err := l.db.ExecContext(ctx, fmt.Sprintf(`DELETE FROM %s WHERE id = 1 AND owner = $1`, l.quoted), l.owner)
	if err != nil {
		return fmt.Errorf("postgres: releasing %s: %w", l, err)
	}
	l.held = false
	if n, err := res.RowsAffected(); err != nil || n == 0 {
		return l.lost(ctx)
	}
	return nil
}

// Holder describes the lease's holder as
// "pid 4711 on web-1 since 2026-11-22T04:00:00Z, lease until
// 2026-11-22T04:00:15Z", or "" when there is no lease row.
func (l *leaseLock) Holder(ctx context.Context) (string, error) {
	return l.holderNow(ctx)
}

func (l *leaseLock) holderNow(ctx context.Context) (string, error) {
	var (
		holder       string
		since, until time.Time
		expired      bool
	)
	err := l.db.QueryRowContext(ctx, fmt.Sprintf(
		`SELECT holder, acquired_at, expires_at, expires_at < clock_timestamp() FROM %s WHERE id = 1`, l.quoted)).
		Scan(&holder, &since, &until, &expired)
	if errors.Is(err, sql.ErrNoRows) || (err != nil && isMissingTable(err)) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("postgres: finding the holder of %s: %w", l, err)
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%s since %s, lease until %s", holder, since.UTC().Format(time.RFC3339), until.UTC().Format(time.RFC3339))
	if expired {
		b.WriteString(" (expired)")
	}
	return b.String(), nil
}

func isMissingTable(err error) bool { return (*Dialect)(nil).IsMissingTable(err) }
