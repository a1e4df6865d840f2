package sdk_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"time"

	"github.com/hoistdb/hoist/dialect/sqlite"
	"github.com/hoistdb/hoist/sdk"
)

// A migration that cannot get its lock within the bound is tried again,
// and in the end fails with ErrDDLLockTimeout, having changed nothing;
// the application's queries never wait behind it for longer than the
// bound. Here another connection holds SQLite's write lock.
func ExampleWithDDLLockTimeout() {
	db, done := exampleDB()
	defer done()
	ctx := context.Background()
	m, err := sdk.New(db, sqlite.New(), sdk.WithFS(migrationsFS), silent,
		sdk.WithDDLLockTimeout(50*time.Millisecond), sdk.WithDDLRetries(1))
	if err != nil {
		log.Fatal(err)
	}
	if _, err := m.UpTo(ctx, 1); err != nil {
		log.Fatal(err)
	}

	holder, err := db.Conn(ctx)
	if err != nil {
		log.Fatal(err)
	}
	defer holder.Close()
	if _, err := holder.ExecContext(ctx, "BEGIN IMMEDIATE"); err != nil {
		log.Fatal(err)
	}
	_, err = m.Up(ctx)
	fmt.Println("gave up waiting for the lock:", errors.Is(err, sdk.ErrDDLLockTimeout))

	if _, err := holder.ExecContext(ctx, "COMMIT"); err != nil {
		log.Fatal(err)
	}
	res, err := m.Up(ctx)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("once the holder committed, applied", res.Applied[0].Version)
	// Output:
	// gave up waiting for the lock: true
	// once the holder committed, applied 2
}
