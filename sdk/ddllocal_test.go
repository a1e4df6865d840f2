package sdk_test

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hoistdb/hoist/sdk"
	"github.com/hoistdb/hoist/testkit"
)

// recordingConnector keeps the text of every query and exec sent
// through its connections.
type recordingConnector struct {
	driver.Connector
	mu   *sync.Mutex
	sent *[]string
}

func (c recordingConnector) Connect(ctx context.Context) (driver.Conn, error) {
	conn, err := c.Connector.Connect(ctx)
	if err != nil {
		return nil, err
	}
	return &recordingConn{countingConn: countingConn{Conn: conn, n: new(atomic.Int64)}, c: c}, nil
}

type recordingConn struct {
	countingConn
	c recordingConnector
}

func (r *recordingConn) record(q string) {
	r.c.mu.Lock()
	*r.c.sent = append(*r.c.sent, q)
	r.c.mu.Unlock()
}

func (r *recordingConn) QueryContext(ctx context.Context, q string, args []driver.NamedValue) (driver.Rows, error) {
	r.record(q)
	return r.countingConn.QueryContext(ctx, q, args)
}

func (r *recordingConn) ExecContext(ctx context.Context, q string, args []driver.NamedValue) (driver.Result, error) {
	r.record(q)
	return r.countingConn.ExecContext(ctx, q, args)
}

// TestDDLBoundIsTransactionLocalPostgres: on PostgreSQL the bound on
// lock waits goes into each migration transaction as SET LOCAL, in the
// same round trip, for a SQL script and a Go migration alike, and
// nothing sets it on the session: behind a transaction pooler the
// session serves other clients next, and a session setting would travel
// with it.
func TestDDLBoundIsTransactionLocalPostgres(t *testing.T) {
	t.Parallel()
	db := testkit.Postgres(t)
	ctx := testContext(t)
	connector, err := db.DB.Driver().(driver.DriverContext).OpenConnector(db.DSN)
	if err != nil {
		t.Fatal(err)
	}
	var (
		mu   sync.Mutex
		sent []string
	)
	recorded := sql.OpenDB(recordingConnector{Connector: connector, mu: &mu, sent: &sent})
	t.Cleanup(func() { recorded.Close() })

	var inside string
	goMig := sdk.GoMigration(2, "go", func(ctx context.Context, tx sdk.Tx) error {
		return tx.QueryRowContext(ctx, "SELECT current_setting('lock_timeout')").Scan(&inside)
	}, nil)
	m, err := sdk.New(recorded, db.Dialect, sdk.WithFS(ddlFS(false)), sdk.WithMigrations(goMig),
		sdk.WithDDLLockTimeout(1500*time.Millisecond), quiet())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := m.Up(ctx); err != nil {
		t.Fatalf("Up: %v", err)
	}
	if inside != "1500ms" {
		t.Errorf("inside the Go migration's transaction lock_timeout is %q; want 1500ms", inside)
	}
	mu.Lock()
	defer mu.Unlock()
	local := 0
	for _, q := range sent {
		if !strings.Contains(q, "lock_timeout") || strings.Contains(q, "current_setting('lock_timeout')") {
			continue
		}
		if strings.Count(q, "lock_timeout") != strings.Count(q, "SET LOCAL lock_timeout = '1500ms'") {
			t.Errorf("a statement sets lock_timeout other than with SET LOCAL: %s", q)
		}
		local++
	}
	if local != 2 {
		t.Errorf("%d statements carried SET LOCAL lock_timeout; want 2, one per migration", local)
	}
}
