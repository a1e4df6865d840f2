package dialecttest

import (
	"errors"
	"testing"

	"github.com/hoistdb/hoist/dialect"
	"github.com/hoistdb/hoist/testkit"
)

// Run runs the suite on d, with databases from open, as parallel
// subtests of t. See the package documentation for what it checks.
//
// Parallel subtests run after the calling test function returns, so
// release what open's databases need with t.Cleanup, not defer.
func Run(t *testing.T, d dialect.Dialect, open func(t testing.TB) *testkit.DB, opts ...Option) {
	t.Helper()
	if d == nil || open == nil {
		t.Fatal("dialecttest: Run needs a dialect and a function that opens databases")
	}
	var c config
	for _, opt := range opts {
		if opt == nil {
			t.Fatal("dialecttest: nil Option")
		}
		if err := opt(&c); err != nil {
			t.Fatalf("dialecttest: %v", err)
		}
	}
	s := &suite{d: d, open: open, config: c}
	t.Run("history", s.history)
	t.Run("transactional_ddl", s.transactionalDDL)
	t.Run("seeds", s.seeds)
	t.Run("is_missing_table", s.isMissingTable)
	t.Run("lock", s.lock)
	if lw, ok := d.(dialect.LockWaits); ok {
		t.Run("lock_waits", func(t *testing.T) { s.lockWaits(t, lw) })
	}
	if sc, ok := d.(dialect.Scripter); ok {
		t.Run("script", func(t *testing.T) { s.script(t, sc) })
	}
	if l, ok := d.(dialect.HistoryLiterals); ok {
		t.Run("literals", func(t *testing.T) { s.literals(t, l) })
	}
	if ic, ok := d.(dialect.ImplicitCommits); ok {
		t.Run("implicit_commits", func(t *testing.T) { s.implicitCommits(t, ic) })
	}
	t.Run("syntax", s.syntax)
	if c, ok := d.(dialect.Canceler); ok {
		t.Run("cancel", func(t *testing.T) { s.cancel(t, c) })
	}
}

// Option adjusts the suite to an engine. A bad option fails the test.
type Option func(*config) error

type config struct {
	historyTables       func(t testing.TB, db *testkit.DB) []string
	lockOutlivesSession bool
	lockSkipped         string
	timestampLayout     string
}

// WithHistoryTables runs the history checks also on the tables that
// tables names, usually qualified by a schema or database
// ("app.hoist_migrations"). tables is called once, with a new database
// on which the checks then run one table after the other; it may create
// what the names need, such as the schema. By default the suite checks a
// plain name and a name with the dialect's quote character in it.
func WithHistoryTables(tables func(t testing.TB, db *testkit.DB) []string) Option {
	return func(c *config) error {
		if tables == nil {
			return errors.New("WithHistoryTables(nil): want a function that names tables")
		}
		c.historyTables = tables
		return nil
	}
}

// WithLockOutlivingSession says that the dialect's lock does not end
// with the database session that took it, as SQLite's, which is a file
// lock held by the process. The suite then does not check that closing
// the holder's session frees the lock; check instead what does.
func WithLockOutlivingSession() Option {
	return func(c *config) error {
		c.lockOutlivesSession = true
		return nil
	}
}

// WithLockSkipped skips the lock checks, saying why, for a platform where
// the dialect cannot lock at all and says so from TryAcquire. reason must
// not be empty.
func WithLockSkipped(reason string) Option {
	return func(c *config) error {
		if reason == "" {
			return errors.New("WithLockSkipped: say why the lock checks are skipped")
		}
		c.lockSkipped = reason
		return nil
	}
}

// WithTextTimestamps says that the driver may return a timestamp column
// as text in layout, as go-sql-driver/mysql does without parseTime=true
// ("2006-01-02 15:04:05.999999"); the suite reads it as UTC. Without it
// the suite wants time.Time from the driver.
func WithTextTimestamps(layout string) Option {
	return func(c *config) error {
		if layout == "" {
			return errors.New("WithTextTimestamps: want a time layout")
		}
		c.timestampLayout = layout
		return nil
	}
}

// suite is one Run.
type suite struct {
	d    dialect.Dialect
	open func(t testing.TB) *testkit.DB
	config
}
