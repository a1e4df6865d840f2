package testkit_test

import (
	"context"
	"database/sql"
	"fmt"
	"log"
	"os"
	"path/filepath"

	"github.com/hoistdb/hoist/dialect/sqlite"
	"github.com/hoistdb/hoist/testkit"
)

// Account is a row of the accounts table; the db tags name its columns.
type Account struct {
	ID    int64  `db:"id"`
	Email string `db:"email"`
	Admin bool   `db:"admin"`
}

// In a test, a factory is a package-level variable and rows come from
// Create, which fails the test on error:
//
//	var accounts = testkit.NewFactory("accounts", func(n int) Account {
//		return Account{Email: fmt.Sprintf("user%d@example.com", n)}
//	})
//
//	func newAdmin(t testing.TB, db *testkit.DB) Account {
//		t.Helper()
//		return accounts.Create(t, db, func(a *Account) { a.Admin = true })
//	}
//
// An example has no testing.TB, so this one builds rows with Build and
// stores them with Insert, which returns errors instead.
func ExampleFactory() {
	dir, err := os.MkdirTemp("", "hoist_example_")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	sqlDB, err := sql.Open("sqlite", filepath.Join(dir, "example.db"))
	if err != nil {
		log.Fatal(err)
	}
	defer sqlDB.Close()
	db := &testkit.DB{DB: sqlDB, Driver: "sqlite", Dialect: sqlite.New()}
	ctx := context.Background()
	if _, err := sqlDB.ExecContext(ctx, `CREATE TABLE accounts (
		id INTEGER PRIMARY KEY,
		email TEXT NOT NULL UNIQUE,
		admin BOOLEAN NOT NULL DEFAULT false
	)`); err != nil {
		log.Fatal(err)
	}

	// n counts the rows the factory built: 1, 2, ...
	accounts := testkit.NewFactory("accounts", func(n int) Account {
		return Account{Email: fmt.Sprintf("user%d@example.com", n)}
	})
	rows, err := accounts.Insert(ctx, db,
		accounts.Build(),
		accounts.Build(func(a *Account) { a.Admin = true }),
	)
	if err != nil {
		log.Fatal(err)
	}
	for _, a := range rows {
		fmt.Printf("%d %s admin=%v\n", a.ID, a.Email, a.Admin)
	}
	// Output:
	// 1 user1@example.com admin=false
	// 2 user2@example.com admin=true
}
