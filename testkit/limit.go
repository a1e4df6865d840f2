package testkit

import (
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// limiter bounds how many top-level tests of one test binary hold
// databases on one server at once, so that go test -parallel=64 does not
// open 64 pools of 10 connections against a server that accepts 100.
//
// The unit is the top-level test, not the database: a test, its subtests
// and their subtests share one slot however many databases they open.
// Counting databases would deadlock a test that opens a second database
// while every slot is held by tests waiting for their second one. A test
// that holds no database holds no slot, and one that holds a slot never
// waits for another, so waiting can only end.
//
// One case still could wait forever: tests that open a database before
// calling t.Parallel pause while holding it, and a sequential test that
// waits for their slot never lets them resume. So a wait gives up after
// maxWait and goes on over the bound, saying so in the test log.
type limiter struct {
	max     int
	maxWait time.Duration

	mu      sync.Mutex
	holders map[string]int  // top-level test → databases it holds
	wake    []chan struct{} // closed when a slot frees
}

func newLimiter(slots int) *limiter {
	return &limiter{max: max(slots, 1), maxWait: time.Minute, holders: map[string]int{}}
}

// acquire takes the slot of t's top-level test, waiting for one if
// needed, and returns its release. A nil limiter bounds nothing.
func (l *limiter) acquire(t testing.TB) (release func()) {
	if l == nil {
		return func() {}
	}
	root, _, _ := strings.Cut(t.Name(), "/")
	deadline := time.Now().Add(l.maxWait)
	for {
		l.mu.Lock()
		if l.holders[root] > 0 || len(l.holders) < l.max || !time.Now().Before(deadline) {
			if l.holders[root] == 0 && len(l.holders) >= l.max {
				t.Logf("testkit: waited %s for one of %d database slots; going on over the bound "+
					"(do tests open databases before calling t.Parallel? see HOIST_TEST_MAX_CONNS)", l.maxWait, l.max)
			}
			l.holders[root]++
			l.mu.Unlock()
			return sync.OnceFunc(func() { l.release(root) })
		}
		ch := make(chan struct{})
		l.wake = append(l.wake, ch)
		l.mu.Unlock()
		timer := time.NewTimer(time.Until(deadline))
		select {
		case <-ch:
		case <-timer.C:
		}
		timer.Stop()
	}
}

func (l *limiter) release(root string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.holders[root]--
	if l.holders[root] > 0 {
		return
	}
	delete(l.holders, root)
	for _, ch := range l.wake {
		close(ch)
	}
	l.wake = nil
}

// slotsFor returns how many top-level tests may hold databases at once on
// a server that accepts maxConns connections: half of them for this test
// binary (others may run beside it, as go test ./... does), in pools of
// the default size. HOIST_TEST_MAX_CONNS, when set, replaces the half.
func slotsFor(maxConns int) int {
	if v, err := strconv.Atoi(os.Getenv("HOIST_TEST_MAX_CONNS")); err == nil && v > 0 {
		return max(v/defaultMaxOpenConns, 1)
	}
	return max(maxConns/2/defaultMaxOpenConns, 2)
}
