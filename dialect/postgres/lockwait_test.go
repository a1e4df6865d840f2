package postgres

import (
	"errors"
	"fmt"
	"testing"
	"time"
)

func TestLockTimeoutStatements(t *testing.T) {
	t.Parallel()
	for d, want := range map[time.Duration]string{time.Microsecond: "1ms", 2 * time.Second: "2000ms", 1500 * time.Microsecond: "1ms"} {
		if got := lockTimeoutValue(d); got != want {
			t.Errorf("lockTimeoutValue(%v) = %q; want %q", d, got, want)
		}
	}
	if got, want := restoreLockTimeout("it's"), "SELECT set_config('lock_timeout', 'it''s', false)"; got != want {
		t.Errorf("restoreLockTimeout = %q; want %q", got, want)
	}
}

type sqlState string

func (s sqlState) Error() string    { return "server error" }
func (s sqlState) SQLState() string { return string(s) }

// TestIsLockTimeoutErrors: by SQLState where the driver's error has it
// (pgx, lib/pq), by the text otherwise.
func TestIsLockTimeoutErrors(t *testing.T) {
	t.Parallel()
	d := New()
	for _, tc := range []struct {
		err  error
		want bool
	}{
		{fmt.Errorf("wrapped: %w", sqlState("55P03")), true},
		{sqlState("57014"), false}, // statement_timeout
		{errors.New("ERROR: canceling statement due to lock timeout (SQLSTATE 55P03)"), true},
		{errors.New("pq: canceling statement due to lock timeout"), true},
		{errors.New(`ERROR: relation "t" does not exist (SQLSTATE 42P01)`), false},
		{nil, false},
	} {
		if got := d.IsLockTimeout(tc.err); got != tc.want {
			t.Errorf("IsLockTimeout(%v) = %v; want %v", tc.err, got, tc.want)
		}
	}
}
