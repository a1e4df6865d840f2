// Package enginetest holds the helpers that the dialect packages' own
// tests and the shared suite in dialect/dialecttest have in common:
// separate database sessions, lock steps that fail the test, exact
// comparison of statement text, and IsMissingTable cases.
package enginetest

import (
	"context"
	"database/sql"
	"testing"

	"github.com/hoistdb/hoist/dialect"
)

// Session is one database session of its own: a separate pool with one
// connection taken out of it, so that it never shares a server session
// with another Session.
type Session struct {
	DB   *sql.DB
	Conn *sql.Conn
}

// Open opens a Session with sql.Open(driver, dsn). Both the connection
// and the pool are closed in t.Cleanup.
func Open(t testing.TB, driver, dsn string) *Session {
	t.Helper()
	db, err := sql.Open(driver, dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	conn, err := db.Conn(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	return &Session{DB: db, Conn: conn}
}

// Close ends the session without releasing anything it holds.
func (s *Session) Close(t testing.TB) {
	t.Helper()
	if err := s.Conn.Close(); err != nil {
		t.Fatal(err)
	}
	if err := s.DB.Close(); err != nil {
		t.Fatal(err)
	}
}

// TryAcquire calls l.TryAcquire and fails t unless it reports want
// without an error.
func TryAcquire(t testing.TB, l dialect.Lock, want bool) {
	t.Helper()
	got, err := l.TryAcquire(context.Background())
	if err != nil {
		t.Fatalf("TryAcquire: %v", err)
	}
	if got != want {
		t.Fatalf("TryAcquire = %v, want %v", got, want)
	}
}

// Release calls l.Release and fails t on an error.
func Release(t testing.TB, l dialect.Lock) {
	t.Helper()
	if err := l.Release(context.Background()); err != nil {
		t.Fatalf("Release: %v", err)
	}
}

// Holder returns l.Holder and fails t on an error.
func Holder(t testing.TB, l dialect.Lock) string {
	t.Helper()
	h, err := l.Holder(context.Background())
	if err != nil {
		t.Fatalf("Holder: %v", err)
	}
	return h
}

// Pin is one text as a dialect builds it (Got) and as it must read, to
// the byte (Want), such as a statement or a quoted name.
type Pin struct {
	Name, Got, Want string
}

// Pins runs a subtest per pin that fails unless Got is Want exactly.
func Pins(t *testing.T, pins []Pin) {
	t.Helper()
	for _, p := range pins {
		t.Run(p.Name, func(t *testing.T) {
			t.Parallel()
			if p.Got != p.Want {
				t.Errorf("got\n%s\nwant\n%s", p.Got, p.Want)
			}
		})
	}
}

// MissingTable is an error and whether it is a missing table.
type MissingTable struct {
	Name string
	Err  error
	Want bool
}

// IsMissingTable runs a subtest per error that fails unless
// d.IsMissingTable says what the case wants.
func IsMissingTable(t *testing.T, d dialect.Dialect, tests []MissingTable) {
	t.Helper()
	for _, tt := range tests {
		t.Run(tt.Name, func(t *testing.T) {
			if got := d.IsMissingTable(tt.Err); got != tt.Want {
				t.Errorf("IsMissingTable(%v) = %v, want %v", tt.Err, got, tt.Want)
			}
		})
	}
}
