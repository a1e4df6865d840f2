package sdk_test

import (
	"context"
	"database/sql"
	"errors"
	"log/slog"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hoistdb/hoist/dialect/sqlite"
	"github.com/hoistdb/hoist/sdk"
)

// busyRetryLog is what the migrator logs when the database refuses its
// first step as busy.
const busyRetryLog = "hoist: the database is busy; retrying"

// onLog is a slog.Handler that calls fn with the message of every record.
type onLog func(msg string)

func (onLog) Enabled(context.Context, slog.Level) bool        { return true }
func (h onLog) Handle(_ context.Context, r slog.Record) error { h(r.Message); return nil }
func (h onLog) WithAttrs([]slog.Attr) slog.Handler            { return h }
func (h onLog) WithGroup(string) slog.Handler                 { return h }

// busySQLite starts a process that holds SQLite's exclusive lock on a new
// database file, and returns the file's DSN, without a busy_timeout (so
// SQLite refuses other connections at once, as it does for the WAL switch
// of a new file), and release, which makes the holder commit and waits
// for it to exit.
func busySQLite(t *testing.T) (dsn string, release func() error) {
	t.Helper()
	dsn = "file:" + filepath.Join(t.TempDir(), "busy.db")
	cmd, stdin, out := startChildOn(t, "sqlite", dsn, roleBusy)
	if !out.Scan() || out.Text() != "holding" {
		t.Fatalf("the holding process said %q, %v", out.Text(), out.Err())
	}
	return dsn, func() error {
		stdin.Close()
		for out.Scan() {
		}
		return cmd.Wait()
	}
}

func openSQLite(t *testing.T, dsn string) *sql.DB {
	t.Helper()
	db, err := sql.Open("sqlite", dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// TestBootRetriesBusyDatabase: another process holds SQLite's exclusive
// lock while a migrator boots, so SQLite refuses the boot's first read.
// The migrator retries instead of failing; once the holder commits, it
// applies every migration.
func TestBootRetriesBusyDatabase(t *testing.T) {
	t.Parallel()
	ctx := testContext(t)
	dsn, release := busySQLite(t)

	var (
		once     sync.Once
		released error
	)
	logger := slog.New(onLog(func(msg string) {
		if msg == busyRetryLog {
			once.Do(func() { released = release() })
		}
	}))
	m, err := sdk.New(openSQLite(t, dsn), sqlite.New(), sdk.WithFS(bootFS()), sdk.WithLogger(logger))
	if err != nil {
		t.Fatal(err)
	}
	res, err := m.Up(ctx)
	if err != nil {
		t.Fatalf("Up while another process held the database for a moment: %v", err)
	}
	if len(res.Applied) != bootMigrations-1 {
		t.Fatalf("Up applied %v; want all %d migrations", versions(res.Applied), bootMigrations-1)
	}
	retried := true
	once.Do(func() { retried = false })
	if !retried {
		t.Fatal("Up succeeded without logging that it retried, so the holder never kept it out: the test proves nothing")
	}
	if released != nil {
		t.Fatalf("the holding process: %v", released)
	}
}

// TestBootBusyTimeout: a database that stays busy for the whole lock
// timeout fails the boot with the engine's busy error and how long hoist
// retried, and changes nothing; the next boot, once the database is free,
// applies everything.
func TestBootBusyTimeout(t *testing.T) {
	t.Parallel()
	ctx := testContext(t)
	dsn, release := busySQLite(t)
	db := openSQLite(t, dsn)

	m, err := sdk.New(db, sqlite.New(), sdk.WithFS(bootFS()), sdk.WithLockTimeout(200*time.Millisecond), quiet())
	if err != nil {
		t.Fatal(err)
	}
	res, err := m.Up(ctx)
	if err == nil || !sqlite.New().IsBusy(err) || !strings.Contains(err.Error(), "still busy after retrying for") {
		t.Fatalf("Up while the database stayed busy: %v; want SQLITE_BUSY and how long hoist retried", err)
	}
	if len(res.Applied) != 0 {
		t.Fatalf("Up applied %v while the database was busy", versions(res.Applied))
	}

	cctx, cancel := context.WithCancel(ctx)
	time.AfterFunc(50*time.Millisecond, cancel)
	if _, err := newSQLiteMigrator(t, db).Up(cctx); !errors.Is(err, context.Canceled) {
		t.Fatalf("Up cancelled while retrying: %v; want context.Canceled", err)
	}

	if err := release(); err != nil {
		t.Fatalf("the holding process: %v", err)
	}
	if n := countRows(t, db, "SELECT COUNT(*) FROM sqlite_master WHERE name = 'hoist_migrations'"); n != 0 {
		t.Fatalf("the boots that gave up left %d history tables behind", n)
	}
	res, err = newSQLiteMigrator(t, db).Up(ctx)
	if err != nil || len(res.Applied) != bootMigrations-1 {
		t.Fatalf("Up once the database was free: %v, applied %v; want all %d", err, versions(res.Applied), bootMigrations-1)
	}
}

func newSQLiteMigrator(t *testing.T, db *sql.DB) *sdk.Migrator {
	t.Helper()
	m, err := sdk.New(db, sqlite.New(), sdk.WithFS(bootFS()), quiet())
	if err != nil {
		t.Fatal(err)
	}
	return m
}
