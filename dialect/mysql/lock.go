package mysql

import (
	"context"
	"crypto/sha1"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/hoistdb/hoist/dialect"
)

// NewLock returns the user lock (GET_LOCK) that guards table, taken and
// released through conn. Its name is described in the package
// documentation; its String is GET_LOCK('<name>').
//
// A TryAcquire while this Lock already holds the lock reports true without
// asking the server again (MySQL would count a second hold), so one
// Release always frees it. Creating the lock sends nothing.
func (*Dialect) NewLock(conn *sql.Conn, table string) dialect.Lock {
	return &userLock{conn: conn, table: table}
}

// maxLockName is the longest lock name MySQL 8 accepts, in characters.
const maxLockName = 64

// lockName returns the lock name of a history table in a database.
func lockName(database, table string) string {
	qualified := database + "." + table
	name := "hoist:" + qualified
	if utf8.RuneCountInString(name) <= maxLockName {
		return name
	}
	sum := sha1.Sum([]byte(qualified))
	return "hoist:" + hex.EncodeToString(sum[:])
}

type userLock struct {
	conn  *sql.Conn
	table string

	mu   sync.Mutex // serialises use of conn and guards name and held
	name string     // "" until resolved
	held bool
}

func (l *userLock) String() string {
	l.mu.Lock()
	name := l.name
	l.mu.Unlock()
	if name == "" {
		// Not used yet: the current database is still unknown.
		name = "hoist:<current database>." + l.table
	}
	return "GET_LOCK('" + strings.ReplaceAll(name, "'", "''") + "')"
}

// resolve returns the lock name, asking for the current database the first
// time when the table is not qualified. l.mu must be held.
func (l *userLock) resolve(ctx context.Context) (string, error) {
	if l.name != "" {
		return l.name, nil
	}
	if database, table, ok := strings.Cut(l.table, "."); ok {
		l.name = lockName(database, table)
		return l.name, nil
	}
	var database sql.NullString
	if err := l.conn.QueryRowContext(ctx, "SELECT DATABASE()").Scan(&database); err != nil {
		return "", fmt.Errorf("mysql: name the lock of %s: %w", l.table, err)
	}
	if !database.Valid || database.String == "" {
		return "", fmt.Errorf("mysql: name the lock of %s: no database selected; name one in the DSN or qualify the history table (app.%s)", l.table, l.table)
	}
	l.name = lockName(database.String, l.table)
	return l.name, nil
}

func (l *userLock) TryAcquire(ctx context.Context) (bool, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.held {
		return true, nil
	}
	name, err := l.resolve(ctx)
	if err != nil {
		return false, err
	}
	var got sql.NullInt64
	if err := l.conn.QueryRowContext(ctx, "SELECT GET_LOCK(?, 0)", name).Scan(&got); err != nil {
		return false, fmt.Errorf("mysql: take lock %s: %w", name, err)
	}
	if !got.Valid {
		return false, fmt.Errorf("mysql: take lock %s: GET_LOCK returned NULL (out of memory, or the thread was killed)", name)
	}
	l.held = got.Int64 == 1
	return l.held, nil
}

func (l *userLock) Release(ctx context.Context) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	name, err := l.resolve(ctx)
	if err != nil {
		return err
	}
	var released sql.NullInt64
	if err := l.conn.QueryRowContext(ctx, "SELECT RELEASE_LOCK(?)", name).Scan(&released); err != nil {
		return fmt.Errorf("mysql: release lock %s: %w", name, err)
	}
	l.held = false
	switch {
	case !released.Valid:
		return fmt.Errorf("mysql: release lock %s: lock was not held", name)
	case released.Int64 != 1:
		return fmt.Errorf("mysql: release lock %s: lock is held by another connection", name)
	}
	return nil
}

// processQuery describes a connection. PROCESSLIST knows when the
// connection's current command started, not when it took the lock.
const processQuery = `SELECT USER, HOST, COMMAND,
	DATE_FORMAT(UTC_TIMESTAMP() - INTERVAL TIME SECOND, '%Y-%m-%dT%H:%i:%sZ')
FROM information_schema.PROCESSLIST WHERE ID = ?`

// Holder describes the connection holding the lock as "connection 42
// (app@10.0.0.3:51234) busy since 2026-11-22T04:00:00Z", where "busy"
// or "idle" and the time say what the connection is doing and since
// when. Without the PROCESS privilege other users' connections are
// hidden, and Holder says only "connection 42". It returns "" when
// nobody holds the lock.
func (l *userLock) Holder(ctx context.Context) (string, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	name, err := l.resolve(ctx)
	if err != nil {
		return "", err
	}
	var id sql.NullInt64
	if err := l.conn.QueryRowContext(ctx, "SELECT IS_USED_LOCK(?)", name).Scan(&id); err != nil {
		return "", fmt.Errorf("mysql: find holder of lock %s: %w", name, err)
	}
	if !id.Valid {
		return "", nil
	}
	holder := fmt.Sprintf("connection %d", id.Int64)
	var user, host, command, since sql.NullString
	err = l.conn.QueryRowContext(ctx, processQuery, id.Int64).Scan(&user, &host, &command, &since)
	if errors.Is(err, sql.ErrNoRows) {
		return holder, nil
	}
	if err != nil {
		return "", fmt.Errorf("mysql: describe connection %d holding lock %s: %w", id.Int64, name, err)
	}
	if user.String != "" || host.String != "" {
		holder += " (" + user.String + "@" + host.String + ")"
	}
	if since.Valid {
		state := "busy"
		if command.String == "Sleep" {
			state = "idle"
		}
		holder += " " + state + " since " + since.String
	}
	return holder, nil
}
