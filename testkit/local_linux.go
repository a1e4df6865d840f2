package testkit

import (
	"os"
	"syscall"
)

// memoryDir is a tmpfs that any user may write to, or "".
const memoryDir = "/dev/shm"

// tmpfsMagic is the f_type of a tmpfs in statfs(2).
const tmpfsMagic = 0x01021994

// roomIn reports whether dir is a tmpfs that anyone may create files in
// (mode 1777, like /tmp) with at least 1 GiB free, enough for two test
// servers.
func roomIn(dir string) bool {
	info, err := os.Stat(dir)
	if err != nil || !info.IsDir() || info.Mode().Perm()&0o777 != 0o777 || info.Mode()&os.ModeSticky == 0 {
		return false
	}
	var st syscall.Statfs_t
	if err := syscall.Statfs(dir, &st); err != nil || st.Type != tmpfsMagic {
		return false
	}
	return st.Bavail*uint64(st.Bsize) >= 1<<30
}
