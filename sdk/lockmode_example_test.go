package sdk_test

import (
	"context"
	"database/sql"
	"log"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib"

	"github.com/hoistdb/hoist/dialect/postgres"
	"github.com/hoistdb/hoist/sdk"
)

// An application that reaches PostgreSQL through PgBouncer in
// transaction pooling takes the migration lock as a lease, and tells pgx
// not to cache prepared statements on the server's sessions.
func ExampleWithLockMode() {
	db, err := sql.Open("pgx", "postgres://app@pgbouncer:6432/app?default_query_exec_mode=exec")
	if err != nil {
		log.Fatal(err)
	}
	m, err := sdk.New(db, postgres.New(), sdk.WithFS(migrationsFS),
		sdk.WithLockMode(sdk.LockLease),
		sdk.WithLeaseDuration(30*time.Second), // a crashed migrator holds the others up for at most this long
	)
	if err != nil {
		log.Fatal(err)
	}
	if _, err := m.Up(context.Background()); err != nil {
		log.Fatal(err)
	}
}
