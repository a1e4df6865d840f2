package sdk

import (
	"context"
	"database/sql"
	"errors"
	"io"
	"log/slog"
	"os"
	"testing"

	_ "github.com/jackc/pgx/v5/stdlib"
)

// TestEnterSchemaOnlyOnTheLockSession: the SET of a fleet target's
// search_path sets nothing on a backend other than the lock's, and fails
// with ErrTransactionPooler; on the lock's it sets the quoted schema,
// and leaving puts back the session's own value, or the default. It
// runs inside package sdk to hand enterSchema a lock session of another
// pid, which is what a transaction pooler does; testkit, which imports
// sdk, cannot serve an internal test, so the server comes from
// HOIST_TEST_POSTGRES_URL.
func TestEnterSchemaOnlyOnTheLockSession(t *testing.T) {
	url := os.Getenv("HOIST_TEST_POSTGRES_URL")
	if url == "" {
		if os.Getenv("HOIST_TEST_REQUIRE") == "1" {
			t.Fatal("HOIST_TEST_POSTGRES_URL is not set, which HOIST_TEST_REQUIRE=1 forbids")
		}
		t.Skip("HOIST_TEST_POSTGRES_URL is not set")
	}
	db, err := sql.Open("pgx", url)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	ctx := context.Background()
	conn, err := db.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	path := func() string {
		t.Helper()
		var setting, source string
		if err := conn.QueryRowContext(ctx, "SELECT setting, source FROM pg_settings WHERE name = 'search_path'").Scan(&setting, &source); err != nil {
			t.Fatal(err)
		}
		return setting + " (" + source + ")"
	}
	var pid string
	if err := conn.QueryRowContext(ctx, "SELECT pg_backend_pid()::text").Scan(&pid); err != nil {
		t.Fatal(err)
	}
	m := &Migrator{searchPath: `"Tenant_X"`, table: "Tenant_X.hoist_migrations", logger: slog.New(slog.NewTextHandler(io.Discard, nil))}
	const def = `"$user", public (default)`
	other := context.WithValue(ctx, sessionKey{}, &session{id: "0"})
	if _, err := m.enterSchema(other, conn); !errors.Is(err, ErrTransactionPooler) {
		t.Fatalf("enterSchema on a backend that does not hold the lock: %v; want ErrTransactionPooler", err)
	}
	if got := path(); got != def {
		t.Fatalf("search_path %s after the refused SET; want %s", got, def)
	}
	mine := context.WithValue(ctx, sessionKey{}, &session{id: pid})
	for _, own := range []string{"", "app, public"} {
		want := def
		if own != "" {
			if _, err := conn.ExecContext(ctx, "SET search_path TO "+own); err != nil {
				t.Fatal(err)
			}
			want = own + " (session)"
		}
		leave, err := m.enterSchema(mine, conn)
		if err != nil {
			t.Fatalf("enterSchema on the lock's backend: %v", err)
		}
		if got := path(); got != `"Tenant_X" (session)` {
			t.Fatalf("search_path %s inside; want the quoted schema", got)
		}
		leave(ctx)
		if got := path(); got != want {
			t.Fatalf("search_path %s after leaving; want %s", got, want)
		}
	}
}
