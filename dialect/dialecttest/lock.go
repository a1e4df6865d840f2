package dialecttest

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/hoistdb/hoist/dialect"
	"github.com/hoistdb/hoist/dialect/internal/enginetest"
)

// lock checks the lock through separate sessions on a new database each.
func (s *suite) lock(t *testing.T) {
	t.Parallel()
	if s.lockSkipped != "" {
		t.Skip(s.lockSkipped)
	}
	t.Run("exclusive", s.lockExclusive)
	t.Run("tables_are_independent", s.lockTablesAreIndependent)
	t.Run("release_not_held", s.lockReleaseNotHeld)
	if !s.lockOutlivesSession {
		t.Run("ends_with_session", s.lockEndsWithSession)
	}
}

// locks opens a new database and two sessions on it, and returns the
// first session's lock on tableA, the second's on tableB, and the first
// session.
func (s *suite) locks(t *testing.T, tableA, tableB string) (lockA, lockB dialect.Lock, a *enginetest.Session) {
	t.Helper()
	db := s.open(t)
	a, b := enginetest.Open(t, db.Driver, db.DSN), enginetest.Open(t, db.Driver, db.DSN)
	return s.d.NewLock(a.Conn, tableA), s.d.NewLock(b.Conn, tableB), a
}

func (s *suite) lockExclusive(t *testing.T) {
	t.Parallel()
	lockA, lockB, _ := s.locks(t, "hoist_migrations", "hoist_migrations")

	if lockA.String() == "" {
		t.Error("String() before use is empty")
	}
	if h := enginetest.Holder(t, lockB); h != "" {
		t.Errorf("Holder of a free lock = %q, want \"\"", h)
	}

	enginetest.TryAcquire(t, lockA, true)
	enginetest.TryAcquire(t, lockA, true) // already held by this Lock
	enginetest.TryAcquire(t, lockB, false)
	if lockA.String() == "" {
		t.Error("String() is empty")
	}
	if h := enginetest.Holder(t, lockB); h == "" {
		t.Error("Holder of a held lock is empty")
	}

	enginetest.Release(t, lockA) // one Release frees it, however often A tried
	if h := enginetest.Holder(t, lockB); h != "" {
		t.Errorf("Holder after Release = %q, want \"\"", h)
	}
	enginetest.TryAcquire(t, lockB, true)
	if h := enginetest.Holder(t, lockA); h == "" {
		t.Error("Holder after the lock changed hands is empty")
	}
	enginetest.TryAcquire(t, lockA, false)
	enginetest.Release(t, lockB)
	enginetest.TryAcquire(t, lockA, true)
	enginetest.Release(t, lockA)
}

func (s *suite) lockTablesAreIndependent(t *testing.T) {
	t.Parallel()
	lockA, lockB, _ := s.locks(t, "hoist_migrations", "other_migrations")
	enginetest.TryAcquire(t, lockA, true)
	enginetest.TryAcquire(t, lockB, true)
	if lockA.String() == lockB.String() {
		t.Errorf("both tables have lock %s", lockA)
	}
	enginetest.Release(t, lockA)
	enginetest.Release(t, lockB)
}

func (s *suite) lockReleaseNotHeld(t *testing.T) {
	t.Parallel()
	lockA, lockB, _ := s.locks(t, "hoist_migrations", "hoist_migrations")

	err := lockA.Release(context.Background())
	if err == nil || !strings.Contains(err.Error(), "not held") {
		t.Errorf("Release of a lock never taken = %v, want a \"not held\" error", err)
	}

	enginetest.TryAcquire(t, lockA, true)
	if err := lockB.Release(context.Background()); err == nil {
		t.Error("Release by another session succeeded, want an error")
	}
	enginetest.TryAcquire(t, lockB, false) // B's failed Release left A's lock alone
	enginetest.Release(t, lockA)
	if err := lockA.Release(context.Background()); err == nil {
		t.Error("second Release succeeded, want an error")
	}
}

// lockEndsWithSession closes the holder's session without a Release and
// waits for the other session to get the lock.
func (s *suite) lockEndsWithSession(t *testing.T) {
	t.Parallel()
	lockA, lockB, a := s.locks(t, "hoist_migrations", "hoist_migrations")
	enginetest.TryAcquire(t, lockA, true)
	enginetest.TryAcquire(t, lockB, false)
	a.Close(t) // no Release

	// A server ends the session a moment after the client goes away.
	deadline := time.Now().Add(10 * time.Second)
	for {
		ok, err := lockB.TryAcquire(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if ok {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("lock still held 10s after session A ended, by %q", enginetest.Holder(t, lockB))
		}
		time.Sleep(20 * time.Millisecond)
	}
	enginetest.Release(t, lockB)
}
