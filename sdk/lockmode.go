package sdk

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/hoistdb/hoist/dialect"
)

// ErrTransactionPooler: the migration lock's connection goes through a
// pooler that shares server sessions between clients per transaction
// (PgBouncer with pool_mode=transaction), so a session-level lock does
// not exclude other migrators. Up refuses before anything runs and gives
// back the lock. Connect directly, use session pooling, or take the lock
// as a lease with [WithLockMode]([LockLease]). Tested with errors.Is.
var ErrTransactionPooler = dialect.ErrTransactionPooler

// ErrLockLost: the lease of [LockLease] could not be renewed in time, or
// another migrator holds it now; the run stopped. Tested with errors.Is.
var ErrLockLost = dialect.ErrLeaseLost

// LockMode is how the migration lock is held ([WithLockMode]).
type LockMode int

const (
	// LockSession is the engine's own lock, held by the lock's database
	// session or open file: PostgreSQL's session-level advisory lock,
	// MySQL's GET_LOCK, a file lock beside a SQLite database. A
	// migrator that dies loses it at once. The default.
	LockSession LockMode = iota
	// LockLease is a row in a lock table (the history table's name and
	// "_lock") that names its holder and expires unless renewed. Its
	// statements need no session, so it works through a transaction
	// pooler. A migrator that dies keeps other migrators waiting until
	// its lease expires ([WithLeaseDuration]). PostgreSQL only.
	LockLease
)

func (m LockMode) String() string {
	switch m {
	case LockSession:
		return "session"
	case LockLease:
		return "lease"
	}
	return fmt.Sprintf("LockMode(%d)", int(m))
}

// DefaultLeaseDuration is how long a lease of [LockLease] lasts unless
// [WithLeaseDuration] says otherwise. The holder renews it every third
// of that and stops its run when it has not managed to for two thirds,
// so that the lease cannot expire while it still works.
const DefaultLeaseDuration = 15 * time.Second

// lockConfig is what WithLockMode and WithLeaseDuration set.
type lockConfig struct {
	mode  LockMode
	lease time.Duration // 0: DefaultLeaseDuration
}

// WithLockMode says how the migration lock is held; the default is
// [LockSession]. Use [LockLease] when the application reaches
// PostgreSQL through a transaction pooler (PgBouncer with
// pool_mode=transaction): [New] refuses it for engines without a lease.
// Every migrator of one history table must use the same mode: a lease
// and a session lock do not exclude each other.
func WithLockMode(mode LockMode) Option {
	return func(c *config) error {
		if mode != LockSession && mode != LockLease {
			return fmt.Errorf("WithLockMode: unknown mode %d", int(mode))
		}
		c.lock.mode = mode
		return nil
	}
}

// WithLeaseDuration sets the length of the lease of [LockLease]; the
// default is [DefaultLeaseDuration]. A shorter lease frees the lock of a
// crashed migrator sooner; a longer one survives longer pauses in
// reaching the database. It must be at least one second, and needs
// WithLockMode(LockLease).
func WithLeaseDuration(d time.Duration) Option {
	return func(c *config) error {
		if d < time.Second {
			return fmt.Errorf("WithLeaseDuration: %v is shorter than a second", d)
		}
		c.lock.lease = d
		return nil
	}
}

// check refuses a lock configuration that d cannot hold for table.
func (l *lockConfig) check(d dialect.Dialect, table string) error {
	if l.lease != 0 && l.mode != LockLease {
		return errors.New("WithLeaseDuration: needs WithLockMode(LockLease)")
	}
	if l.lease == 0 {
		l.lease = DefaultLeaseDuration
	}
	if l.mode != LockLease {
		return nil
	}
	ll, ok := d.(dialect.LeaseLocker)
	if !ok {
		return fmt.Errorf("WithLockMode(LockLease): the %s dialect has no lease lock; its own lock is not bound to a pooled session", d.Name())
	}
	if name := ll.LeaseTable(table); len(name)-strings.LastIndex(name, ".")-1 > 63 {
		return fmt.Errorf("WithLockMode(LockLease): the lease table's name %s is longer than 63 characters; choose a shorter table with WithTable", name)
	}
	return nil
}

// poolerAdvice adds what to do to an error that found a transaction
// pooler before anything ran.
func poolerAdvice(err error) error {
	if err == nil || !errors.Is(err, ErrTransactionPooler) {
		return err
	}
	return fmt.Errorf("%w; a session-level lock cannot exclude other migrators there, so nothing ran: %s", err, poolerFixes)
}

// poolerAfterRun is poolerAdvice for a pooler found only when the lock
// was released, after the run: what the run did stands (its result says
// what), and the next run would meet the pooler again.
func poolerAfterRun(err error) error {
	return fmt.Errorf("hoist: %w; the run itself finished as its result says, but a session-level lock cannot exclude other migrators there: %s", err, poolerFixes)
}

const poolerFixes = "take the lock as a lease with sdk.WithLockMode(sdk.LockLease), connect to the database directly, " +
	"or use session pooling (pool_mode=session); through a transaction pooler, pgx also needs " +
	"default_query_exec_mode=exec (or simple_protocol) in the DSN, or its cached prepared statements fail"
