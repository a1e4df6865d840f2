//go:build !(darwin || dragonfly || freebsd || linux || netbsd || openbsd)

package sqlite_test

import (
	"context"
	"runtime"
	"strings"
	"testing"

	"github.com/hoistdb/hoist/dialect/sqlite"
	"github.com/hoistdb/hoist/testkit"
)

const haveFlock = false

func TestLockUnsupportedPlatform(t *testing.T) {
	t.Parallel()
	db := testkit.SQLite(t)
	lock := sqlite.New().NewLock(newConn(t, db.DSN), "hoist_migrations")
	ok, err := lock.TryAcquire(context.Background())
	want := "file locking is not implemented on " + runtime.GOOS
	if ok || err == nil || !strings.Contains(err.Error(), want) {
		t.Errorf("TryAcquire = %v, %v; want false and an error containing %q", ok, err, want)
	}
}
