package sdk_test

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"slices"
	"sync/atomic"
	"testing"
	"testing/fstest"

	"github.com/hoistdb/hoist/sdk"
	"github.com/hoistdb/hoist/testkit"
)

// countingConnector counts the statements sent through its connections:
// queries, execs, prepares and transaction begins.
type countingConnector struct {
	driver.Connector
	n *atomic.Int64
}

func (c countingConnector) Connect(ctx context.Context) (driver.Conn, error) {
	conn, err := c.Connector.Connect(ctx)
	if err != nil {
		return nil, err
	}
	return &countingConn{Conn: conn, n: c.n}, nil
}

type countingConn struct {
	driver.Conn
	n *atomic.Int64
}

func (c *countingConn) QueryContext(ctx context.Context, q string, args []driver.NamedValue) (driver.Rows, error) {
	qc, ok := c.Conn.(driver.QueryerContext)
	if !ok {
		return nil, driver.ErrSkip
	}
	c.n.Add(1)
	return qc.QueryContext(ctx, q, args)
}

func (c *countingConn) ExecContext(ctx context.Context, q string, args []driver.NamedValue) (driver.Result, error) {
	ec, ok := c.Conn.(driver.ExecerContext)
	if !ok {
		return nil, driver.ErrSkip
	}
	c.n.Add(1)
	return ec.ExecContext(ctx, q, args)
}

func (c *countingConn) PrepareContext(ctx context.Context, q string) (driver.Stmt, error) {
	c.n.Add(1)
	if pc, ok := c.Conn.(driver.ConnPrepareContext); ok {
		return pc.PrepareContext(ctx, q)
	}
	return c.Conn.Prepare(q)
}

func (c *countingConn) BeginTx(ctx context.Context, opts driver.TxOptions) (driver.Tx, error) {
	c.n.Add(1)
	if bc, ok := c.Conn.(driver.ConnBeginTx); ok {
		return bc.BeginTx(ctx, opts)
	}
	return c.Conn.Begin() //nolint:staticcheck // drivers without BeginTx
}

func (c *countingConn) CheckNamedValue(v *driver.NamedValue) error {
	if nc, ok := c.Conn.(driver.NamedValueChecker); ok {
		return nc.CheckNamedValue(v)
	}
	return driver.ErrSkip
}

func (c *countingConn) ResetSession(ctx context.Context) error {
	if r, ok := c.Conn.(driver.SessionResetter); ok {
		return r.ResetSession(ctx)
	}
	return nil
}

type dsnConnector struct {
	dsn string
	drv driver.Driver
}

func (c dsnConnector) Connect(context.Context) (driver.Conn, error) { return c.drv.Open(c.dsn) }
func (c dsnConnector) Driver() driver.Driver                        { return c.drv }

// openCounting opens db's database again through a counting connector.
func openCounting(t *testing.T, db *testkit.DB) (*sql.DB, *atomic.Int64) {
	t.Helper()
	var connector driver.Connector = dsnConnector{db.DSN, db.DB.Driver()}
	if dc, ok := db.DB.Driver().(driver.DriverContext); ok {
		c, err := dc.OpenConnector(db.DSN)
		if err != nil {
			t.Fatal(err)
		}
		connector = c
	}
	n := &atomic.Int64{}
	counted := sql.OpenDB(countingConnector{connector, n})
	t.Cleanup(func() { counted.Close() })
	return counted, n
}

// TestNoopBootIsOneStatement: when everything is applied, booting costs
// exactly one statement and takes no lock.
func TestNoopBootIsOneStatement(t *testing.T) {
	t.Parallel()
	eachEngine(t, func(t *testing.T, db *testkit.DB) {
		ctx := testContext(t)
		opts := []sdk.Option{sdk.WithFS(lifecycleFS()), sdk.WithMigrations(seedAdmin), quiet()}
		if _, err := newMigrator(t, db, opts...).Up(ctx); err != nil {
			t.Fatal(err)
		}
		counted, n := openCounting(t, db)
		m, err := sdk.New(counted, db.Dialect, opts...)
		if err != nil {
			t.Fatal(err)
		}
		if n.Load() != 0 {
			t.Fatalf("sdk.New sent %d statements; want none", n.Load())
		}
		res, err := m.Up(ctx)
		if err != nil || len(res.Applied) != 0 {
			t.Fatalf("no-op Up: %v, %v", err, res)
		}
		if got := n.Load(); got != 1 {
			t.Fatalf("a no-op boot sent %d statements; want exactly 1", got)
		}

		// An edited migration is still one statement when edits are
		// ignored, and an error, with nothing pending, by default.
		edited := lifecycleFS()
		edited["0001_create_users.sql"] = &fstest.MapFile{Data: []byte("-- +hoist up\nCREATE TABLE users (id INTEGER PRIMARY KEY, name VARCHAR(200) NOT NULL);\n-- +hoist down\nDROP TABLE users;\n")}
		n.Store(0)
		m, err = sdk.New(counted, db.Dialect, sdk.WithFS(edited), sdk.WithMigrations(seedAdmin), quiet(), sdk.WithChecksumPolicy(sdk.ChecksumIgnore))
		if err != nil {
			t.Fatal(err)
		}
		if res, err := m.Up(ctx); err != nil || len(res.Applied) != 0 {
			t.Fatalf("no-op Up with an ignored edit: %v, %v", err, res)
		}
		if got := n.Load(); got != 1 {
			t.Fatalf("a no-op boot with an ignored edit sent %d statements; want exactly 1", got)
		}
		m, err = sdk.New(counted, db.Dialect, sdk.WithFS(edited), sdk.WithMigrations(seedAdmin), quiet())
		if err != nil {
			t.Fatal(err)
		}
		if _, err := m.Up(ctx); !errors.Is(err, sdk.ErrChecksumMismatch) {
			t.Fatalf("Up with an edited migration and nothing pending: %v; want ErrChecksumMismatch", err)
		}

		// The counter does count: a boot with work to do sends more.
		n.Store(0)
		extra := lifecycleFS()
		extra["0005_more.sql"] = &fstest.MapFile{Data: []byte("-- +hoist up\nCREATE TABLE more (id INTEGER PRIMARY KEY);\n-- +hoist down\nDROP TABLE more;\n")}
		m, err = sdk.New(counted, db.Dialect, sdk.WithFS(extra), sdk.WithMigrations(seedAdmin), quiet())
		if err != nil {
			t.Fatal(err)
		}
		if _, err := m.Up(ctx); err != nil {
			t.Fatal(err)
		}
		if n.Load() <= 1 {
			t.Fatalf("a boot that applied a migration sent %d statements; the counter is broken", n.Load())
		}
	})
}

// TestSingleConnection: everything hoist does runs on the lock's
// connection or transaction, so a pool of one connection is enough.
func TestSingleConnection(t *testing.T) {
	t.Parallel()
	eachEngine(t, func(t *testing.T, db *testkit.DB) {
		ctx := testContext(t)
		db.DB.SetMaxOpenConns(1)
		m := newMigrator(t, db, sdk.WithFS(lifecycleFS()), sdk.WithMigrations(seedAdmin),
			sdk.WithSeedFS(fstest.MapFS{"10_tags.sql": {Data: []byte("INSERT INTO tags (id, label) VALUES (2, 'seeded');\n")}}),
			sdk.WithSeeders(sdk.Seeder{Name: "20_users", Once: true, Run: func(ctx context.Context, tx sdk.Tx) error {
				_, err := tx.ExecContext(ctx, "INSERT INTO users (id, name) VALUES (2, 'seeded')")
				return err
			}}))
		if _, err := m.Up(ctx); err != nil {
			t.Fatalf("Up: %v", err)
		}
		seeded, err := m.Seed(ctx)
		if err != nil || len(seeded.Ran) != 2 {
			t.Fatalf("Seed: %v, %+v", err, seeded)
		}
		if _, err := m.Redo(ctx); err != nil {
			t.Fatalf("Redo: %v", err)
		}
		res, err := m.RollbackTo(ctx, 0)
		if err != nil || !slices.Equal(versions(res.Applied), []int64{4, 3, 2, 1}) {
			t.Fatalf("RollbackTo(0): %v, %v", err, res)
		}
	})
}

// TestRoundTripsPerMigration pins what one SQL migration of DDL costs on
// each engine: PostgreSQL sends it and its history row as one script;
// MySQL runs DDL, which it commits implicitly, without BEGIN and COMMIT,
// between writing its history row as running and turning it into
// applied (the dirty-flag protocol: a kill half way leaves the row), both
// as literals, not as prepared statements;
// SQLite begins, runs the DDL and inserts the row (the counter does not
// see COMMIT, which goes through the transaction). Each also writes the
// migration's event (events.go): inside the script on PostgreSQL, one
// more statement on MySQL and SQLite.
func TestRoundTripsPerMigration(t *testing.T) {
	t.Parallel()
	want := map[string]int64{"postgres": 1, "mysql": 4, "sqlite": 4}
	eachEngine(t, func(t *testing.T, db *testkit.DB) {
		ctx := testContext(t)
		counted, n := openCounting(t, db)
		fsys := fstest.MapFS{}
		up := func(migrations int) int64 {
			t.Helper()
			for v := len(fsys) + 1; v <= migrations; v++ {
				fsys[fmt.Sprintf("%04d_t%d.sql", v, v)] = &fstest.MapFile{Data: []byte(fmt.Sprintf(
					"-- +hoist up\nCREATE TABLE t%d (id INTEGER PRIMARY KEY);\n-- +hoist down\nDROP TABLE t%d;\n", v, v))}
			}
			m, err := sdk.New(counted, db.Dialect, sdk.WithFS(fsys), quiet())
			if err != nil {
				t.Fatal(err)
			}
			n.Store(0)
			res, err := m.Up(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if len(res.Applied) == 0 {
				t.Fatal("nothing applied")
			}
			return n.Load()
		}
		one := up(1)   // the fixed cost of a boot that applies something, and one migration
		three := up(4) // the same fixed cost, and three
		if got := (three - one) / 2; got != want[db.Dialect.Name()] || (three-one)%2 != 0 {
			t.Errorf("one boot applying 1 migration sent %d statements, another applying 3 sent %d: %v per migration; want %d",
				one, three, float64(three-one)/2, want[db.Dialect.Name()])
		}
		st, err := newMigrator(t, db, sdk.WithFS(fsys)).Status(ctx)
		if err != nil || len(st.Applied) != 4 || len(st.Pending) != 0 {
			t.Fatalf("Status: %v, %d applied, %d pending; want 4 and 0", err, len(st.Applied), len(st.Pending))
		}
		for _, a := range st.Applied {
			if !tableExists(t, db, fmt.Sprintf("t%d", a.Version)) {
				t.Errorf("migration %d is recorded but its table is missing", a.Version)
			}
		}
	})
}
