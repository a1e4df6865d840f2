package sdk_test

import (
	"bufio"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/hoistdb/hoist/dialect"
	"github.com/hoistdb/hoist/dialect/mysql"
	"github.com/hoistdb/hoist/dialect/postgres"
	"github.com/hoistdb/hoist/dialect/sqlite"
	"github.com/hoistdb/hoist/sdk"
	"github.com/hoistdb/hoist/testkit"
)

// Child processes: the test binary runs itself with HOIST_SDK_CHILD set
// to a role, and the database in HOIST_SDK_DRIVER / HOIST_SDK_DSN.
const (
	roleBoot = "boot" // wait for stdin to close, then Up and report
	roleHold = "hold" // Up, blocking inside migration 2 until stdin closes
	roleBusy = "busy" // hold SQLite's exclusive lock on the file until stdin closes
)

// bootMigrations is the set the booting processes race to apply: SQL
// migrations and, last, a Go migration that records which process ran it.
const bootMigrations = 30

func TestMain(m *testing.M) {
	if role := os.Getenv("HOIST_SDK_CHILD"); role != "" {
		os.Exit(child(role))
	}
	os.Exit(m.Run())
}

func bootFS() fstest.MapFS {
	fsys := fstest.MapFS{
		"0001_runs.sql": {Data: []byte("-- +hoist up\nCREATE TABLE runs (pid INTEGER NOT NULL);\n-- +hoist down\nDROP TABLE runs;\n")},
	}
	for i := 2; i < bootMigrations; i++ {
		fsys[fmt.Sprintf("%04d_t%d.sql", i, i)] = &fstest.MapFile{Data: []byte(fmt.Sprintf(
			"-- +hoist up\nCREATE TABLE t_%d (id INTEGER PRIMARY KEY, name VARCHAR(100) NOT NULL);\n-- +hoist down\nDROP TABLE t_%d;\n", i, i))}
	}
	return fsys
}

var recordRun = sdk.GoMigration(bootMigrations, "record_run", func(ctx context.Context, tx sdk.Tx) error {
	_, err := tx.ExecContext(ctx, fmt.Sprintf("INSERT INTO runs (pid) VALUES (%d)", os.Getpid()))
	return err
}, nil)

func holdMigrations(stdin io.Reader) []sdk.Option {
	return []sdk.Option{
		sdk.WithFS(fstest.MapFS{
			"0001_first.sql": {Data: []byte("-- +hoist up\nCREATE TABLE first (id INTEGER PRIMARY KEY);\n-- +hoist down\nDROP TABLE first;\n")},
		}),
		sdk.WithMigrations(sdk.GoMigration(2, "slow", func(ctx context.Context, tx sdk.Tx) error {
			fmt.Println("holding")
			_, err := io.Copy(io.Discard, stdin)
			return err
		}, nil)),
	}
}

func dialectFor(driver string) dialect.Dialect {
	switch driver {
	case "pgx":
		return postgres.New()
	case "mysql":
		return mysql.New()
	}
	return sqlite.New()
}

// childReport is what a booting child prints on its last line.
type childReport struct {
	Applied int    `json:"applied"`
	Error   string `json:"error,omitempty"`
}

func child(role string) int {
	db, err := sql.Open(os.Getenv("HOIST_SDK_DRIVER"), os.Getenv("HOIST_SDK_DSN"))
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer db.Close()
	ctx := context.Background()
	if code, ok := cancelChild(role, db); ok {
		return code
	}
	if code, ok := killChild(role, db); ok {
		return code
	}
	if code, ok := fleetChild(role, db); ok { // fleet_db_test.go
		return code
	}
	if code, ok := fleetsChild(role, db); ok { // fleet_servers_test.go
		return code
	}
	if code, ok := fleetSeedChild(role, db); ok { // fleet_seed_test.go
		return code
	}
	if code, ok := fleetSeedOnlyChild(role, db); ok { // fleet_seedonly_test.go
		return code
	}
	if role == roleBusy {
		return holdBusy(ctx, db)
	}
	var opts []sdk.Option
	switch role {
	case roleBoot:
		opts = []sdk.Option{sdk.WithFS(bootFS()), sdk.WithMigrations(recordRun)}
		_, _ = io.Copy(io.Discard, os.Stdin) // the starting gun
	case roleHold:
		opts = holdMigrations(os.Stdin)
	case roleHoldNoTx:
		opts = holdMigrations(os.Stdin)
		opts[1] = sdk.WithMigrations(holdNoTx(os.Stdin))
	case roleSlowDDL:
		opts = slowDDLMigrations(true)
	}
	opts = append(opts, childLockOptions()...) // pgbouncer_test.go
	m, err := sdk.New(db, dialectFor(os.Getenv("HOIST_SDK_DRIVER")), append(opts, quiet())...)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	res, err := m.Up(ctx)
	rep := childReport{Applied: len(res.Applied)}
	if err != nil {
		rep.Error = err.Error()
	}
	out, _ := json.Marshal(rep)
	fmt.Println(string(out))
	if err != nil {
		return 1
	}
	return 0
}

// holdBusy takes SQLite's exclusive lock on the database file, which
// keeps every other connection from reading it, says "holding", and
// commits when stdin closes.
func holdBusy(ctx context.Context, db *sql.DB) int {
	conn, err := db.Conn(ctx)
	if err == nil {
		_, err = conn.ExecContext(ctx, "CREATE TABLE IF NOT EXISTS app (id INTEGER)")
	}
	if err == nil {
		_, err = conn.ExecContext(ctx, "BEGIN EXCLUSIVE")
	}
	if err == nil {
		_, err = conn.ExecContext(ctx, "INSERT INTO app (id) VALUES (1)")
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	fmt.Println("holding")
	_, _ = io.Copy(io.Discard, os.Stdin)
	if _, err := conn.ExecContext(ctx, "COMMIT"); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	return 0
}

// startChild starts the test binary as a child migrator on db.
func startChild(t *testing.T, db *testkit.DB, role string) (*exec.Cmd, io.WriteCloser, *bufio.Scanner) {
	t.Helper()
	return startChildOn(t, db.Driver, db.DSN, role)
}

// startChildOn starts the test binary as a child on the database that
// driver and dsn open.
func startChildOn(t *testing.T, driver, dsn, role string) (*exec.Cmd, io.WriteCloser, *bufio.Scanner) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), "HOIST_SDK_CHILD="+role, "HOIST_SDK_DRIVER="+driver, "HOIST_SDK_DSN="+dsn)
	cmd.Stderr = os.Stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	return cmd, stdin, bufio.NewScanner(stdout)
}

// TestConcurrentBoot starts eight separate processes that boot one fresh
// database at the same moment: every one must succeed, and every migration
// must be applied exactly once.
func TestConcurrentBoot(t *testing.T) {
	t.Parallel()
	const processes = 8
	eachEngine(t, func(t *testing.T, db *testkit.DB) {
		type proc struct {
			cmd   *exec.Cmd
			stdin io.WriteCloser
			out   *bufio.Scanner
		}
		procs := make([]proc, processes)
		for i := range procs {
			cmd, stdin, out := startChild(t, db, roleBoot)
			procs[i] = proc{cmd, stdin, out}
		}
		for _, p := range procs {
			p.stdin.Close()
		}
		total := 0
		for i, p := range procs {
			var last string
			for p.out.Scan() {
				last = p.out.Text()
			}
			werr := p.cmd.Wait()
			var rep childReport
			if err := json.Unmarshal([]byte(last), &rep); err != nil {
				t.Fatalf("process %d: exit %v, last line %q", i, werr, last)
			}
			if werr != nil || rep.Error != "" {
				t.Errorf("process %d failed: %v: %s", i, werr, rep.Error)
			}
			total += rep.Applied
		}
		if total != bootMigrations {
			t.Errorf("the processes applied %d migrations between them; want each of the %d exactly once", total, bootMigrations)
		}
		if n := countRows(t, db.DB, "SELECT COUNT(*) FROM runs"); n != 1 {
			t.Errorf("the Go migration ran %d times; want once", n)
		}
		if n := countRows(t, db.DB, "SELECT COUNT(*) FROM hoist_migrations"); n != bootMigrations {
			t.Errorf("history has %d rows; want %d", n, bootMigrations)
		}
	})
}

// TestLockTimeoutAndCancel: another process holds the lock in the middle
// of a slow migration. A migrator with a short lock timeout fails with
// ErrLockTimeout naming the holder; one whose context is cancelled while
// waiting returns the cancellation; neither changes anything.
func TestLockTimeoutAndCancel(t *testing.T) {
	t.Parallel()
	eachEngine(t, func(t *testing.T, db *testkit.DB) {
		ctx := testContext(t)
		cmd, stdin, out := startChild(t, db, roleHold)
		if !out.Scan() || out.Text() != "holding" {
			t.Fatalf("the holding process said %q, %v", out.Text(), out.Err())
		}

		var waits []sdk.Event
		record := sdk.WithProgress(func(_ context.Context, e sdk.Event) { waits = append(waits, e) })
		m := newMigrator(t, db, append(holdMigrations(strings.NewReader("")), sdk.WithLockTimeout(200*time.Millisecond), record)...)
		_, err := m.Up(ctx)
		if len(waits) != 1 || waits[0].Kind != sdk.EventLockWait || waits[0].Lock == "" || waits[0].Holder == "" {
			t.Errorf("progress while waiting for the lock: %+v; want one EventLockWait naming the lock and its holder", waits)
		}
		if !errors.Is(err, sdk.ErrLockTimeout) {
			t.Fatalf("Up while another process holds the lock: %v; want ErrLockTimeout", err)
		}
		want := map[string]string{"postgres": "pid ", "mysql": "connection ", "sqlite": fmt.Sprintf("pid %d ", cmd.Process.Pid)}[db.Dialect.Name()]
		if !strings.Contains(err.Error(), "held by "+want) {
			t.Fatalf("lock timeout %q does not name the holder (%q)", err, want)
		}

		cctx, cancel := context.WithCancel(ctx)
		m = newMigrator(t, db, holdMigrations(strings.NewReader(""))...)
		go func() { time.Sleep(100 * time.Millisecond); cancel() }()
		if _, err := m.Up(cctx); !errors.Is(err, context.Canceled) {
			t.Fatalf("Up cancelled while waiting: %v; want context.Canceled", err)
		}

		st, err := m.Status(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(st.Applied) != 1 || st.Applied[0].Version != 1 {
			t.Fatalf("while the holder is inside migration 2, applied is %v; want [1]", statusVersions(st.Applied))
		}

		stdin.Close()
		for out.Scan() {
		}
		if err := cmd.Wait(); err != nil {
			t.Fatalf("the holding process: %v", err)
		}
		res, err := m.Up(ctx)
		if err != nil || len(res.Applied) != 0 {
			t.Fatalf("Up after the holder finished: %v, applied %v; want nothing left", err, versions(res.Applied))
		}
	})
}
