//go:build darwin || dragonfly || freebsd || linux || netbsd || openbsd

package sqlite_test

import (
	"bufio"
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/hoistdb/hoist/dialect/internal/enginetest"
	"github.com/hoistdb/hoist/dialect/sqlite"
	"github.com/hoistdb/hoist/testkit"
)

// childDSNEnv tells TestLockChildProcess, in a child process, which
// database to lock.
const childDSNEnv = "HOIST_TEST_SQLITE_LOCK_CHILD_DSN"

// childReady is the line the child prints once it holds the lock.
const childReady = "hoist-lock-child: locked"

// TestLockAcrossProcesses starts this test binary again as a child that
// takes the lock, checks that the parent cannot have it and sees the
// child as holder, then kills the child, without any chance to release,
// and takes the lock.
func TestLockAcrossProcesses(t *testing.T) {
	t.Parallel()
	db := testkit.SQLite(t)

	var stderr bytes.Buffer
	cmd := exec.Command(os.Args[0], "-test.run=^TestLockChildProcess$", "-test.count=1")
	cmd.Env = append(os.Environ(), childDSNEnv+"="+db.DSN)
	cmd.Stderr = &stderr
	stdin, err := cmd.StdinPipe() // held open: the child waits on it
	if err != nil {
		t.Fatal(err)
	}
	defer stdin.Close()
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	waited := false
	t.Cleanup(func() {
		if !waited {
			_ = cmd.Process.Kill()
			_ = cmd.Wait()
		}
	})

	ready := make(chan error, 1)
	go func() {
		var out strings.Builder
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			if sc.Text() == childReady {
				ready <- nil
				return
			}
			out.WriteString(sc.Text() + "\n")
		}
		ready <- fmt.Errorf("child ended before taking the lock; its output:\n%s", out.String())
	}()
	select {
	case err := <-ready:
		if err != nil {
			_ = cmd.Wait()
			waited = true
			t.Fatalf("%v\nstderr:\n%s", err, stderr.String())
		}
	case <-time.After(time.Minute):
		t.Fatal("child did not take the lock within a minute")
	}

	lock := sqlite.New().NewLock(newConn(t, db.DSN), "hoist_migrations")
	enginetest.TryAcquire(t, lock, false)
	h := enginetest.Holder(t, lock)
	t.Logf("Holder: %s", h)
	if !holderPattern(cmd.Process.Pid).MatchString(h) {
		t.Errorf("Holder = %q, want it to match %s", h, holderPattern(cmd.Process.Pid))
	}

	if err := cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	err = cmd.Wait()
	waited = true
	var exit *exec.ExitError
	if !errors.As(err, &exit) {
		t.Fatalf("child: %v, want it killed", err)
	}

	// The kernel closed the child's files, and with them its lock.
	enginetest.TryAcquire(t, lock, true)
	if h := enginetest.Holder(t, lock); !holderPattern(os.Getpid()).MatchString(h) {
		t.Errorf("Holder after the child died = %q, want this process", h)
	}
	enginetest.Release(t, lock)
}

// TestLockChildProcess is the child of TestLockAcrossProcesses; run on its
// own, it skips.
func TestLockChildProcess(t *testing.T) {
	dsn := os.Getenv(childDSNEnv)
	if dsn == "" {
		t.Skip("helper process of TestLockAcrossProcesses")
	}
	ctx := context.Background()
	db, err := sql.Open("sqlite", dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	conn, err := db.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	lock := sqlite.New().NewLock(conn, "hoist_migrations")
	ok, err := lock.TryAcquire(ctx)
	if err != nil || !ok {
		t.Fatalf("TryAcquire = %v, %v; want true", ok, err)
	}
	fmt.Println(childReady)
	// Wait to be killed; end if the parent goes away first.
	_, _ = io.Copy(io.Discard, os.Stdin)
}
