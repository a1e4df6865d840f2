package testkit

import (
	"bufio"
	"os"
	"strconv"
	"strings"
	"sync"
)

// staticClosure reports whether addr lies in a mapping of the test
// binary's own file (its read-only data, where the compiler puts the
// closures of literals that capture nothing), rather than in memory
// allocated at run time. known is false when /proc/self/maps cannot be
// read.
func staticClosure(addr uintptr) (static, known bool) {
	maps, err := binaryMappings()
	if err != nil {
		return false, false
	}
	for _, m := range maps {
		if addr >= m[0] && addr < m[1] {
			return true, true
		}
	}
	return false, true
}

// binaryMappings are the address ranges mapped from the executable's
// file, read once: the binary's mappings do not change while it runs.
var binaryMappings = sync.OnceValues(func() ([][2]uintptr, error) {
	exe, err := os.Executable()
	if err != nil {
		return nil, err
	}
	f, err := os.Open("/proc/self/maps")
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var out [][2]uintptr
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		// start-end perms offset dev inode path
		fields := strings.Fields(sc.Text())
		if len(fields) < 6 || strings.TrimSuffix(strings.Join(fields[5:], " "), " (deleted)") != exe {
			continue
		}
		start, end, ok := strings.Cut(fields[0], "-")
		if !ok {
			continue
		}
		s, err1 := strconv.ParseUint(start, 16, 64)
		e, err2 := strconv.ParseUint(end, 16, 64)
		if err1 == nil && err2 == nil {
			out = append(out, [2]uintptr{uintptr(s), uintptr(e)})
		}
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	return out, nil
})
