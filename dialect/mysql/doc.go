// Package mysql is the MySQL and MariaDB dialect of hoist, for MySQL 8 and
// MariaDB 10.6 and later.
//
// It imports no database driver. Use it with the driver your application
// already links, usually github.com/go-sql-driver/mysql:
//
//	import _ "github.com/go-sql-driver/mysql"
//
//	db, err := sql.Open("mysql", "app:secret@tcp(db:3306)/app")
//	...
//	d := mysql.New()
//
// hoist does not need parseTime=true in the DSN, and the DSN's loc does
// not move applied_at: the column holds UTC, written as UTC text (never
// as a time.Time, which the driver would write in loc) and read back as
// text ([Dialect.SelectHistory]), which the engine takes as UTC.
//
// # History table
//
// The history table (InnoDB, utf8mb4) has the columns version (BIGINT
// primary key), name, checksum, batch, applied_at (DATETIME(6), UTC
// whatever the DSN's loc),
// execution_ms and state. A qualified name ("app.hoist_migrations") puts
// it in database app.
//
// MySQL commits DDL implicitly, so [Dialect.TransactionalDDL] is false: a
// migration that fails half way leaves its earlier statements applied,
// and the engine records it as failed rather than pretending it rolled
// back. [Dialect.CommitsImplicitly] tells the engine which statements
// do: it records a migration with one of them as running before that
// statement, and one of DML only runs in a transaction that a failure
// rolls back, leaving it pending.
//
// # Lock
//
// [Dialect.NewLock] returns a named user lock (GET_LOCK). User locks are
// server-wide, so the name is scoped to the database:
// "hoist:<database>.<table>", where the database is the one named in a
// qualified table or else the connection's current database (SELECT
// DATABASE()), looked up the first time the lock is used. A name longer
// than 64 characters, MySQL's limit, becomes "hoist:" followed by the hex
// SHA-1 of "<database>.<table>".
//
// The lock belongs to the connection: it survives commits and ends with
// the session, so a killed migrator never leaves it behind, but a
// connection returned to a pool while holding it keeps it.
//
// # Errors
//
// [Dialect.IsMissingTable] recognises error 1146 (ER_NO_SUCH_TABLE) in the
// message, which go-sql-driver formats as "Error 1146 (42S02): Table
// 'app.t' doesn't exist".
package mysql
