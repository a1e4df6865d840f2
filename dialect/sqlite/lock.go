package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/hoistdb/hoist/dialect"
)

// NewLock returns the lock that guards table, taken and released through
// conn: a flock(2) on "<database file>.hoist-<table>.lock", or for a
// database without a file a lock shared by the whole process, as the
// package documentation describes. Its String is "flock(<path>)" once the
// lock has been used and the path is known. Creating the lock sends
// nothing.
//
// A TryAcquire while this Lock already holds the lock reports true, so one
// Release always frees it.
func (*Dialect) NewLock(conn *sql.Conn, table string) dialect.Lock {
	return &fileLock{conn: conn, table: table}
}

// lockBusyTimeout is the busy_timeout, in milliseconds, that a connection
// without one gets while it holds the lock.
const lockBusyTimeout = 5000

type fileLock struct {
	conn  *sql.Conn
	table string

	mu       sync.Mutex // serialises use of conn and guards the rest
	resolved bool
	path     string      // the lock file; "" for a database without a file
	mem      *memoryLock // the process's lock of a database without a file
	f        *os.File    // the locked file while held
	held     bool
	holder   string // what this lock wrote into the file while held
	busySet  bool   // TryAcquire raised busy_timeout from 0
	// syncLevel is the connection's synchronous level before
	// RelaxCommits lowered it (commits.go); 0 when it did not.
	syncLevel int64
}

func (l *fileLock) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	switch {
	case !l.resolved:
		return "flock(<database file>.hoist-" + lockFileTable(l.table) + ".lock)"
	case l.path == "":
		return "in-process lock of " + l.table + " (in-memory or temporary database)"
	}
	return "flock(" + l.path + ")"
}

// resolve finds the lock file from the database file of the table's
// schema. l.mu must be held.
func (l *fileLock) resolve(ctx context.Context) error {
	if l.resolved {
		return nil
	}
	schema, table := "main", l.table
	if s, t, ok := strings.Cut(l.table, "."); ok {
		schema, table = s, t
	}
	file, found, err := databaseFile(ctx, l.conn, schema)
	if err != nil {
		return fmt.Errorf("sqlite: find the database file of %s: %w", l.table, err)
	}
	if !found {
		return fmt.Errorf("sqlite: find the database file of %s: no attached database %q", l.table, schema)
	}
	if file != "" {
		l.path = file + ".hoist-" + lockFileTable(table) + ".lock"
	} else {
		l.mem = memoryLockOf(table)
	}
	l.resolved = true
	return nil
}

// databaseFile returns the file of the schema from PRAGMA database_list;
// "" for an in-memory or temporary database.
func databaseFile(ctx context.Context, conn *sql.Conn, schema string) (file string, found bool, err error) {
	rows, err := conn.QueryContext(ctx, "PRAGMA database_list")
	if err != nil {
		return "", false, err
	}
	defer rows.Close()
	for rows.Next() {
		var (
			seq  int64
			name string
			path sql.NullString
		)
		if err := rows.Scan(&seq, &name, &path); err != nil {
			return "", false, err
		}
		if strings.EqualFold(name, schema) {
			file, found = path.String, true
		}
	}
	return file, found, rows.Err()
}

// lockFileTable makes a table name safe in a file name.
func lockFileTable(table string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '_', r == '-', r == '.':
			return r
		}
		return '_'
	}, table)
}

func (l *fileLock) TryAcquire(ctx context.Context) (bool, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.held {
		return true, nil
	}
	if err := l.resolve(ctx); err != nil {
		return false, err
	}
	holder := describeSelf()
	if l.mem != nil && !l.mem.tryLock(holder) {
		return false, nil
	}
	var f *os.File
	if l.path != "" {
		var err error
		if f, err = tryLockFile(l.path); err != nil {
			return false, fmt.Errorf("sqlite: take %s: %w", "flock("+l.path+")", err)
		}
		if f == nil {
			return false, nil
		}
	}
	if err := l.raiseBusyTimeout(ctx); err != nil {
		if f != nil {
			_ = unlockFile(f)
			_ = f.Close()
		}
		if l.mem != nil {
			l.mem.unlock()
		}
		return false, err
	}
	l.f, l.held = f, true
	l.holder = holder
	if f != nil {
		// Best effort: the lock is what matters, the text only helps
		// Holder.
		if f.Truncate(0) == nil {
			_, _ = f.WriteAt([]byte(l.holder+"\n"), 0)
		}
	}
	return true, nil
}

// raiseBusyTimeout gives the connection a busy_timeout if it has none.
// l.mu must be held.
func (l *fileLock) raiseBusyTimeout(ctx context.Context) error {
	var ms int64
	if err := l.conn.QueryRowContext(ctx, "PRAGMA busy_timeout").Scan(&ms); err != nil {
		return fmt.Errorf("sqlite: read busy_timeout: %w", err)
	}
	if ms != 0 {
		return nil
	}
	if _, err := l.conn.ExecContext(ctx, fmt.Sprintf("PRAGMA busy_timeout = %d", lockBusyTimeout)); err != nil {
		return fmt.Errorf("sqlite: set busy_timeout: %w", err)
	}
	l.busySet = true
	return nil
}

func describeSelf() string {
	host, err := os.Hostname()
	if err != nil || host == "" {
		host = "unknown host"
	}
	return fmt.Sprintf("pid %d on %s since %s", os.Getpid(), host, time.Now().UTC().Format(time.RFC3339))
}

func (l *fileLock) Release(ctx context.Context) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if !l.held {
		return errors.New("sqlite: release " + l.describe() + ": lock was not held")
	}
	var errs []error
	if err := l.restoreCommits(ctx); err != nil {
		errs = append(errs, err)
	}
	if l.busySet {
		if _, err := l.conn.ExecContext(ctx, "PRAGMA busy_timeout = 0"); err != nil {
			errs = append(errs, fmt.Errorf("sqlite: restore busy_timeout: %w", err))
		}
		l.busySet = false
	}
	if f := l.f; f != nil {
		_ = f.Truncate(0) // the next holder writes its own line
		if err := unlockFile(f); err != nil {
			errs = append(errs, fmt.Errorf("sqlite: release %s: %w", l.describe(), err))
		}
		// Closing drops the lock even if unlocking failed. The file
		// stays: deleting it would race with processes opening it.
		if err := f.Close(); err != nil {
			errs = append(errs, fmt.Errorf("sqlite: release %s: %w", l.describe(), err))
		}
	}
	if l.mem != nil {
		l.mem.unlock()
	}
	l.f, l.held, l.holder = nil, false, ""
	return errors.Join(errs...)
}

// describe is String without taking l.mu.
func (l *fileLock) describe() string {
	if l.path == "" {
		return "in-process lock of " + l.table
	}
	return "flock(" + l.path + ")"
}

// Holder returns what the holder wrote into the lock file, "pid 4711 on
// web-1 since 2026-11-22T04:00:00Z", or "" when nobody holds the lock or
// the holder has not written it yet. For a database without a file it
// describes this process while a lock of the table's name is held in it,
// and is "" otherwise.
func (l *fileLock) Holder(ctx context.Context) (string, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.held {
		return l.holder, nil
	}
	if err := l.resolve(ctx); err != nil {
		return "", err
	}
	if l.path == "" {
		return l.mem.heldBy(), nil
	}
	holder, err := lockHolder(l.path)
	if err != nil {
		return "", fmt.Errorf("sqlite: find holder of %s: %w", l.describe(), err)
	}
	return holder, nil
}
