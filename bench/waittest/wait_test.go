// Package waittest is the test binary of bench's workload 10, what a test
// waits for: bench builds it with go test -c and runs it as a team runs
// its tests, several times in a row, reading what each test waited for
// from the file HOIST_WAIT_OUT names. It is not meant to be run by hand
// (without HOIST_WAIT_ARM every test skips).
//
// Every test calls t.Parallel, gets a database the way HOIST_WAIT_ARM
// says, then works for 50 ms (a sleep); bench runs the binary with
// -test.parallel 8, so 8 tests run at once. The migrations are 100
// tables with an index each, with rows inserted in every fifth.
package waittest

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"sync"
	"testing"
	"testing/fstest"
	"time"

	"github.com/hoistdb/hoist/sdk"
	"github.com/hoistdb/hoist/testkit"
)

func TestMain(m *testing.M) { testkit.Main(m) }

// work is what each test does once it has its database.
const work = 50 * time.Millisecond

// migrations is the 100-migration set of the testkit issue: table i with
// an index on its name, and in every fifth migration the table gets rows.
var migrations = func() fstest.MapFS {
	fsys := fstest.MapFS{}
	for v := 1; v <= 100; v++ {
		up := fmt.Sprintf("CREATE TABLE t_%d (id INTEGER PRIMARY KEY, name VARCHAR(100) NOT NULL, created_at TIMESTAMP NULL);\n"+
			"CREATE INDEX t_%d_name ON t_%d (name);\n", v, v, v)
		if v%5 == 0 {
			up += fmt.Sprintf("INSERT INTO t_%d (id, name) VALUES (1, 'a'), (2, 'b'), (3, 'c');\n", v)
		}
		fsys[fmt.Sprintf("%04d_table_%d.sql", v, v)] = &fstest.MapFile{
			Data: []byte("-- +hoist up\n" + up + "-- +hoist down\n" + fmt.Sprintf("DROP TABLE t_%d;\n", v)),
		}
	}
	return fsys
}()

var out struct {
	once sync.Once
	f    *os.File
	err  error
	mu   sync.Mutex
}

// wait gets the test's database as HOIST_WAIT_ARM says, records how long
// that took, and works.
func wait(t *testing.T) {
	t.Parallel()
	arm := os.Getenv("HOIST_WAIT_ARM")
	if arm == "" {
		t.Skip("run by bench (workload 10), which sets HOIST_WAIT_ARM")
	}
	var kind testkit.Kind
	switch e := os.Getenv("HOIST_WAIT_ENGINE"); e {
	case "postgres":
		kind = testkit.Postgres
	case "mysql":
		kind = testkit.MySQL
	case "sqlite":
		kind = testkit.SQLite
	default:
		t.Fatalf("HOIST_WAIT_ENGINE=%q: want postgres, mysql or sqlite", e)
	}
	opts := []sdk.Option{sdk.WithFS(migrations), sdk.WithLogger(slog.New(slog.DiscardHandler))}

	start := time.Now()
	var db *testkit.DB
	switch arm {
	case "Migrated":
		db = testkit.Migrated(t, kind, opts...)
	case "MigratedTx":
		db = testkit.MigratedTx(t, kind, opts...)
	case "migrate":
		db = kind(t)
		m, err := sdk.New(db.DB, db.Dialect, opts...)
		if err == nil {
			_, err = m.Up(context.Background())
		}
		if err != nil {
			t.Fatal(err)
		}
	default:
		t.Fatalf("HOIST_WAIT_ARM=%q: want Migrated, MigratedTx or migrate", arm)
	}
	waited := time.Since(start)

	// The database must be usable and migrated: a row of the last insert.
	var n int
	if err := db.DB.QueryRowContext(context.Background(), "SELECT count(*) FROM t_100").Scan(&n); err != nil || n != 3 {
		t.Fatalf("t_100 has %d rows (%v); want 3", n, err)
	}
	time.Sleep(work)

	out.once.Do(func() {
		out.f, out.err = os.OpenFile(os.Getenv("HOIST_WAIT_OUT"), os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
	})
	if out.err != nil {
		t.Fatal(out.err)
	}
	out.mu.Lock()
	defer out.mu.Unlock()
	fmt.Fprintf(out.f, "%s %d %d\n", t.Name(), start.UnixNano(), waited.Nanoseconds())
}

// 24 tests: three rounds of 8 at -test.parallel 8.
func TestWait01(t *testing.T) { wait(t) }
func TestWait02(t *testing.T) { wait(t) }
func TestWait03(t *testing.T) { wait(t) }
func TestWait04(t *testing.T) { wait(t) }
func TestWait05(t *testing.T) { wait(t) }
func TestWait06(t *testing.T) { wait(t) }
func TestWait07(t *testing.T) { wait(t) }
func TestWait08(t *testing.T) { wait(t) }
func TestWait09(t *testing.T) { wait(t) }
func TestWait10(t *testing.T) { wait(t) }
func TestWait11(t *testing.T) { wait(t) }
func TestWait12(t *testing.T) { wait(t) }
func TestWait13(t *testing.T) { wait(t) }
func TestWait14(t *testing.T) { wait(t) }
func TestWait15(t *testing.T) { wait(t) }
func TestWait16(t *testing.T) { wait(t) }
func TestWait17(t *testing.T) { wait(t) }
func TestWait18(t *testing.T) { wait(t) }
func TestWait19(t *testing.T) { wait(t) }
func TestWait20(t *testing.T) { wait(t) }
func TestWait21(t *testing.T) { wait(t) }
func TestWait22(t *testing.T) { wait(t) }
func TestWait23(t *testing.T) { wait(t) }
func TestWait24(t *testing.T) { wait(t) }
