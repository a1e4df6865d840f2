// Package sqlite is the SQLite dialect of hoist.
//
// It imports no database driver. Use it with the driver your application
// already links, such as modernc.org/sqlite (pure Go):
//
//	import _ "modernc.org/sqlite"
//
//	db, err := sql.Open("sqlite", "file:app.db?_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)")
//	...
//	d := sqlite.New()
//
// # History table
//
// The history table has the columns version (INTEGER primary key, a
// 64-bit alias of the rowid), name, checksum, batch, applied_at, execution_ms
// and state. applied_at is declared TIMESTAMP, which modernc.org/sqlite
// reads back as time.Time; the engine also copes with drivers that return
// text. A qualified name ("aux.hoist_migrations") names an attached
// database.
//
// # Lock
//
// SQLite has no advisory locks, yet several processes may open one
// database file and migrate it at once (replicas of a service sharing a
// volume, or a service and a one-off command). [Dialect.NewLock] therefore
// takes an operating-system advisory lock, flock(2) with LOCK_EX|LOCK_NB,
// on a sidecar file next to the database:
//
//	<database file>.hoist-<table>.lock
//
// where the database file is the one PRAGMA database_list reports for the
// table's schema ("main" unless the table is qualified). The operating
// system drops the lock when the holder closes the file or dies, so a
// killed migrator never leaves a stale lock behind. The holder writes "pid
// <pid> on <host> since <time>" into the file for the lock's Holder method
// to read; the file is never deleted, since deleting a lock file races
// with other processes opening it.
//
// flock locks are per open file, so two locks in one process exclude
// each other as two processes do. They are only as good as the file
// system's flock: local file systems honour it, network file systems may
// not (and SQLite itself advises against them).
//
// In-memory and temporary databases have no file. They are private to
// the process that opened them, so no other process can race for them,
// but the goroutines of that process can, through several connections to
// one shared-cache database ("file:x?mode=memory&cache=shared"). Their
// lock is therefore a mutex of the process, keyed by the history table's
// name (case-insensitively, without the schema): SQLite does not tell
// which in-memory database a connection is on, so migrators of unrelated
// in-memory databases with the same history table take turns too. Their
// Holder describes this process.
//
// On platforms without flock (Windows, Solaris, illumos, AIX, Plan 9 and
// others) TryAcquire returns an error for file databases rather than
// pretend to lock.
//
// While the lock is held, a connection whose busy_timeout is 0 gets a
// busy_timeout of 5 seconds, so that the migrating connection waits for
// the application's other connections to finish their writes instead of
// failing with SQLITE_BUSY; Release restores 0.
//
// The lock can also relax the commits of its connection
// ([github.com/hoistdb/hoist/dialect.RelaxedCommits]), which the engine
// asks for unless the application gave sdk.WithDurableCommits: in WAL
// mode, a connection at synchronous FULL or EXTRA is set to NORMAL while
// the lock is held, and Release puts its own level back. A power failure
// can then lose the latest commits, never half of one. Rollback-journal
// modes keep their level: there SQLite documents that NORMAL may corrupt
// the file in a power failure on some file systems.
//
// # Errors
//
// [Dialect.IsMissingTable] looks for "no such table" in the message,
// which is SQLite's own wording whatever the driver.
//
// [Dialect.IsBusy] reports SQLITE_BUSY, by the error's code where the
// driver gives one and by "database is locked" otherwise. The engine
// retries its steps before the lock on it: several processes that open a
// new database file together and each turn on WAL mode get SQLITE_BUSY
// at once, whatever their busy_timeout.
package sqlite
