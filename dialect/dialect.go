// Package dialect defines what the hoist engine needs to know about a
// database engine, and nothing more.
//
// A [Dialect] returns SQL text for hoist's history table and a [Lock] that
// serialises migrators across processes. The per-engine packages
// (dialect/postgres, dialect/mysql, dialect/sqlite) mirror each other file
// for file and import no database driver: an application links only the
// driver it chose.
//
// Statement builders return strings so that they can be tested without a
// database; the history table name they receive is unquoted and may be
// schema-qualified ("app.hoist_migrations"). Package dialect/dialecttest
// checks a Dialect against its real engine: every dialect here passes it,
// and a dialect for another engine can run it too.
package dialect

import (
	"context"
	"database/sql"
	"time"

	"github.com/hoistdb/hoist/embedfs"
)

// Dialect is one database engine as the engine sees it.
type Dialect interface {
	// Name is the engine's short name: "postgres", "mysql" or "sqlite".
	Name() string

	// TransactionalDDL reports whether DDL inside a transaction rolls back
	// with it. Where it does not (MySQL, MariaDB), a migration that fails
	// half way leaves changes behind and is recorded as failed; without
	// [ImplicitCommits], the engine takes every statement for one that
	// may commit.
	TransactionalDDL() bool

	// QuoteIdent quotes an identifier; a dotted name is quoted part by part.
	QuoteIdent(name string) string

	// CreateHistoryTable creates the history table if it does not exist.
	// Its columns are named version, name, checksum, batch, applied_at,
	// execution_ms and state: the engine's boot query reads version,
	// checksum and state by these names.
	CreateHistoryTable(table string) string

	// SelectHistory reads every history row ordered by version, with the
	// columns version, name, checksum, batch, applied_at, execution_ms,
	// state.
	SelectHistory(table string) string

	// InsertHistory inserts one row; its arguments are version, name,
	// checksum, batch, applied_at (UTC time.Time), execution_ms, state.
	InsertHistory(table string) string

	// DeleteHistory deletes the row of one version; its argument is the
	// version.
	DeleteHistory(table string) string

	// DeleteHistoryState deletes every row in one state; its argument is
	// the state.
	DeleteHistoryState(table string) string

	// ClearHistory deletes every row and keeps the table.
	ClearHistory(table string) string

	// DropHistoryTable drops the history table if it exists.
	DropHistoryTable(table string) string

	// CreateSeedTable creates, if it does not exist, the table that
	// records which run-once seeders have run: name (primary key),
	// checksum, applied_at.
	CreateSeedTable(table string) string

	// SelectSeeds reads the name column of every seed table row.
	SelectSeeds(table string) string

	// InsertSeed records a seeder; its arguments are name, checksum and
	// applied_at (UTC time.Time).
	InsertSeed(table string) string

	// IsMissingTable reports whether err is the engine's "table does not
	// exist" error, as returned by its usual driver.
	IsMissingTable(err error) bool

	// NewLock returns the lock that guards the history table, to be taken
	// and released through conn. Creating it sends nothing.
	NewLock(conn *sql.Conn, table string) Lock
}

// Lock is a cross-process mutual exclusion held through one connection.
//
// The engine polls TryAcquire with a short backoff until it succeeds or the
// lock timeout expires, then asks Holder whom to blame.
type Lock interface {
	// TryAcquire takes the lock if it is free and reports whether it did.
	// It does not wait.
	TryAcquire(ctx context.Context) (bool, error)

	// Release gives the lock back. The engine calls it with a context
	// that is not cancelled, also after a panic or a cancelled run.
	Release(ctx context.Context) error

	// Holder describes who holds the lock now, such as
	// "pid 4711 (myapp) from 10.0.0.3 since 2026-11-22T04:00:00Z", or ""
	// when the engine cannot tell.
	Holder(ctx context.Context) (string, error)

	// String names the lock for messages, such as
	// "pg_advisory_lock(7012345678901234567)".
	String() string
}

// Scripter is an optional ability of a [Dialect] whose usual drivers run a
// string of several statements, sent without arguments, in one round trip
// and in order (PostgreSQL's simple query protocol, as pgx and lib/pq use
// it when a query has no arguments). The engine then sends a SQL
// migration's statements and its history change as one script, instead of
// one round trip per statement.
type Scripter interface {
	// MigrationPrologue is the first statement inside every migration
	// transaction, or "".
	MigrationPrologue() string

	// InsertHistoryScript inserts the applied history row of one
	// migration, with its values as literals; appliedAt is UTC, from the
	// engine's clock as on every other path, and the server fills in
	// execution_ms from the start of the script.
	InsertHistoryScript(table string, version int64, name, checksum string, batch int, appliedAt time.Time) string

	// DeleteHistoryScript deletes the history row of one version.
	DeleteHistoryScript(table string, version int64) string
}

// Syntaxer is an optional ability of a [Dialect] whose SQL lexes
// differently from standard SQL (MySQL's backslash escapes and # comments),
// so that migration files are split into statements where the engine sees
// them end.
type Syntaxer interface {
	Syntax() embedfs.Syntax
}

// HistoryLiterals is an optional ability of a [Dialect] whose usual driver
// spends extra round trips on a statement with arguments
// (go-sql-driver/mysql prepares it on the server, executes it and closes
// it, unless the DSN sets interpolateParams). The engine then writes
// history rows with their values spelt as literals, in one round trip.
type HistoryLiterals interface {
	// InsertHistoryLiteral is [Dialect.InsertHistory] with its values as
	// literals; appliedAt is UTC.
	InsertHistoryLiteral(table string, version int64, name, checksum string, batch int, appliedAt time.Time, executionMS int64, state string) string

	// DeleteHistoryLiteral is [Dialect.DeleteHistory] with the version as
	// a literal.
	DeleteHistoryLiteral(table string, version int64) string
}

// BootAggregate is an optional ability of a [Dialect] whose usual driver
// spends more on each row of a result than the engine spends joining the
// rows into one value (modernc.org/sqlite: database/sql and the driver
// cost about half a microsecond per row, as much as the rest of a no-op
// boot at 1000 migrations). The engine's boot query then reads the whole
// history as one text value.
type BootAggregate interface {
	// SelectBootAggregate reads the whole history in one row of two
	// columns: the number of rows, and one text value that holds, for
	// each row, its version, negated when its state is not "applied" or
	// its checksum is NULL, a space and its checksum (empty when the row
	// has none), the rows
	// separated by commas, in any order. The value is NULL when the
	// table is empty. (The count lets the engine tell a comma inside a
	// checksum, which it did not write, from one between rows.)
	SelectBootAggregate(table string) string
}

// ImplicitCommits is an optional ability of a [Dialect] without
// transactional DDL. The engine runs a migration made only of statements
// that the engine commits implicitly outside a transaction: BEGIN and
// COMMIT around it would hold nothing, and cost two round trips.
type ImplicitCommits interface {
	// CommitsImplicitly reports whether the engine commits the open
	// transaction before and after stmt, a statement as a migration file
	// holds it (comments before it already stripped).
	CommitsImplicitly(stmt string) bool
}

// BusyErrors is an optional ability of a [Dialect] whose engine can refuse
// a statement, or a new connection, because another connection holds a
// lock it needs, even where the driver is told to wait for locks. SQLite
// does when several processes open a new database file together and each
// turns on WAL mode: the switch needs the file to itself, and SQLite
// gives up at once rather than risk a deadlock. The engine then retries
// its first, unlocked reading of the history, and getting the connection
// for the migration lock, until the lock timeout passes.
type BusyErrors interface {
	// IsBusy reports whether err, as returned by the engine's usual
	// driver and perhaps wrapped, says the database was locked by
	// another connection.
	IsBusy(err error) bool
}

// LockWaits is an optional ability of a [Dialect] whose engine can bound
// how long a statement waits for a lock that another session holds.
// Every engine queues lock requests: a migration's ALTER TABLE that waits
// behind a long transaction makes every later query on that table wait
// behind the ALTER, so an application's boot becomes an outage. The
// engine bounds the wait of migration statements with it, retries a
// migration that gave up and left nothing behind, and names the sessions
// that were in the way.
type LockWaits interface {
	// LocalLockWait returns a statement that makes the rest of the
	// current transaction's statements give up after waiting d for a
	// lock, or "" where the engine has none. Where it has one and the
	// dialect is a [Scripter], the engine runs it in the prologue of
	// each migration transaction and leaves the session alone: behind a
	// transaction pooler the session may serve another client next.
	LocalLockWait(d time.Duration) string

	// BoundLockWaits makes statements on conn give up after waiting d
	// for a lock held by another session (on MySQL rounded up to whole
	// seconds), and returns a function that puts back what conn had. It
	// is called outside a transaction, once per run, where
	// LocalLockWait cannot serve.
	BoundLockWaits(ctx context.Context, conn *sql.Conn, d time.Duration) (restore func(context.Context) error, err error)

	// IsLockTimeout reports whether err, as returned by the engine's
	// usual driver and perhaps wrapped, says that a statement gave up
	// waiting for a lock: the statement (or, where the engine says so,
	// the transaction) was rolled back and may be tried again.
	IsLockTimeout(err error) bool

	// LockBlockers describes, through conn, at most n other sessions
	// that may have held the lock that a statement on conn gave up on:
	// sessions in an open transaction that hold locks on tables,
	// oldest transaction first. No sessions, and no error, when the
	// engine cannot tell.
	LockBlockers(ctx context.Context, conn *sql.Conn, n int) ([]Blocker, error)
}

// Blocker is a session that held locks a migration may have waited for,
// as far as the engine shows it.
type Blocker struct {
	// Session names it: "pid 4711 (psql) from 10.0.0.3",
	// "connection 42 (app@10.0.0.3:51234)".
	Session string
	// State is what it is doing: "idle in transaction", "active".
	State string
	// Since is when its transaction started, zero when unknown; Age is
	// how long it had been open when asked (by the server's clock).
	Since time.Time
	Age   time.Duration
	// Query is its current or last statement, "" when hidden.
	Query string
	// Tables are the tables it holds locks on, where the engine says.
	Tables []string
}

// RequiredColumns is an optional ability of a [Dialect] whose catalogue
// can list the columns that an INSERT must fill. The engine refuses a
// history table with such a column that it does not write (one added by
// hand), before it runs anything: otherwise the row of a migration that
// ran could not be recorded, and on an engine without transactional DDL
// the migration would stay applied without one.
type RequiredColumns interface {
	// SelectRequiredColumns returns a query, and its arguments, whose
	// rows hold one column each: the name of every column of table that
	// is NOT NULL, has no default and is neither generated nor filled by
	// the engine (identity, auto-increment). No rows when the table does
	// not exist.
	SelectRequiredColumns(table string) (query string, args []any)
}

// TimeArgs is an optional ability of a [Dialect] whose usual driver
// changes a time.Time argument into a time zone of its own configuration
// before the server stores it in a column without one
// (go-sql-driver/mysql writes it in the DSN's loc, and reads DATETIME
// back in that loc when the DSN has parseTime=true). The engine then
// passes applied_at as TimeArg returns it, so that the column holds UTC
// whatever the DSN says; the dialect's SelectHistory reads it back in a
// form the driver does not convert either.
type TimeArgs interface {
	// TimeArg returns t, a UTC time to the microsecond, as an argument
	// the driver sends unchanged.
	TimeArg(t time.Time) any
}

// Canceler is an optional ability of a [Dialect] whose engine can cancel
// the statement that another session runs, given that session's id
// (PostgreSQL's pg_cancel_backend, MySQL's KILL QUERY). A driver that
// gives up on a statement when its context is cancelled closes the
// connection without telling the server, which then runs the migration
// to its end and commits it while the caller hears that it failed. The
// engine instead lets the statement run on, asks the server over another
// connection to cancel it, and waits for the server's verdict; and after
// a lost connection it asks whether that session is still alive before
// it reads the history to say what happened. The id is text, as the
// engine only passes it back.
type Canceler interface {
	// BackendID is a query run once on the migration's session, after
	// the lock is taken. It returns one row whose first value is the
	// session's id. It may also ask the server to watch the client
	// while a statement runs, so that a statement whose client vanished
	// (a process killed with -9) is aborted and rolled back soon,
	// rather than run to its commit.
	BackendID() string

	// ResetSession undoes on the migration's session what BackendID
	// set, before the connection goes back to the pool, or is "".
	ResetSession() string

	// CancelBackend, sent on another session, cancels the statement
	// that session id runs now, if any; the session itself lives on.
	CancelBackend(id string) string

	// BackendAlive is a query that returns one row whose first value is
	// the number of sessions with the id: 0 once the session has ended.
	BackendAlive(id string) string
}
