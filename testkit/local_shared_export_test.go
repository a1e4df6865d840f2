//go:build unix

package testkit

import "os"

// SharedLocalState reads the state file of a directory of shared local
// servers: the running instance's directory, its port and the pid of
// its watchdog.
func SharedLocalState(sharedDir string) (dir string, port, watchdog int, err error) {
	b, err := os.ReadFile(sharedDir + "/current")
	if err != nil {
		return "", 0, 0, err
	}
	st, err := parseSharedState(b)
	return st.Dir, st.Port, st.Watchdog, err
}
