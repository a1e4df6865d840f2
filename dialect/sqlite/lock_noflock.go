//go:build !(darwin || dragonfly || freebsd || linux || netbsd || openbsd)

package sqlite

import (
	"fmt"
	"os"
	"runtime"
)

// tryLockFile fails: this platform has no flock(2), and the locks it has
// (LockFileEx on Windows, fcntl on Solaris) are not implemented yet.
// Pretending to lock would let two processes migrate one file at once.
func tryLockFile(path string) (*os.File, error) {
	return nil, fmt.Errorf("file locking is not implemented on %s; hoist cannot keep other processes from migrating %s at the same time, so it refuses to migrate a database file here (in-memory databases work)", runtime.GOOS, path)
}

func unlockFile(*os.File) error { return nil }

func lockHolder(string) (string, error) { return "", nil }
