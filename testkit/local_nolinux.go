//go:build unix && !linux

package testkit

// memoryDir is a tmpfs that any user may write to: none is known here.
const memoryDir = ""

func roomIn(string) bool { return false }
