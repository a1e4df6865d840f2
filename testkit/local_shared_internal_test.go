//go:build unix

package testkit

import (
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
	"time"
)

func TestSharedStateRoundTrip(t *testing.T) {
	st := sharedState{Dir: "/dev/shm/hoist-postgres-shared-0-15.20/i-123", Port: 34105, Watchdog: 4242}
	got, err := parseSharedState([]byte(st.String()))
	if err != nil || got != st {
		t.Fatalf("parseSharedState(%q) = %+v, %v; want %+v", st.String(), got, err, st)
	}
}

// TestSharedStateMalformed: a state file that is cut short, edited or
// from another program is refused, so that the binary starts a new
// instance rather than attaching to whatever it names.
func TestSharedStateMalformed(t *testing.T) {
	for name, content := range map[string]string{
		"empty":             "",
		"no_watchdog":       "dir=/tmp/i-1\nport=5432\n",
		"no_port":           "dir=/tmp/i-1\nwatchdog=12\n",
		"relative_dir":      "dir=i-1\nport=5432\nwatchdog=12\n",
		"port_out_of_range": "dir=/tmp/i-1\nport=70000\nwatchdog=12\n",
		"port_not_a_number": "dir=/tmp/i-1\nport=x\nwatchdog=12\n",
		"zero_watchdog":     "dir=/tmp/i-1\nport=5432\nwatchdog=0\n",
		"unknown_key":       "dir=/tmp/i-1\nport=5432\nwatchdog=12\nuser=x\n",
		"repeated_key":      "dir=/tmp/i-1\nport=5432\nport=5433\nwatchdog=12\n",
		"no_equals":         "dir=/tmp/i-1\nport 5432\nwatchdog=12\n",
	} {
		t.Run(name, func(t *testing.T) {
			if st, err := parseSharedState([]byte(content)); err == nil {
				t.Errorf("parseSharedState(%q) = %+v, want an error", content, st)
			}
		})
	}
}

func TestLocalIdle(t *testing.T) {
	for _, c := range []struct {
		name, env string
		want      time.Duration
		err       bool
	}{
		{"unset", "", defaultLocalIdle, false},
		{"zero", "0", 0, false},
		{"zero_duration", "0s", 0, false},
		{"seconds", "90", 90 * time.Second, false},
		{"duration", "2m", 2 * time.Minute, false},
		{"rounded_up", "1500ms", 2 * time.Second, false}, // the watchdog counts whole seconds
		{"negative", "-1s", 0, true},
		{"not_a_duration", "soon", 0, true},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Setenv(localIdleEnv, c.env)
			got, err := localIdle()
			if (err != nil) != c.err || got != c.want {
				t.Errorf("%s=%q: localIdle() = %s, %v; want %s, error %t", localIdleEnv, c.env, got, err, c.want, c.err)
			}
		})
	}
}

func TestVersionIn(t *testing.T) {
	for out, want := range map[string]string{
		"postgres (PostgreSQL) 15.20 (Debian 15.20-0+deb12u1)\n":                            "15.20",
		"postgres (PostgreSQL) 17beta1\n":                                                   "17beta1",
		"/usr/sbin/mariadbd  Ver 10.11.19-MariaDB-0+deb12u1 for debian-linux-gnu on x86_64": "10.11.19",
		"/usr/sbin/mysqld  Ver 8.0.36 for Linux on x86_64 (MySQL Community Server - GPL)":   "8.0.36",
		"": "unknown",
	} {
		if got := versionIn(out); got != want {
			t.Errorf("versionIn(%q) = %q, want %q", out, got, want)
		}
	}
}

// TestSweepShared: instances whose watchdog is gone, or whose pid file
// names a process that is no watchdog of theirs, are removed with the
// logs of failed instances; an instance with its watchdog alive, and
// what is not an instance, stay.
func TestSweepShared(t *testing.T) {
	dir := t.TempDir()
	mk := func(name, pid string) string {
		p := filepath.Join(dir, name)
		if err := os.Mkdir(p, 0o700); err != nil {
			t.Fatal(err)
		}
		if pid != "" {
			if err := os.WriteFile(filepath.Join(p, "watchdog.pid"), []byte(pid+"\n"), 0o600); err != nil {
				t.Fatal(err)
			}
		}
		return p
	}
	live := mk("i-live", "")
	// A stand-in for a watchdog: a shell with the instance directory
	// among its arguments, as the real one has.
	sh := exec.Command("/bin/sh", "-c", "sleep 60", "sh", live)
	if err := sh.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = sh.Process.Kill(); _ = sh.Wait() })
	if err := os.WriteFile(filepath.Join(live, "watchdog.pid"), []byte(strconv.Itoa(sh.Process.Pid)), 0o600); err != nil {
		t.Fatal(err)
	}
	dead := exec.Command("/bin/true")
	if err := dead.Run(); err != nil {
		t.Fatal(err)
	}
	gone := []string{
		mk("i-dead", strconv.Itoa(dead.Process.Pid)),
		mk("i-nopid", ""),
		mk("i-other", strconv.Itoa(os.Getpid())), // alive, but not its watchdog
		filepath.Join(dir, "i-old.failed"),
	}
	if err := os.WriteFile(gone[3], []byte("FATAL: ..."), 0o600); err != nil {
		t.Fatal(err)
	}
	kept := []string{live, filepath.Join(dir, "lock"), filepath.Join(dir, "current")}
	for _, f := range kept[1:] {
		if err := os.WriteFile(f, nil, 0o600); err != nil {
			t.Fatal(err)
		}
	}

	sweepShared(dir)

	for _, p := range gone {
		if _, err := os.Stat(p); !os.IsNotExist(err) {
			t.Errorf("%s was not swept (stat: %v)", p, err)
		}
	}
	for _, p := range kept {
		if _, err := os.Stat(p); err != nil {
			t.Errorf("%s was swept: %v", p, err)
		}
	}
}
