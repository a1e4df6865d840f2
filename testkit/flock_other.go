//go:build !(darwin || dragonfly || freebsd || linux || netbsd || openbsd)

package testkit

import "context"

// flockWorks says that lockFile does not lock.
const flockWorks = false

// lockFile does not lock where flock is missing. Templates stay correct,
// since each is renamed into place only when complete; two test binaries
// may only build the same one twice.
func lockFile(context.Context, string) (func(), error) {
	return func() {}, nil
}
