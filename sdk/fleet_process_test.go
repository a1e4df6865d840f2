package sdk_test

import (
	"bufio"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strings"
	"testing"

	gomysql "github.com/go-sql-driver/mysql"

	"github.com/hoistdb/hoist/sdk"
)

// roleFleet, followed by a prefix: wait for stdin to close, then Up the
// fleet of the MySQL databases whose names start with the prefix, and
// report how many migrations this process applied in all.
const roleFleet = "fleet:"

// roleFleetDown, followed by a prefix: the same fleet without its Go
// migration (every migration has a down), rolled back to 0
// ([Fleet.RollbackTo]); it reports how many migrations this process
// rolled back.
const roleFleetDown = "fleetdown:"

func fleetChild(role string, server *sql.DB) (code int, ok bool) {
	prefix, down := strings.CutPrefix(role, roleFleetDown)
	if !down {
		if prefix, ok = strings.CutPrefix(role, roleFleet); !ok {
			return 0, false
		}
	}
	open, err := childMySQLOpener()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1, true
	}
	opts := []sdk.Option{sdk.WithFS(bootFS()), quiet()}
	if !down {
		opts = append(opts, sdk.WithMigrations(recordRun))
	}
	f, err := sdk.NewFleet(server, dialectFor("mysql"), sdk.TargetPattern(prefix+"_*"), sdk.WithDatabaseTargets(open),
		sdk.WithTargetOptions(opts...), sdk.WithFleetConcurrency(3))
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1, true
	}
	fmt.Println("ready")
	_, _ = io.Copy(io.Discard, os.Stdin) // the starting gun
	if down {
		return reportFleetChild(f.RollbackTo(context.Background(), 0))
	}
	return reportFleetChild(f.Up(context.Background()))
}

// reportFleetChild prints a fleet child's report, how many migrations
// it applied and its error, as one JSON line for the parent, and gives
// the child's exit status.
func reportFleetChild(res *sdk.FleetResult, err error) (int, bool) {
	var rep childReport
	for _, tr := range res.Targets {
		if tr.Result != nil {
			rep.Applied += len(tr.Result.Applied)
		}
	}
	if err != nil {
		rep.Error = err.Error()
	}
	out, _ := json.Marshal(rep)
	fmt.Println(string(out))
	if err != nil {
		return 1, true
	}
	return 0, true
}

// TestFleetDatabasesTwoProcesses: two separate processes migrate the same
// fleet of 20 MariaDB databases at once. Both succeed, every migration of
// every database is applied exactly once (the Go migration's row names
// one process per database), and both did part of the work.
func TestFleetDatabasesTwoProcesses(t *testing.T) {
	t.Parallel()
	df := newDBFleet(t, "mysql", 20)
	total := raceFleetChildren(t, df.driver, df.server.DSN, roleFleet+df.prefix)
	if want := len(df.names) * bootMigrations; total != want {
		t.Fatalf("the two processes applied %d migrations; want each of %d exactly once", total, want)
	}
	for _, s := range df.names {
		db := df.tenant(t, s)
		if n := countRows(t, db, "SELECT count(*) FROM hoist_migrations WHERE state = 'applied'"); n != bootMigrations {
			t.Fatalf("%s has %d applied rows; want %d", s, n, bootMigrations)
		}
		if n := countRows(t, db, "SELECT count(*) FROM runs"); n != 1 {
			t.Fatalf("%s: the Go migration ran %d times; want once", s, n)
		}
	}
}

// TestFleetDatabasesTwoProcessesRollBack: two separate processes roll
// back the same fleet of 20 MariaDB databases to 0 at once. Both
// succeed, every migration of every database is rolled back exactly
// once, each database by one process under its lock, and both did part
// of the work.
func TestFleetDatabasesTwoProcessesRollBack(t *testing.T) {
	t.Parallel()
	df := newDBFleet(t, "mysql", 20)
	f, err := sdk.NewFleet(df.server.DB, df.server.Dialect, df.pattern(), sdk.WithDatabaseTargets(df.open),
		sdk.WithTargetOptions(sdk.WithFS(bootFS()), quiet()))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if res, err := f.Up(testContext(t)); err != nil || res.Count(sdk.TargetApplied) != len(df.names) {
		t.Fatalf("Up: %v", err)
	}
	total := raceFleetChildren(t, df.driver, df.server.DSN, roleFleetDown+df.prefix)
	if want := len(df.names) * (bootMigrations - 1); total != want {
		t.Fatalf("the two processes rolled back %d migrations; want each of %d exactly once", total, want)
	}
	for _, s := range df.names {
		db := df.tenant(t, s)
		if n := countRows(t, db, "SELECT count(*) FROM hoist_migrations"); n != 0 {
			t.Fatalf("%s keeps %d history rows; want none", s, n)
		}
		if n := countRows(t, df.server.DB, "SELECT count(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA = '"+s+"' AND TABLE_NAME NOT LIKE 'hoist%'"); n != 0 {
			t.Fatalf("%s keeps %d tables of its migrations", s, n)
		}
	}
}

// raceFleetChildren starts two child processes in role, lets them go at
// once when both have said "ready" (their fleet built), and returns how many migrations they applied together; it fails
// the test when either failed or applied nothing (the work not shared).
func raceFleetChildren(t *testing.T, driver, dsn, role string) int {
	t.Helper()
	var (
		stdins []io.WriteCloser
		outs   []*bufio.Scanner
	)
	for range 2 {
		_, stdin, out := startChildOn(t, driver, dsn, role)
		stdins, outs = append(stdins, stdin), append(outs, out)
	}
	// Both go when both are ready (their fleet built), so that a child
	// slow to start on a busy machine does not find the work done.
	for i, out := range outs {
		ready := false
		for !ready && out.Scan() {
			ready = out.Text() == "ready"
		}
		if !ready {
			t.Fatalf("process %d ended before it was ready (%v)", i, out.Err())
		}
	}
	for _, in := range stdins {
		in.Close()
	}
	total := 0
	for i, out := range outs {
		var rep childReport
		for out.Scan() {
			if err := json.Unmarshal(out.Bytes(), &rep); err == nil {
				break
			}
		}
		if rep.Error != "" {
			t.Fatalf("process %d: %s", i, rep.Error)
		}
		if rep.Applied == 0 {
			t.Errorf("process %d did nothing; want the work shared", i)
		}
		total += rep.Applied
	}
	return total
}

// childMySQLOpener opens, in a child process, the MariaDB database a
// fleet target names, on the server of HOIST_SDK_DSN.
func childMySQLOpener() (func(name string) (*sql.DB, error), error) {
	cfg, err := gomysql.ParseDSN(os.Getenv("HOIST_SDK_DSN"))
	if err != nil {
		return nil, err
	}
	return func(name string) (*sql.DB, error) {
		c := cfg.Clone()
		c.DBName = name
		return sql.Open("mysql", c.FormatDSN())
	}, nil
}
