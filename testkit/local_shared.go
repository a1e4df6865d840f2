//go:build unix

package testkit

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// Shared local servers. Starting a server costs a second or two, and a
// server that dies with its test binary takes the binary's templates and
// the shelf of ready clones with it, so every `go test` run would pay for
// them again. By default a local server is therefore shared by the test
// binaries of one user, engine and server version, and outlives them:
//
//	<base>/hoist-postgres-shared-<uid>-<version>/
//	    lock      flock(2) taken to attach, to start, and to stop for idleness
//	    current   the state file: the running instance (sharedState)
//	    i-…/      one instance: data/, server.log, watchdog.pid
//	    i-….failed  the end of the log of an instance that failed
//
// A binary takes the lock, reads current and attaches when the instance
// it names answers and is really ours (its data_directory is the one in
// the instance directory, so a port reused by another server does not
// pass); otherwise it starts a new instance, sweeps the dead ones, and
// writes current. The server runs under sharedWatchdogScript, started in
// a session of its own with no Go process waiting for it; the script
// stops the server after HOIST_TEST_LOCAL_IDLE (default 10m) without a
// TCP client, under the same lock, so that no binary attaches to a server
// being stopped. HOIST_TEST_LOCAL_IDLE=0 gives each test binary a server
// of its own, stopped when it exits (local.go).

// localIdleEnv sets how long a shared local server waits without a
// client before it stops; 0 turns sharing off.
const localIdleEnv = "HOIST_TEST_LOCAL_IDLE"

// defaultLocalIdle is HOIST_TEST_LOCAL_IDLE when unset: long enough to
// span the pauses of someone editing and rerunning tests.
const defaultLocalIdle = 10 * time.Minute

// localIdle reads HOIST_TEST_LOCAL_IDLE: a Go duration ("10m", "90s"),
// or a number of seconds; 0 turns sharing off. A shared server checks
// for clients once a second, so the result is rounded up to seconds.
func localIdle() (time.Duration, error) {
	v := strings.TrimSpace(os.Getenv(localIdleEnv))
	if v == "" {
		return defaultLocalIdle, nil
	}
	d, err := time.ParseDuration(v)
	if err != nil {
		n, nerr := strconv.Atoi(v)
		if nerr != nil {
			return 0, fmt.Errorf("%s=%s: want a duration such as 10m or 90s, or 0 for a server per test binary", localIdleEnv, v)
		}
		d = time.Duration(n) * time.Second
	}
	if d < 0 {
		return 0, fmt.Errorf("%s=%s: want a duration of 0 or more", localIdleEnv, v)
	}
	return (d + time.Second - 1).Truncate(time.Second), nil
}

// sharedState is what the state file says of the running instance.
type sharedState struct {
	Dir      string // the instance directory
	Port     int
	Watchdog int // the pid of its watchdog
}

// String is the state file's content: one key=value a line, which the
// watchdog script reads with grep.
func (s sharedState) String() string {
	return fmt.Sprintf("dir=%s\nport=%d\nwatchdog=%d\n", s.Dir, s.Port, s.Watchdog)
}

// parseSharedState reads a state file. Any line missing or malformed
// makes it unusable, and the binary that reads it starts a new instance.
func parseSharedState(b []byte) (sharedState, error) {
	var s sharedState
	seen := map[string]bool{}
	for _, line := range strings.Split(strings.TrimRight(string(b), "\n"), "\n") {
		k, v, ok := strings.Cut(line, "=")
		if !ok || seen[k] {
			return s, fmt.Errorf("malformed line %q", line)
		}
		seen[k] = true
		var err error
		switch k {
		case "dir":
			if !filepath.IsAbs(v) {
				err = errors.New("not an absolute path")
			}
			s.Dir = v
		case "port":
			s.Port, err = strconv.Atoi(v)
			if err == nil && (s.Port <= 0 || s.Port > 65535) {
				err = errors.New("out of range")
			}
		case "watchdog":
			s.Watchdog, err = strconv.Atoi(v)
			if err == nil && s.Watchdog <= 0 {
				err = errors.New("not a pid")
			}
		default:
			err = errors.New("unknown key")
		}
		if err != nil {
			return s, fmt.Errorf("%s=%s: %v", k, v, err)
		}
	}
	for _, k := range []string{"dir", "port", "watchdog"} {
		if !seen[k] {
			return s, fmt.Errorf("no %s", k)
		}
	}
	return s, nil
}

// sharedWatchdogScript runs the server given after its first seven
// arguments: the instance directory, the signal that stops the server,
// its port, the idle time in seconds, the lock file, the state file, and
// what to run when the server died without being stopped
// (localSpec.crashed).
// Once a second it looks for established TCP connections to the port
// (/proc/net/tcp, else netstat); after idle seconds without one it takes
// the lock (flock(1), where installed), looks again, forgets the instance
// in the state file if it is named there, and stops the server. When the
// server exits, for that reason or any other, it does the same, and
// removes the instance directory; the end of the log of a server that
// failed goes to <dir>.failed, for the binary that was starting it.
// SIGTERM stops the server too: a binary that replaced this instance
// sends it.
const sharedWatchdogScript = `dir=$1 sig=$2 port=$3 idle=$4 lock=$5 state=$6 crashed=$7
shift 7
trap '' PIPE HUP INT
echo $$ >"$dir/watchdog.pid"
"$@" >>"$dir/server.log" 2>&1 </dev/null &
spid=$!
trap 'kill -s "$sig" "$spid" 2>/dev/null' TERM
hex=$(printf '%04X' "$port")
clients() {
	if [ -r /proc/net/tcp ]; then
		cat /proc/net/tcp /proc/net/tcp6 2>/dev/null | grep -Eq "^ *[0-9]+: [0-9A-F]+:$hex [0-9A-F]+:[0-9A-F]+ 01 "
	else
		netstat -an 2>/dev/null | grep -E "[.:]$port[[:space:]]" | grep -q ESTABLISHED
	fi
}
locked=
lock() {
	if [ -z "$locked" ] && command -v flock >/dev/null 2>&1 && exec 9<"$lock"; then
		flock 9 && locked=1
	fi
}
unlock() {
	if [ -n "$locked" ]; then exec 9<&-; locked=; fi
}
forget() {
	if grep -qx "dir=$dir" "$state" 2>/dev/null; then rm -f "$state"; fi
}
quiet=0
while kill -0 "$spid" 2>/dev/null; do
	sleep 1
	if clients; then quiet=0; continue; fi
	quiet=$((quiet + 1))
	if [ "$quiet" -lt "$idle" ]; then continue; fi
	lock
	if clients; then quiet=0; unlock; continue; fi
	forget
	kill -s "$sig" "$spid" 2>/dev/null
	break
done
wait "$spid"
status=$?
if [ -z "$locked" ] && [ "$status" -ne 0 ]; then
	tail -n 20 "$dir/server.log" >"$dir.failed" 2>/dev/null
	eval "$crashed"
fi
lock
forget
cd / && rm -rf "$dir"
unlock
exit "$status"
`

// sharedLocalServers maps the servers attached to a shared local server
// to its idle time, for the note on kept databases.
var sharedLocalServers sync.Map // server → time.Duration

// sharedLocalIdle reports whether srv is a shared local server, and
// after how long without clients it stops.
func sharedLocalIdle(srv server) (time.Duration, bool) {
	d, ok := sharedLocalServers.Load(srv)
	if !ok {
		return 0, false
	}
	return d.(time.Duration), true
}

// sharedDir returns the directory of spec's shared servers under base,
// creating it owned by the user the servers run as. It must not be a
// link, nor be writable by others: a directory someone else made there
// would let them choose the server testkit attaches to.
func sharedDir(base string, spec localSpec, cred *syscall.Credential) (string, error) {
	dir := filepath.Join(base, fmt.Sprintf("hoist-%s-shared-%d-%s", spec.flavor, os.Getuid(), spec.version))
	owner := uint32(os.Getuid())
	if cred != nil {
		owner = cred.Uid
	}
	if err := os.Mkdir(dir, 0o700); err == nil && cred != nil {
		if err := os.Chown(dir, int(cred.Uid), int(cred.Gid)); err != nil {
			return "", err
		}
	} else if err != nil && !errors.Is(err, os.ErrExist) {
		return "", err
	}
	info, err := os.Lstat(dir)
	if err != nil {
		return "", err
	}
	st, ok := info.Sys().(*syscall.Stat_t)
	if !info.IsDir() || !ok || st.Uid != owner || info.Mode().Perm()&0o022 != 0 {
		return "", fmt.Errorf("%s is not a directory of uid %d writable only by it; remove it", dir, owner)
	}
	lock := filepath.Join(dir, "lock")
	f, err := os.OpenFile(lock, os.O_RDONLY|os.O_CREATE, 0o644)
	if err != nil {
		return "", err
	}
	f.Close()
	return dir, nil
}

// startShared attaches to spec's shared server, or starts one, and
// returns the server that connect makes of it. connect runs under the
// lock, so that the server has a client before the watchdog may look
// for one again.
func startShared(ctx context.Context, spec localSpec, cred *syscall.Credential, who string, idle time.Duration,
	connect func(ctx context.Context, base, from string) (server, error)) (server, error) {
	parent := localBaseDir(cred != nil)
	dir, err := sharedDir(parent, spec, cred)
	if err != nil {
		return nil, err
	}
	unlock, err := lockFile(ctx, filepath.Join(dir, "lock"))
	if err != nil {
		return nil, fmt.Errorf("lock the shared local server in %s: %w", dir, err)
	}
	defer unlock()
	statePath := filepath.Join(dir, "current")
	from := func(st sharedState, how string) string {
		return fmt.Sprintf("local binaries: %s in %s, port %d, run as %s (%s; it stops after %s without clients)",
			spec.binary, st.Dir, st.Port, who, how, idle)
	}

	if b, err := os.ReadFile(statePath); err == nil {
		if st, err := parseSharedState(b); err == nil && sharedWatchdog(st.Watchdog, st.Dir) {
			srv, err := attachShared(ctx, spec, st, func(base string) (server, error) {
				return connect(ctx, base, from(st, "shared, attached"))
			})
			if err == nil {
				sharedLocalServers.Store(srv, idle)
				return srv, nil
			}
			if errors.Is(err, errNotOurs) {
				// Our server is gone and another one took its port: stop
				// the watchdog. One that only did not answer is left to
				// stop when idle, since binaries may still be using it.
				_ = syscall.Kill(st.Watchdog, syscall.SIGTERM)
			}
		}
		_ = os.Remove(statePath)
	}
	sweepShared(dir)

	var st sharedState
	var last error
	for range 3 {
		st, last = launchShared(ctx, spec, cred, dir, idle)
		if last == nil || !portTaken(last) {
			break
		}
	}
	if last != nil {
		return nil, reject("%v", last)
	}
	srv, err := connect(ctx, spec.base(st.Port), from(st, "shared, started"))
	if err != nil {
		_ = syscall.Kill(st.Watchdog, syscall.SIGTERM)
		return nil, err
	}
	if err := writeSharedState(statePath, st); err != nil {
		_ = syscall.Kill(st.Watchdog, syscall.SIGTERM)
		return nil, fmt.Errorf("write %s: %w", statePath, err)
	}
	sharedLocalServers.Store(srv, idle)
	return srv, nil
}

// errNotOurs says that the port of a shared instance is served from
// another data directory.
var errNotOurs = errors.New("not the shared instance")

// attachShared checks that the server st names is the one in its
// instance directory, and connects to it. The checking connection stays
// open until connect made its own.
func attachShared(ctx context.Context, spec localSpec, st sharedState, connect func(base string) (server, error)) (server, error) {
	base := spec.base(st.Port)
	db, err := sql.Open(spec.engine.driver, base)
	if err != nil {
		return nil, err
	}
	defer db.Close()
	cctx, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	var got string
	if err := db.QueryRowContext(cctx, spec.dataDirQuery).Scan(&got); err != nil {
		return nil, err
	}
	want := filepath.Join(st.Dir, "data")
	if filepath.Clean(got) != want {
		return nil, fmt.Errorf("port %d serves %s, not %s: %w", st.Port, got, want, errNotOurs)
	}
	return connect(base)
}

// sharedWatchdog reports whether pid is the watchdog of the instance in
// dir: alive, and, where /proc tells, with dir on its command line, so
// that a pid reused by another process does not pass.
func sharedWatchdog(pid int, dir string) bool {
	if pid <= 0 || !processAlive(pid) {
		return false
	}
	cmdline, err := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid))
	if err != nil {
		// Without /proc (macOS, the BSDs), alive is all one can tell;
		// with it, the process has just exited.
		_, serr := os.Stat("/proc/self")
		return serr != nil
	}
	return bytes.Contains(cmdline, []byte("\x00"+dir+"\x00"))
}

// sweepShared removes, under the lock, the instances whose watchdog is
// gone (a binary killed while starting one, a watchdog killed), and the
// logs of failed ones.
func sweepShared(dir string) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return
	}
	for _, d := range entries {
		p := filepath.Join(dir, d.Name())
		switch {
		case !strings.HasPrefix(d.Name(), "i-"):
		case strings.HasSuffix(d.Name(), ".failed"):
			_ = os.Remove(p)
		case d.IsDir():
			b, _ := os.ReadFile(filepath.Join(p, "watchdog.pid"))
			pid, _ := strconv.Atoi(strings.TrimSpace(string(b)))
			if !sharedWatchdog(pid, p) {
				_ = os.RemoveAll(p)
			}
		}
	}
}

// launchShared initialises a new instance in dir and starts its server
// under the watchdog, in a session of its own: the outer sh only starts
// the watchdog and prints its pid, so no process of this binary stays
// its parent.
func launchShared(ctx context.Context, spec localSpec, cred *syscall.Credential, dir string, idle time.Duration) (sharedState, error) {
	inst, err := os.MkdirTemp(dir, "i-")
	if err != nil {
		return sharedState{}, err
	}
	if cred != nil {
		if err := os.Chown(inst, int(cred.Uid), int(cred.Gid)); err != nil {
			os.RemoveAll(inst)
			return sharedState{}, err
		}
	}
	port, err := freePort()
	if err != nil {
		os.RemoveAll(inst)
		return sharedState{}, err
	}
	if err := initLocal(ctx, spec, cred, inst, port); err != nil {
		os.RemoveAll(inst)
		return sharedState{}, err
	}
	const outer = `script=$1
shift
/bin/sh -c "$script" sh "$@" </dev/null >/dev/null 2>&1 &
echo $!`
	args := []string{"-c", outer, "sh", sharedWatchdogScript, inst, spec.stop, strconv.Itoa(port),
		strconv.Itoa(int(idle / time.Second)), filepath.Join(dir, "lock"), filepath.Join(dir, "current"), spec.crashed}
	cmd := exec.CommandContext(ctx, "/bin/sh", append(args, spec.server(inst, port)...)...)
	cmd.Dir = inst
	cmd.Env = localEnv(inst)
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: cred, Setsid: true}
	out, err := cmd.Output()
	if err != nil {
		os.RemoveAll(inst)
		return sharedState{}, fmt.Errorf("start the watchdog of %s: %v", inst, err)
	}
	st := sharedState{Dir: inst, Port: port}
	if st.Watchdog, err = strconv.Atoi(strings.TrimSpace(string(out))); err != nil {
		os.RemoveAll(inst)
		return sharedState{}, fmt.Errorf("start the watchdog of %s: it printed %q", inst, out)
	}

	// Wait for the server, or for the watchdog to report its failure.
	failed := inst + ".failed"
	ping := sqlPing(spec.engine.driver, spec.base(port))
	for {
		if b, err := os.ReadFile(failed); err == nil {
			_ = os.Remove(failed)
			return sharedState{}, fmt.Errorf("the server in %s exited:\n%s", inst, b)
		}
		if !processAlive(st.Watchdog) {
			return sharedState{}, fmt.Errorf("the watchdog of the server in %s exited", inst)
		}
		pctx, cancel := context.WithTimeout(ctx, time.Second)
		err := ping(pctx)
		cancel()
		if err == nil {
			return st, nil
		}
		select {
		case <-ctx.Done():
			_ = syscall.Kill(st.Watchdog, syscall.SIGTERM)
			log, _ := os.ReadFile(filepath.Join(inst, "server.log"))
			return sharedState{}, fmt.Errorf("the server in %s did not accept connections: %v\n%s", inst, err, tail(log, 20))
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// writeSharedState replaces the state file at once: a reader sees the
// old one or the new one, never a part.
func writeSharedState(path string, st sharedState) error {
	tmp := path + ".new"
	if err := os.WriteFile(tmp, []byte(st.String()), 0o644); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}
