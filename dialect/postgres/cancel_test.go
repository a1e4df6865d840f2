package postgres_test

import (
	"context"
	"testing"

	"github.com/hoistdb/hoist/dialect/internal/enginetest"
	"github.com/hoistdb/hoist/dialect/postgres"
	"github.com/hoistdb/hoist/testkit"
)

// TestClientCheck: the migration session watches its client while a
// statement runs, so that the statement of a process killed with -9 is
// aborted instead of committed; ResetSession gives the setting back.
func TestClientCheck(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := testkit.Postgres(t)
	s := enginetest.Open(t, db.Driver, db.DSN)
	d := postgres.New()
	show := func() string {
		t.Helper()
		var v string
		if err := s.Conn.QueryRowContext(ctx, "SHOW client_connection_check_interval").Scan(&v); err != nil {
			t.Fatal(err)
		}
		return v
	}
	before := show()
	var pid, pidHere int64
	var set string
	if err := s.Conn.QueryRowContext(ctx, d.BackendID()).Scan(&pid, &set); err != nil {
		t.Fatalf("BackendID: %v", err)
	}
	if err := s.Conn.QueryRowContext(ctx, "SELECT pg_backend_pid()").Scan(&pidHere); err != nil || pid != pidHere {
		t.Errorf("BackendID returned pid %d; the session's is %d (%v)", pid, pidHere, err)
	}
	if got := show(); got != "250ms" {
		t.Errorf("client_connection_check_interval after BackendID is %q; want 250ms", got)
	}
	if _, err := s.Conn.ExecContext(ctx, d.ResetSession()); err != nil {
		t.Fatalf("ResetSession: %v", err)
	}
	if got := show(); got != before {
		t.Errorf("client_connection_check_interval after ResetSession is %q; want %q as before", got, before)
	}
}

func TestCancelStatements(t *testing.T) {
	t.Parallel()
	d := postgres.New()
	enginetest.Pins(t, []enginetest.Pin{
		{Name: "cancel", Got: d.CancelBackend("4711"), Want: "SELECT pg_cancel_backend(4711)"},
		{Name: "cancel_not_a_pid", Got: d.CancelBackend("1; DROP TABLE x"), Want: "SELECT pg_cancel_backend(NULL)"},
		{Name: "alive", Got: d.BackendAlive("4711"), Want: "SELECT COUNT(*) FROM pg_stat_activity WHERE pid = 4711"},
	})
}
