// Package postgres is the PostgreSQL dialect of hoist.
//
// It imports no database driver. Use it with the driver your application
// already links, usually pgx through its database/sql adapter:
//
//	import _ "github.com/jackc/pgx/v5/stdlib"
//
//	db, err := sql.Open("pgx", os.Getenv("DATABASE_URL"))
//	...
//	d := postgres.New()
//
// # History table
//
// The history table has the columns version (BIGINT primary key), name,
// checksum, batch, applied_at (TIMESTAMPTZ), execution_ms and state. A
// schema-qualified name ("app.hoist_migrations") is quoted part by part;
// the schema must exist.
//
// # Lock
//
// [Dialect.NewLock] returns a session-level advisory lock
// (pg_try_advisory_lock) whose bigint key is derived from the history
// table name, so two applications with different history tables in one
// database do not block each other. The key is derived from the table's
// schema-qualified name, an unqualified name qualified with the schema it
// resolves to on the lock's session (current_schema()), so
// "hoist_migrations" and "public.hoist_migrations" are one table and one
// lock, while replicas whose search_path differs lock the tables they
// really write.
//
// The lock belongs to the database session, not to a transaction: it
// survives commits and rollbacks and ends with the connection. A killed
// migrator therefore never leaves a stale lock behind, but a connection
// returned to a pool while still holding the lock keeps it; release it
// through the same connection before giving the connection back.
//
// # Errors
//
// [Dialect.IsMissingTable] recognises SQLSTATE 42P01 (undefined_table)
// from any driver whose errors have a SQLState() string method, as pgx's
// *pgconn.PgError does, and from the text "(SQLSTATE 42P01)" otherwise.
package postgres
