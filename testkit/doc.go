// Package testkit gives go test suites disposable databases.
//
// [Postgres], [MySQL] and [SQLite] each return a [DB]: a fresh, empty
// database of its own, an open *sql.DB on it, the DSN to open it again
// (from another process too) and the matching hoist dialect. The database
// is dropped in t.Cleanup, unless the test failed or HOIST_TEST_KEEP=1 is
// set: then it is kept and its DSN, password masked, is logged so that
// you can look inside.
//
//	func TestUsers(t *testing.T) {
//		t.Parallel()
//		db := testkit.Postgres(t)
//		if _, err := db.DB.ExecContext(t.Context(), "CREATE TABLE users (id int)"); err != nil {
//			t.Fatal(err)
//		}
//	}
//
// # Where databases come from
//
// This version knows one provider: an existing server, named by an
// environment variable, on which every call creates a new database
// "hoist_test_<8 hex digits>":
//
//	HOIST_TEST_POSTGRES_URL  postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable
//	HOIST_TEST_MYSQL_URL     mysql://root:@127.0.0.1:3306/  or  root:@tcp(127.0.0.1:3306)/
//
// The user in the URL must be allowed to create and drop databases; the
// database it names is only used for that. SQLite needs no server: each
// database is a file in a temporary directory of its own.
//
// Docker (dockertest) and local server binaries (initdb/pg_ctl, mariadbd)
// are further providers still to come. Until then a test whose server is
// not configured is skipped with a message that says which variable to
// set, or fails when HOIST_TEST_REQUIRE=1 (as CI sets it) so that a
// missing server cannot pass for a green run.
//
// # Concurrency and resources
//
// Every function is safe under t.Parallel. The administrative connection
// to each server is opened once per test binary and shared. Each returned
// *sql.DB is bounded to 10 open connections, so that many parallel tests
// do not exhaust the server's connection limit.
//
// # Drivers
//
// testkit links and registers the database/sql drivers its DSNs are for:
// "pgx" (github.com/jackc/pgx/v5/stdlib), "mysql"
// (github.com/go-sql-driver/mysql) and "sqlite" (modernc.org/sqlite), so a
// test, or a child process started from the test binary, can call
// sql.Open(db.Driver, db.DSN). MySQL DSNs do not set parseTime: DATETIME
// columns scan as []byte, as they do in an application that does not ask
// for more.
package testkit
