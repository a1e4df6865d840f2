package mysql

import (
	"errors"
	"fmt"
	"testing"
	"time"
)

func TestLockWaitSeconds(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		d    time.Duration
		want int64
	}{{time.Millisecond, 1}, {time.Second, 1}, {1001 * time.Millisecond, 2}, {2 * time.Second, 2}, {90 * time.Second, 90}} {
		if got := lockWaitSeconds(tc.d); got != tc.want {
			t.Errorf("lockWaitSeconds(%v) = %d; want %d", tc.d, got, tc.want)
		}
	}
	if got, want := setLockWaits(2, 50), "SET SESSION lock_wait_timeout = 2, innodb_lock_wait_timeout = 50"; got != want {
		t.Errorf("setLockWaits = %q; want %q", got, want)
	}
}

// TestIsLockTimeoutMessages: go-sql-driver/mysql spells its errors
// "Error 1205 (HY000): ..." since 1.8 and "Error 1205: ..." before.
func TestIsLockTimeoutMessages(t *testing.T) {
	t.Parallel()
	d := New()
	for msg, want := range map[string]bool{
		"Error 1205 (HY000): Lock wait timeout exceeded; try restarting transaction":                                 true,
		"Error 1205: Lock wait timeout exceeded; try restarting transaction":                                         true,
		"Error 3572 (HY000): Statement aborted because lock(s) could not be acquired immediately and NOWAIT is set.": true,
		"Error 1213 (40001): Deadlock found when trying to get lock; try restarting transaction":                     false,
		"Error 1146 (42S02): Table 'app.t' doesn't exist":                                                            false,
	} {
		if got := d.IsLockTimeout(fmt.Errorf("wrapped: %w", errors.New(msg))); got != want {
			t.Errorf("IsLockTimeout(%q) = %v; want %v", msg, got, want)
		}
	}
}
