//go:build darwin || dragonfly || freebsd || linux || netbsd || openbsd

package sqlite

import (
	"errors"
	"io"
	"io/fs"
	"os"
	"strings"
	"syscall"
)

// tryLockFile opens (creating it if need be) and exclusively flocks path
// without waiting. It returns nil and no error when another open file
// holds the lock. Go opens files close-on-exec, so child processes never
// inherit, and keep alive, a lock.
func tryLockFile(path string) (*os.File, error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o666)
	if err != nil {
		return nil, err
	}
	ok, err := flock(f, syscall.LOCK_EX|syscall.LOCK_NB)
	if err != nil || !ok {
		f.Close()
		return nil, err
	}
	return f, nil
}

func unlockFile(f *os.File) error {
	_, err := flock(f, syscall.LOCK_UN)
	return err
}

// lockHolder reads the lock file if someone holds the lock, and returns ""
// if nobody does: a shared lock that can be had means no exclusive one is
// held, and the text left by a holder that died is stale.
func lockHolder(path string) (string, error) {
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		return "", nil
	}
	if err != nil {
		return "", err
	}
	defer f.Close()
	free, err := flock(f, syscall.LOCK_SH|syscall.LOCK_NB)
	if err != nil {
		return "", err
	}
	if free {
		_, err := flock(f, syscall.LOCK_UN)
		return "", err
	}
	text, err := io.ReadAll(io.LimitReader(f, 1024))
	if err != nil {
		return "", err
	}
	return strings.TrimSpace(string(text)), nil
}

// flock applies how to f and reports false when a non-blocking request
// would have had to wait.
func flock(f *os.File, how int) (bool, error) {
	raw, err := f.SyscallConn()
	if err != nil {
		return false, err
	}
	var ferr error
	if err := raw.Control(func(fd uintptr) {
		for {
			ferr = syscall.Flock(int(fd), how)
			if ferr != syscall.EINTR {
				return
			}
		}
	}); err != nil {
		return false, err
	}
	if errors.Is(ferr, syscall.EWOULDBLOCK) {
		return false, nil
	}
	if ferr != nil {
		return false, &os.PathError{Op: "flock", Path: f.Name(), Err: ferr}
	}
	return true, nil
}
