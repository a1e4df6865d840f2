//go:build !linux

package pgserver

import "testing"

// Start skips t: the server is started only on Linux, where the kernel
// stops it should the test binary die.
func Start(t testing.TB) string {
	t.Helper()
	t.Skip("pgserver: a second PostgreSQL server is started only on Linux")
	return ""
}
