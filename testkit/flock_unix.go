//go:build darwin || dragonfly || freebsd || linux || netbsd || openbsd

package testkit

import (
	"context"
	"errors"
	"os"
	"syscall"
	"time"
)

// flockWorks says that lockFile locks.
const flockWorks = true

// lockFile takes an exclusive flock on path, creating the file, polling
// until ctx ends, and returns its release. The lock dies with the process
// that holds it, so a killed test binary never leaves it taken.
func lockFile(ctx context.Context, path string) (func(), error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, err
	}
	for {
		err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
		if err == nil {
			return func() {
				_ = syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
				f.Close()
			}, nil
		}
		if !errors.Is(err, syscall.EWOULDBLOCK) && !errors.Is(err, syscall.EINTR) {
			f.Close()
			return nil, err
		}
		select {
		case <-ctx.Done():
			f.Close()
			return nil, ctx.Err()
		case <-time.After(20 * time.Millisecond):
		}
	}
}
