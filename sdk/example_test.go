package sdk_test

import (
	"context"
	"database/sql"
	"fmt"
	"io"
	"log"
	"log/slog"
	"os"
	"path/filepath"
	"testing/fstest"

	_ "modernc.org/sqlite"

	"github.com/hoistdb/hoist/dialect/sqlite"
	"github.com/hoistdb/hoist/sdk"
)

// exampleDB opens a SQLite file in a fresh temporary directory.
func exampleDB() (*sql.DB, func()) {
	dir, err := os.MkdirTemp("", "hoist-example")
	if err != nil {
		log.Fatal(err)
	}
	db, err := sql.Open("sqlite", "file:"+filepath.Join(dir, "app.db")+"?_pragma=busy_timeout(5000)")
	if err != nil {
		log.Fatal(err)
	}
	return db, func() { db.Close(); os.RemoveAll(dir) }
}

// migrationsFS stands in for an embed.FS.
var migrationsFS = fstest.MapFS{
	"0001_create_users.sql": {Data: []byte(`-- +hoist up
CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT NOT NULL);
-- +hoist down
DROP TABLE users;
`)},
	"0002_add_name.up.sql":   {Data: []byte("ALTER TABLE users ADD COLUMN name TEXT;\n")},
	"0002_add_name.down.sql": {Data: []byte("ALTER TABLE users DROP COLUMN name;\n")},
}

var silent = sdk.WithLogger(slog.New(slog.NewTextHandler(io.Discard, nil)))

func Example() {
	db, done := exampleDB()
	defer done()
	ctx := context.Background()

	m, err := sdk.New(db, sqlite.New(), sdk.WithFS(migrationsFS), silent)
	if err != nil {
		log.Fatal(err)
	}
	res, err := m.Up(ctx)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(len(res.Applied), "applied in batch", res.Batch)

	// The next boot finds nothing to do, in one query and without a lock.
	res, err = m.Up(ctx)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(res)
	// Output:
	// 2 applied in batch 1
	// nothing to do
}

// A database changed by hand, here an index added outside the
// migrations, shows as drift, with the SQL that undoes the change.
func ExampleMigrator_Drift() {
	db, done := exampleDB()
	defer done()
	ctx := context.Background()

	m, err := sdk.New(db, sqlite.New(), sdk.WithFS(migrationsFS), silent)
	if err != nil {
		log.Fatal(err)
	}
	if _, err := m.Up(ctx); err != nil {
		log.Fatal(err)
	}
	d, err := m.Drift(ctx)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(d)

	if _, err := db.ExecContext(ctx, "CREATE INDEX users_name_idx ON users (name)"); err != nil {
		log.Fatal(err)
	}
	d, err = m.Drift(ctx)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Print(d)
	// Output:
	// no drift: the database is what its migrations make
	// the database differs from what its migrations make (up to 2):
	//   index users_name_idx on users is not in the migrations
	//
	// SQL that makes the database what the migrations say:
	// DROP INDEX "users_name_idx";
}

func ExampleGoMigration() {
	db, done := exampleDB()
	defer done()
	ctx := context.Background()

	backfill := sdk.GoMigration(3, "backfill_names",
		func(ctx context.Context, tx sdk.Tx) error {
			_, err := tx.ExecContext(ctx, "UPDATE users SET name = email WHERE name IS NULL")
			return err
		},
		nil) // no down: rolling it back fails with ErrIrreversible

	m, err := sdk.New(db, sqlite.New(), sdk.WithFS(migrationsFS), sdk.WithMigrations(backfill), silent)
	if err != nil {
		log.Fatal(err)
	}
	if _, err := m.Up(ctx); err != nil {
		log.Fatal(err)
	}
	for _, mig := range m.Migrations() {
		fmt.Println(mig, "reversible:", mig.Reversible())
	}
	// Output:
	// 1 create_users (0001_create_users.sql) reversible: true
	// 2 add_name (0002_add_name.up.sql) reversible: true
	// 3 backfill_names (go) reversible: false
}

func ExampleMigrator_Rollback() {
	db, done := exampleDB()
	defer done()
	ctx := context.Background()

	m, err := sdk.New(db, sqlite.New(), sdk.WithFS(migrationsFS), silent)
	if err != nil {
		log.Fatal(err)
	}
	if _, err := m.UpTo(ctx, 1); err != nil {
		log.Fatal(err)
	}
	if _, err := m.Up(ctx); err != nil {
		log.Fatal(err)
	}
	// See what undoing the last batch would run, then undo it.
	plan, err := m.Rollback(ctx, sdk.RollbackOptions{DryRun: true})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(plan)
	res, err := m.Rollback(ctx, sdk.RollbackOptions{})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("rolled back", res.Applied[0].Version, "of batch", res.Batch)
	// Output:
	// would run 1 migration(s) in batch 2
	//   down 2 add_name
	//        ALTER TABLE users DROP COLUMN name;
	// rolled back 2 of batch 2
}

func ExampleMigrator_Status() {
	db, done := exampleDB()
	defer done()
	ctx := context.Background()

	m, err := sdk.New(db, sqlite.New(), sdk.WithFS(migrationsFS), silent)
	if err != nil {
		log.Fatal(err)
	}
	if _, err := m.UpTo(ctx, 1); err != nil {
		log.Fatal(err)
	}
	st, err := m.Status(ctx)
	if err != nil {
		log.Fatal(err)
	}
	for _, s := range st.Applied {
		fmt.Println(s.Version, s.Name, s.State, "batch", s.Batch)
	}
	for _, s := range st.Pending {
		fmt.Println(s.Version, s.Name, s.State)
	}
	// Output:
	// 1 create_users applied batch 1
	// 2 add_name pending
}
