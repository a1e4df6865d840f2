package testkit_test

import (
	"bufio"
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hoistdb/hoist/sdk"
	"github.com/hoistdb/hoist/testkit"
)

// exists reports whether a database that testkit handed out, named by
// what e.database returned, still exists. probe is another database on
// the same server.
func exists(t *testing.T, e engine, probe *sql.DB, name string) bool {
	t.Helper()
	var query string
	switch e.name {
	case "postgres":
		query = "SELECT count(*) FROM pg_database WHERE datname = $1"
	case "mysql":
		query = "SELECT count(*) FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = ?"
	case "sqlite":
		_, err := os.Stat(filepath.Dir(name))
		if err != nil && !errors.Is(err, os.ErrNotExist) {
			t.Fatal(err)
		}
		return err == nil
	}
	var n int
	if err := probe.QueryRowContext(context.Background(), query, name).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n > 0
}

// remove drops a kept database.
func remove(t *testing.T, e engine, probe *sql.DB, name string) {
	t.Helper()
	var err error
	switch e.name {
	case "postgres":
		_, err = probe.ExecContext(context.Background(), `DROP DATABASE "`+name+`" WITH (FORCE)`)
	case "mysql":
		_, err = probe.ExecContext(context.Background(), "DROP DATABASE `"+name+"`")
	case "sqlite":
		err = os.RemoveAll(filepath.Dir(name))
	}
	if err != nil {
		t.Error(err)
	}
}

// TestDroppedAfterTest and TestKeptWithEnv use t.Setenv and so cannot run
// in parallel.
func TestDroppedAfterTest(t *testing.T) {
	for _, e := range engines {
		t.Run(e.name, func(t *testing.T) {
			probe := e.open(t).DB
			var fresh, migrated string
			t.Run("inner", func(t *testing.T) {
				fresh = queryString(t, e.open(t).DB, e.database)
				migrated = queryString(t, testkit.Migrated(t, e.open, sdk.WithFS(saltedMigrations("dropped"))).DB, e.database)
				for _, name := range []string{fresh, migrated} {
					if !exists(t, e, probe, name) {
						t.Fatalf("database %s does not exist during the test", name)
					}
				}
			})
			for _, name := range []string{fresh, migrated} {
				if exists(t, e, probe, name) {
					t.Errorf("database %s still exists after the test", name)
					remove(t, e, probe, name)
				}
			}
		})
	}
}

func TestKeptWithEnv(t *testing.T) {
	// Opened before t.Setenv, so that they are dropped after it is undone.
	probes := make([]*sql.DB, len(engines))
	for i, e := range engines {
		probes[i] = e.open(t).DB
	}
	t.Setenv("HOIST_TEST_KEEP", "1")
	for i, e := range engines {
		t.Run(e.name, func(t *testing.T) {
			probe := probes[i]
			var name string
			t.Run("inner", func(t *testing.T) {
				name = queryString(t, e.open(t).DB, e.database)
			})
			if !exists(t, e, probe, name) {
				t.Fatalf("database %s was dropped under HOIST_TEST_KEEP=1", name)
			}
			remove(t, e, probe, name)
		})
	}
}

// childModeEnv tells TestChildProcess, in a child process, what to do.
const childModeEnv = "HOIST_TEST_TESTKIT_CHILD"

// runChild runs TestChildProcess in a child process in mode, with the
// environment changed by env ("NAME=value" sets, "NAME" unsets).
func runChild(t *testing.T, mode string, env ...string) (string, error) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestChildProcess$", "-test.v", "-test.count=1")
	cmd.Env = append(childEnv(env...), childModeEnv+"="+mode)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	return out.String(), err
}

// TestUnconfigured leaves every provider out or unable: no URL, a Docker
// endpoint that does not exist, and the local binaries left out by
// HOIST_TEST_PROVIDER. The message lists each reason.
func TestUnconfigured(t *testing.T) {
	t.Parallel()
	unset := []string{"HOIST_TEST_POSTGRES_URL", "HOIST_TEST_MYSQL_URL", "HOIST_TEST_KEEP", "DOCKER_URL", "DOCKER_MACHINE_NAME", "DOCKER_CERT_PATH",
		"DOCKER_HOST=unix:///nonexistent/docker.sock", "HOIST_TEST_PROVIDER=env,docker"}

	t.Run("skips", func(t *testing.T) {
		t.Parallel()
		out, err := runChild(t, "unconfigured", append(unset, "HOIST_TEST_REQUIRE")...)
		if err != nil {
			t.Fatalf("child: %v\n%s", err, out)
		}
		for _, want := range []string{
			"--- SKIP: TestChildProcess/postgres",
			"no PostgreSQL server; tried, in order:",
			"  - env: HOIST_TEST_POSTGRES_URL is not set",
			"  - docker: no Docker engine answered at unix:///nonexistent/docker.sock within 2s: ",
			"  - local: left out by HOIST_TEST_PROVIDER=env,docker",
			"to enable one: set HOIST_TEST_POSTGRES_URL (for example HOIST_TEST_POSTGRES_URL='postgres://",
			"start a Docker engine, or install the server binaries (initdb and pg_ctl",
			"--- SKIP: TestChildProcess/mysql",
			"  - env: HOIST_TEST_MYSQL_URL is not set",
			"to enable one: set HOIST_TEST_MYSQL_URL (for example HOIST_TEST_MYSQL_URL='mysql://",
			"HOIST_TEST_REQUIRE=1 turns this skip into a failure",
		} {
			if !strings.Contains(out, want) {
				t.Errorf("child output lacks %q:\n%s", want, out)
			}
		}
	})

	t.Run("fails_when_required", func(t *testing.T) {
		t.Parallel()
		out, err := runChild(t, "unconfigured", append(unset, "HOIST_TEST_REQUIRE=1")...)
		if err == nil {
			t.Fatalf("child passed, want it to fail:\n%s", out)
		}
		for _, want := range []string{
			"--- FAIL: TestChildProcess/postgres",
			"no PostgreSQL server and HOIST_TEST_REQUIRE=1; tried, in order:",
			"  - env: HOIST_TEST_POSTGRES_URL is not set",
			"--- FAIL: TestChildProcess/mysql",
		} {
			if !strings.Contains(out, want) {
				t.Errorf("child output lacks %q:\n%s", want, out)
			}
		}
	})
}

func TestKeptOnFailure(t *testing.T) {
	t.Parallel()
	probes := map[string]*sql.DB{}
	for _, e := range engines {
		probes[e.name] = e.open(t).DB // skips unless every engine is there
	}
	if !testkit.SharedServers(t) {
		t.Skip("each test binary has servers of its own, gone when it exits: the child's kept databases cannot be seen")
	}
	out, err := runChild(t, "fail", "HOIST_TEST_KEEP")
	if err == nil {
		t.Fatalf("child passed, want it to fail:\n%s", out)
	}
	names := map[string]string{}
	sc := bufio.NewScanner(strings.NewReader(out))
	for sc.Scan() {
		if engine, name, ok := strings.Cut(sc.Text(), " database: "); ok {
			names[engine] = name
		}
	}
	for _, e := range engines {
		name := names[e.name]
		if name == "" {
			t.Errorf("child did not report its %s database:\n%s", e.name, out)
			continue
		}
		if !exists(t, e, probes[e.name], name) {
			t.Errorf("%s database %s of the failed test was dropped", e.name, name)
			continue
		}
		remove(t, e, probes[e.name], name)
	}
	if !strings.Contains(out, "testkit: kept PostgreSQL database hoist_test_") {
		t.Errorf("child output does not say the database was kept:\n%s", out)
	}
}

// TestChildProcess is the child of TestUnconfigured and TestKeptOnFailure;
// run on its own, it skips.
func TestChildProcess(t *testing.T) {
	switch os.Getenv(childModeEnv) {
	case "unconfigured":
		t.Run("postgres", func(t *testing.T) { testkit.Postgres(t) })
		t.Run("mysql", func(t *testing.T) { testkit.MySQL(t) })
	case "fail":
		for _, e := range engines {
			fmt.Printf("%s database: %s\n", e.name, queryString(t, e.open(t).DB, e.database))
		}
		t.Error("failing on purpose, so that the databases are kept")
	case "migrated":
		childMigrated(t)
	case "hang":
		childHang(t)
	default:
		t.Skip("helper process of TestUnconfigured and TestKeptOnFailure")
	}
}

// childHang is the "hang" child: it opens a database of each server
// engine, says so, and waits to be killed.
func childHang(t *testing.T) {
	for _, e := range engines[:2] {
		e.open(t)
	}
	fmt.Println("hang: ready")
	time.Sleep(10 * time.Minute)
}

// childEnv returns this process's environment changed by env ("NAME=value"
// sets, "NAME" unsets).
func childEnv(env ...string) []string {
	var out []string
	drop := map[string]bool{childModeEnv: true}
	for _, kv := range env {
		name, _, ok := strings.Cut(kv, "=")
		drop[name] = true
		if ok {
			out = append(out, kv)
		}
	}
	for _, kv := range os.Environ() {
		if name, _, _ := strings.Cut(kv, "="); !drop[name] {
			out = append(out, kv)
		}
	}
	return out
}
