package sdk

import (
	"fmt"
	"time"
)

// DefaultDDLLockTimeout is how long a migration statement may wait for a
// lock another session holds, unless [WithDDLLockTimeout] says otherwise.
// While it waits, the engine queues every later query on the same table
// behind it, so this is also the longest the application's queries on
// that table stall because of a migration. docs/boot-protocol.md says
// why 2 seconds.
const DefaultDDLLockTimeout = 2 * time.Second

// DefaultDDLRetries is how many times a migration that gave up waiting
// for a lock is tried again, unless [WithDDLRetries] says otherwise.
// With the backoff between tries (from half a second, doubling, at most
// 20 seconds), the default gives a migration about two minutes in all:
// well inside [DefaultLockTimeout], for which replicas that boot at the
// same time wait on the migration lock.
const DefaultDDLRetries = 10

// maxDDLRetries keeps a typo from retrying for hours.
const maxDDLRetries = 100

// ddlConfig is what WithDDLLockTimeout and WithDDLRetries set; its zero
// value means the defaults.
type ddlConfig struct {
	timeout    time.Duration
	timeoutSet bool
	retries    int
	retriesSet bool
}

// lockTimeout is the bound on lock waits; 0 means none.
func (c ddlConfig) lockTimeout() time.Duration {
	if !c.timeoutSet {
		return DefaultDDLLockTimeout
	}
	return c.timeout
}

// retryCount is how many times a migration is tried again.
func (c ddlConfig) retryCount() int {
	if !c.retriesSet {
		return DefaultDDLRetries
	}
	return c.retries
}

// WithDDLLockTimeout bounds how long each statement of a migration waits
// for a lock that another session holds, on the migration connection
// only: PostgreSQL SET LOCAL lock_timeout in each migration transaction;
// MySQL and MariaDB lock_wait_timeout and innodb_lock_wait_timeout,
// rounded up to whole seconds, and SQLite busy_timeout, on the session
// for the run. The default is [DefaultDDLLockTimeout]. A migration that
// gives up and left nothing behind is tried again ([WithDDLRetries]). On
// PostgreSQL and SQLite a migration without a transaction is not
// bounded: CREATE INDEX CONCURRENTLY, cut short, leaves an invalid
// index behind.
//
// Zero turns the bound and the retries off: statements wait as the
// session's own settings say (on PostgreSQL and MySQL, by default, for
// ever or a day), and every query on the table waits behind them.
func WithDDLLockTimeout(d time.Duration) Option {
	return func(c *config) error {
		switch {
		case d < 0:
			return fmt.Errorf("WithDDLLockTimeout: %v is negative; give 0 to turn the bound off", d)
		case d > 0 && d < time.Millisecond:
			return fmt.Errorf("WithDDLLockTimeout: %v is less than the millisecond that engines count lock waits in", d)
		}
		c.ddl.timeout, c.ddl.timeoutSet = d, true
		return nil
	}
}

// WithDDLRetries sets how many times a migration that gave up waiting for
// a lock is tried again, with a growing, jittered pause between tries;
// the default is [DefaultDDLRetries]. Only a migration that left nothing
// behind is tried again: one that ran in a transaction that rolled back,
// or whose first statement gave up. Zero fails at the first lock
// timeout. A Go migration may run more than once, so whatever it does
// outside its transaction must bear that.
func WithDDLRetries(n int) Option {
	return func(c *config) error {
		if n < 0 || n > maxDDLRetries {
			return fmt.Errorf("WithDDLRetries: %d is not between 0 and %d", n, maxDDLRetries)
		}
		c.ddl.retries, c.ddl.retriesSet = n, true
		return nil
	}
}
