//go:build !linux

package testkit

// staticClosure cannot tell here where a closure lives: every function
// literal is taken to capture values, and a set with one is not cached.
func staticClosure(uintptr) (static, known bool) { return false, false }
