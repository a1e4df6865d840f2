// Package testkit gives go test suites disposable databases, migrated
// databases copied from a template, and checks of migrations.
//
// # Fresh databases
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
// # Migrated databases
//
// [Migrated] returns a fresh database with every migration applied, as
// the application's own [sdk.Migrator.Up] leaves it, history included:
//
//	db := testkit.Migrated(t, testkit.Postgres, sdk.WithFS(migrations.FS))
//
// Its second argument, a [Kind], is the constructor of the engine. The
// first call builds a template by running the migrations; every later
// call, in this test binary or another one on the same server, copies it
// (PostgreSQL: CREATE DATABASE ... TEMPLATE; MySQL: a replay of the
// template's schema and rows; SQLite: a file copy). A new set of
// migrations gets a new template. Clones of it are kept ready and
// connected in the background (HOIST_TEST_POOL), and those no test used
// are left on the server for the next test binary, so that a test
// usually gets a database that already exists.
//
// [MigratedTx] is cheaper still for tests that only read and write rows:
// the tests of a binary share one migrated database, each inside a
// transaction rolled back when it ends, and a statement that would
// commit that transaction fails the test.
//
// # Fleets of tenants
//
// [Fleet] returns n fresh tenants for [sdk.NewFleet]: PostgreSQL schemas
// of one fresh database (or databases, with [FleetOfDatabases]),
// MySQL/MariaDB databases, or SQLite files, each database one that the
// kind returns and so dropped, kept and swept like any other. The
// [TenantFleet] holds the pool, dialect, targets and options NewFleet
// takes:
//
//	f := testkit.Fleet(t, testkit.MySQL, 4)
//	fleet, err := sdk.NewFleet(f.DB, f.Dialect, f.Targets(), f.Options(sdk.WithTargetOptions(sdk.WithFS(migrations.FS)))...)
//
// # Checking migrations
//
// [Snapshot] prints a database's schema as stable text, [RoundTrip]
// proves that every down undoes its up ([RoundTripAll] lists every one
// that does not), [Golden] compares text with a
// file under testdata, and [Factory] inserts rows with defaults.
//
// # Where databases come from
//
// Each engine's server is found once per test binary, trying in order:
//
//  1. an existing server named by HOIST_TEST_POSTGRES_URL or
//     HOIST_TEST_MYSQL_URL, on which testkit creates and drops only
//     databases named hoist_test_*, and drops those that earlier test
//     binaries left behind once they are a day old (templates: a week);
//  2. a Docker engine that answers within 2s: one container per engine,
//     through dockertest, with its data in a tmpfs, removed at the end
//     (see [Main]) or by itself after HOIST_TEST_DOCKER_LIFETIME (30m);
//  3. server binaries installed on this machine (initdb and postgres;
//     mariadbd with mariadb-install-db, or mysqld), started in a
//     directory of tmpfs on a free port, as the postgres or mysql user
//     when the tests run as root, shared by the test binaries of this
//     user (so templates and ready clones outlive each binary) and
//     stopped by a watchdog after HOIST_TEST_LOCAL_IDLE (10m) without
//     clients; with HOIST_TEST_LOCAL_IDLE=0, one server per test binary,
//     stopped as soon as it exits, however it exits.
//
// HOIST_TEST_PROVIDER=env,docker,local (any of them, comma-separated)
// restricts the chain. When no provider gives a server the test is
// skipped with every provider's reason and how to enable one, or fails
// when HOIST_TEST_REQUIRE=1 (as CI should set it), so that a missing
// server cannot pass for a green run. A configured URL that does not work
// fails the test at once. SQLite needs no server: each database is a file
// in a temporary directory of its own.
//
// # Concurrency and resources
//
// Every function is safe under t.Parallel. Each returned *sql.DB is
// bounded to 10 open connections ([WithMaxOpenConns] changes it), and at
// most a few top-level tests of one test binary hold databases on a
// server at once: half the server's max_connections in pools of 10, or
// HOIST_TEST_MAX_CONNS. A test and its subtests share one such slot, so
// they never wait for each other.
//
// # Drivers
//
// testkit links and registers the database/sql drivers its DSNs are for:
// "pgx" (github.com/jackc/pgx/v5/stdlib), "mysql"
// (github.com/go-sql-driver/mysql) and "sqlite" (modernc.org/sqlite), so a
// test, or a child process started from the test binary, can call
// sql.Open(db.Driver, db.DSN). MySQL DSNs set parseTime=true, so that
// DATETIME and TIMESTAMP columns scan into time.Time; an application's
// own DSN needs it too.
//
// docs/testing.md in the repository is the long form of all this, with
// CI recipes.
package testkit
