package testkit

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/hoistdb/hoist/sdk"
)

// killChildEnv makes this test binary, run again by
// TestKilledBinaryPoolSwept, play the part of another test binary:
// "fill <engine> <salt>" fills a pool and waits to be killed; "sweep
// <engine>" only finds the server, as the first test of every binary
// does, which sweeps.
const killChildEnv = "HOIST_TESTKIT_KILL_CHILD"

// TestKilledBinaryPoolSwept runs a test binary that fills a pool of
// clones, holds one of them as a running test does, and is killed with
// SIGKILL; then another binary that finds the server. What the killed
// binary held must be gone: its pooled clones (on SQLite, the copies of
// its file pool), and the clone its test was using; what it had left on
// no shelf is not reused. The template
// stays, by design, for later binaries; the database of the killed
// binary's first test, a copy made before the pool had any, is a test
// database like any other and is left for a day (a kept database looks
// the same), except on SQLite, where its binary's lock on it tells.
func TestKilledBinaryPoolSwept(t *testing.T) {
	if os.Getenv(killChildEnv) != "" {
		t.Skip("the child's part is TestKilledBinaryChild")
	}
	if testing.Short() {
		t.Skip("runs the test binary three times")
	}
	for _, name := range []string{"postgres", "mysql", "sqlite"} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			e, srv := engineNamed(t, name)
			if name != "sqlite" && srv.disposable() {
				t.Skip("the servers testkit starts end with the binary that started them: nothing to sweep")
			}
			salt := fmt.Sprintf("killed %s %d", t.Name(), time.Now().UnixNano())
			opts := []sdk.Option{sdk.WithFS(HundredMigrations(salt))}
			DropTemplateAtEnd(t, name, opts...)
			ctx := context.Background()
			key, _, _, err := templateKey(ctx, e, srv.templates(), opts)
			if err != nil {
				t.Fatal(err)
			}
			tmp := t.TempDir() // SQLite's databases, for both children

			child := exec.Command(os.Args[0], "-test.run=^TestKilledBinaryChild$", "-test.v")
			child.Env = append(os.Environ(), killChildEnv+"=fill "+name+" "+salt, "HOIST_TEST_POOL=3", "TMPDIR="+tmp)
			stdout, err := child.StdoutPipe()
			if err != nil {
				t.Fatal(err)
			}
			child.Stderr = os.Stderr
			if err := child.Start(); err != nil {
				t.Fatal(err)
			}
			defer child.Process.Kill()
			var first, held string
			var pooled []string
			sc := bufio.NewScanner(stdout)
			for held == "" && sc.Scan() {
				if rest, ok := strings.CutPrefix(strings.TrimSpace(sc.Text()), "READY "); ok {
					f := strings.Fields(rest)
					first, held, pooled = f[0], f[1], f[2:]
				}
			}
			if held == "" {
				t.Fatalf("the child ended without filling its pool: %v", child.Wait())
			}
			if err := child.Process.Signal(syscall.SIGKILL); err != nil {
				t.Fatal(err)
			}
			_ = child.Wait()
			t.Logf("killed a binary holding %s (first test), %s (a test's pooled clone) and %v (its pool)", first, held, pooled)

			// The next binary.
			next := exec.Command(os.Args[0], "-test.run=^TestKilledBinaryChild$")
			next.Env = append(os.Environ(), killChildEnv+"=sweep "+name, "TMPDIR="+tmp)
			if out, err := next.CombinedOutput(); err != nil {
				t.Fatalf("the next binary: %v\n%s", err, out)
			}

			exists := func(db string) bool {
				if name == "sqlite" {
					m, _ := filepath.Glob(filepath.Join(tmp, db+"_*"))
					return len(m) > 0
				}
				return serverHas(t, srv, db)
			}
			for _, db := range append([]string{held}, pooled...) {
				if exists(db) {
					t.Errorf("%s, held by the killed binary, is still there after the next binary swept", db)
				}
			}
			if sh, ok := srv.(shelfStore); ok {
				if shelved, err := sh.shelved(ctx, key); err != nil || len(shelved) > 0 {
					t.Errorf("the killed binary's clones are on the shelf: %v (%v)", shelved, err)
				}
			}
			switch {
			case name == "sqlite" && exists(first):
				t.Errorf("the killed binary's SQLite database %s is still there after the next binary swept", first)
			case name != "sqlite" && !exists(first):
				t.Errorf("the killed binary's first database %s is gone; a test database is left for a day", first)
			case name != "sqlite":
				if err := srv.drop(ctx, first); err != nil {
					t.Error(err)
				}
			}
			if name == "sqlite" {
				return // its template is under the children's TMPDIR
			}
			if tpl, ok, err := srv.templates().findTemplate(ctx, key, func(context.Context, string) (bool, error) { return true, nil }); err != nil || !ok {
				t.Errorf("the template is gone (%s, %v); it is kept for later binaries", tpl, err)
			}
		})
	}
}

// TestKilledBinaryChild is the other binaries of
// TestKilledBinaryPoolSwept; it does nothing in a normal run.
func TestKilledBinaryChild(t *testing.T) {
	part, ok := os.LookupEnv(killChildEnv)
	if !ok {
		t.Skip("run by TestKilledBinaryPoolSwept")
	}
	f := strings.SplitN(part, " ", 3)
	e, srv := engineNamed(t, f[1]) // finds the server, and sweeps
	if f[0] == "sweep" {
		return
	}
	kind := map[string]Kind{"postgres": Postgres, "mysql": MySQL, "sqlite": SQLite}[f[1]]
	opts := []sdk.Option{sdk.WithFS(HundredMigrations(f[2]))}
	first := Migrated(t, kind, opts...)
	var names []string
	if e != sqliteEngine {
		key, _, _, err := templateKey(context.Background(), e, srv.templates(), opts)
		if err != nil {
			t.Fatal(err)
		}
		v, ok := pools.Load(e.name + " " + key)
		if !ok {
			t.Fatal("no pool")
		}
		p := v.(*clonePool)
		waitFull(t, p)
		held := Migrated(t, kind, opts...)
		waitFull(t, p)
		names = append(names, currentDatabase(t, held))
		for range cap(p.ready) {
			c := <-p.ready
			names = append(names, c.name)
			p.ready <- c
		}
	} else {
		// A second test database, in use, then the copies of the
		// file pool.
		names = append(names, dbName(t, Migrated(t, kind, opts...)))
		key, _, _, err := templateKey(context.Background(), e, srv.templates(), opts)
		if err != nil {
			t.Fatal(err)
		}
		v, ok := filePools.Load(key)
		if !ok || v.(*filePool) == nil {
			t.Fatal("no file pool")
		}
		p := v.(*filePool)
		for deadline := time.Now().Add(time.Minute); len(p.ready) < cap(p.ready); time.Sleep(10 * time.Millisecond) {
			if time.Now().After(deadline) {
				t.Fatalf("the file pool holds %d copies after a minute; want %d", len(p.ready), cap(p.ready))
			}
		}
		for range cap(p.ready) {
			f := <-p.ready
			names = append(names, f.name)
			p.ready <- f
		}
	}
	fmt.Printf("READY %s %s\n", dbName(t, first), strings.Join(names, " "))
	time.Sleep(10 * time.Minute) // until killed
}

// dbName returns the name of a test database: its directory's, less the
// random suffix, on SQLite.
func dbName(t *testing.T, db *DB) string {
	t.Helper()
	if db.Dialect.Name() != "sqlite" {
		return currentDatabase(t, db)
	}
	dir := filepath.Base(filepath.Dir(strings.TrimPrefix(strings.Split(db.DSN, "?")[0], "file:")))
	name, _, _ := cutLast(dir, "_")
	return name
}
