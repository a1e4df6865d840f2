// Package dialecttest checks that a [dialect.Dialect] does what the hoist
// engine relies on, against the real engine, as testing/fstest.TestFS
// checks a file system. The dialects in this module run it, and so can
// the author of a dialect for another engine:
//
//	func TestConformance(t *testing.T) {
//		dialecttest.Run(t, postgres.New(), func(t testing.TB) *testkit.DB {
//			return testkit.Postgres(t)
//		})
//	}
//
// open must return a new, empty database each time it is called. The
// suite opens further sessions on it with sql.Open(db.Driver, db.DSN), so
// the DSN must reach the same database from a separate pool. A dialect
// for another engine fills in a [testkit.DB] of its own.
//
// # What it checks
//
// History statements: the history table is created twice (it must be
// idempotent), rows are inserted and read back in version order with
// applied_at equal, to the microsecond, to the instant written (time.Time
// from the driver, or text read as UTC with [WithTextTimestamps]), one
// row is deleted by version, the failed ones by state, then all of them,
// and the table is dropped twice; reading it then is a missing table to
// [dialect.Dialect.IsMissingTable]. This runs on a plain table name, on a
// name holding the dialect's own quote character, and on the names
// [WithHistoryTables] adds.
//
// TransactionalDDL: creating a table in a transaction that rolls back
// leaves no table exactly when the dialect says DDL is transactional.
//
// Seed statements: the seed table is missing before it is created,
// creating it is idempotent, a seeder is recorded once (a second insert
// of its name fails) and the names read back.
//
// IsMissingTable: true for the engine's error on a missing table, also
// wrapped; false for a syntax error, a missing column and nil.
// BusyErrors, when the dialect implements it: IsBusy is false for those
// same errors. That it is true for the engine's busy errors is for the
// dialect's own tests to show, since how to provoke one differs from
// engine to engine.
//
// Lock: through two separate sessions, one session's lock excludes the
// other's, TryAcquire on a held lock reports true, Holder names a holder
// while the lock is held and is "" while it is free, one Release frees
// the lock however often it was taken, different tables do not block each
// other, releasing a lock that is not held is an error (the one never
// taken says "not held") and leaves the holder's lock alone, and a lock
// ends with the session that holds it, unless [WithLockOutlivingSession].
//
// LockWaits, when the dialect implements it: with one connection's lock
// waits bounded (in one transaction by LocalLockWait where it returns a
// statement, and by BoundLockWaits), its ALTER TABLE behind another connection's open write
// transaction fails with an error that IsLockTimeout knows (a missing
// table and nil are not lock timeouts), LockBlockers answers without an
// error, and after restore and the writer's rollback the ALTER succeeds.
//
// Scripter, when the dialect implements it: a transaction with the
// prologue, scripted inserts of names that need quoting and a scripted
// delete runs as one multi-statement string, and the rows read back.
//
// HistoryLiterals, when the dialect implements it: rows inserted with
// literal statements, with names that need quoting or escaping, read back
// as written, and a literal delete removes one.
//
// ImplicitCommits, when the dialect implements it: a row inserted in a
// transaction survives its rollback exactly when a statement that
// CommitsImplicitly reports true for ran after it.
//
// BootAggregate, when the dialect implements it: during the history
// checks, the aggregate holds every row as its signed version and
// checksum (an empty checksum too), and is NULL on an empty table.
//
// Syntax: statements split by [embedfs.Split] with the dialect's
// [dialect.Syntaxer] syntax, or standard SQL's without one, are the
// statements the engine runs: semicolons in strings and comments,
// doubled quotes, and backslashes as the syntax reads them.
//
// Canceler, when the dialect implements it: BackendID names a session
// that BackendAlive counts once; CancelBackend, sent from another
// session, makes the session's statement (an UPDATE waiting for a row
// that a third session's transaction holds) fail and leaves the session
// working; ResetSession runs; and BackendAlive counts 0 soon after the
// session closes.
//
// Each check is a parallel subtest with databases of its own.
package dialecttest
