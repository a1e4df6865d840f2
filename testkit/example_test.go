package testkit_test

import (
	"testing"
	"testing/fstest"

	"github.com/hoistdb/hoist/sdk"
	"github.com/hoistdb/hoist/testkit"
)

// exampleMigrations stands for an application's embedded migrations.
var exampleMigrations = fstest.MapFS{
	"0001_users.sql": {Data: []byte("-- +hoist up\nCREATE TABLE users (id INTEGER PRIMARY KEY, email VARCHAR(200) NOT NULL);\n-- +hoist down\nDROP TABLE users;\n")},
}

// A test asks for a fresh, empty database of the engine it needs. It is
// dropped when the test ends, or kept and logged when the test failed.
func ExamplePostgres() {
	_ = func(t *testing.T) {
		t.Parallel()
		db := testkit.Postgres(t)
		if _, err := db.DB.ExecContext(t.Context(), "CREATE TABLE users (id int)"); err != nil {
			t.Fatal(err)
		}
	}
}

// A test asks for a database with every migration applied. The first such
// call builds a template; the others copy it.
func ExampleMigrated() {
	_ = func(t *testing.T) {
		t.Parallel()
		db := testkit.Migrated(t, testkit.Postgres, sdk.WithFS(exampleMigrations))
		if _, err := db.DB.ExecContext(t.Context(), "INSERT INTO users (id, email) VALUES (1, 'ada@example.com')"); err != nil {
			t.Fatal(err)
		}
	}
}

// The same test on every engine: the constructors are values of type
// Kind.
func ExampleKind() {
	_ = func(t *testing.T) {
		for name, kind := range map[string]testkit.Kind{"postgres": testkit.Postgres, "mysql": testkit.MySQL, "sqlite": testkit.SQLite} {
			t.Run(name, func(t *testing.T) {
				t.Parallel()
				db := testkit.Migrated(t, kind, sdk.WithFS(exampleMigrations))
				_ = db
			})
		}
	}
}

// A Kind of your own adds options to every database it makes, as long as
// it passes on the options it is given.
func ExampleWithMaxOpenConns() {
	small := func(t testing.TB, opts ...testkit.Option) *testkit.DB {
		return testkit.Postgres(t, append(opts, testkit.WithMaxOpenConns(2))...)
	}
	_ = func(t *testing.T) {
		db := testkit.Migrated(t, small, sdk.WithFS(exampleMigrations))
		_ = db
	}
}

// A test that only reads and writes rows works inside a transaction on a
// database that the binary's tests share; the transaction is rolled back
// when the test ends, and a COMMIT would fail the test.
func ExampleMigratedTx() {
	_ = func(t *testing.T) {
		t.Parallel()
		db := testkit.MigratedTx(t, testkit.Postgres, sdk.WithFS(exampleMigrations))
		if _, err := db.DB.ExecContext(t.Context(), "INSERT INTO users (id, email) VALUES (1, 'ada@example.com')"); err != nil {
			t.Fatal(err)
		}
	}
}

// RoundTripAll lists every migration whose down does not undo its up;
// RoundTripOptions asks for the column order too.
func ExampleRoundTripOptions() {
	_ = func(t *testing.T) {
		testkit.RoundTripAll(t, testkit.Postgres(t), sdk.WithFS(exampleMigrations))
		testkit.RoundTripOptions{StrictColumnOrder: true}.Run(t, testkit.SQLite(t), sdk.WithFS(exampleMigrations))
	}
}
