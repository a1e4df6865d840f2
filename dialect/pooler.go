package dialect

import (
	"context"
	"database/sql"
	"errors"
	"time"
)

// ErrTransactionPooler is wrapped by the errors of a [Lock] that finds
// its session shared with other clients: the connection goes through a
// pooler that hands the server's sessions out per transaction (PgBouncer
// with pool_mode=transaction), so a lock held by a session is held for
// whichever client gets that session next.
var ErrTransactionPooler = errors.New("the connection goes through a transaction pooler (PgBouncer pool_mode=transaction?)")

// ErrLeaseLost is wrapped by [Lease.Renew] and [Lease.Release] when the
// lease is no longer held by the lock that took it: it expired and
// another migrator took it over, or it was deleted by hand.
var ErrLeaseLost = errors.New("the migration lock's lease was lost")

// SessionChecker is an optional ability of a [Lock] that belongs to a
// server session (PostgreSQL's session-level advisory lock). A
// transaction pooler between the application and the server gives every
// transaction of a client connection whichever server session is free,
// so such a lock stays on a session that other clients then use, and
// the migrator's later statements run elsewhere. The engine calls
// CheckSession once the lock is taken, and gives the lock up and fails
// when it returns an error.
type SessionChecker interface {
	// CheckSession checks that the lock's connection is a session of its
	// own, asking db, the pool that the lock's connection came from, for
	// another connection when it can have one without waiting for the
	// lock's own connection. The error wraps [ErrTransactionPooler] when
	// the session is shared.
	CheckSession(ctx context.Context, db *sql.DB) error
}

// LeaseLocker is an optional ability of a [Dialect] whose lock can also
// be taken as a lease: a row in a lock table that names its holder and
// expires unless it is renewed. Each of its statements is a transaction
// of its own, so it works through a transaction pooler, where the
// engine's session lock does not.
type LeaseLocker interface {
	// LeaseTable is the name of the table that holds the lease of the
	// history table table.
	LeaseTable(table string) string

	// NewLease returns the lease that guards table, taken, renewed and
	// released through db for lease at a time. Creating it sends nothing.
	NewLease(db *sql.DB, table string, lease time.Duration) Lease
}

// Lease is a [Lock] that is held for a limited time unless renewed. The
// engine renews it from another goroutine while it works, and stops its
// work when the lease cannot be renewed in time.
type Lease interface {
	Lock

	// Renew extends the lease to its full length from now, as the
	// server's clock counts. Its error wraps [ErrLeaseLost] when the
	// lease is no longer this lock's.
	Renew(ctx context.Context) error
}
