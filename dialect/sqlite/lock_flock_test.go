//go:build darwin || dragonfly || freebsd || linux || netbsd || openbsd

package sqlite_test

const haveFlock = true
