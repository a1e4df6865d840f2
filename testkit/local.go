//go:build unix

package testkit

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// The local provider runs server binaries installed on this machine, on
// a free port of 127.0.0.1: by default one server per user, engine and
// version, shared by test binaries and stopped when idle
// (local_shared.go); with HOIST_TEST_LOCAL_IDLE=0, one server per engine
// per test binary, in a temporary directory of its own, as follows.
//
// A test binary has no hook that runs when its tests are done, and it may
// be killed, so the server is not left to it to stop. It runs under a
// watchdog, a small sh script, whose standard input is a pipe from the
// test binary. The write end of the pipe lives only in the test binary,
// so the script reads end-of-file when the binary exits in any way, a
// SIGKILL included; it then stops the server and removes the directory.
// The watchdog is in a process group of its own, so a Ctrl-C at the
// terminal reaches only the test binary, and the watchdog follows it.
// Main stops the servers before the binary exits, and waits for them.

// localStartTimeout bounds starting a local server: initialising its data
// directory and waiting for it to accept connections.
const localStartTimeout = 2 * time.Minute

// watchdogScript runs the server given after its first two arguments,
// the server's directory and the signal that stops it, until its standard
// input ends or the server exits, and then removes the directory.
//
// Asynchronous commands of a non-interactive sh read /dev/null, so the
// pipe is kept as descriptor 3 for the subshell that waits on it. SIGPIPE
// is ignored so that the script survives writing to a parent that died.
const watchdogScript = `dir=$1 sig=$2
shift 2
trap '' PIPE
exec 3<&0 </dev/null
"$@" >>"$dir/server.log" 2>&1 &
spid=$!
( read -r _ <&3; kill -s "$sig" "$spid" 2>/dev/null ) &
wpid=$!
exec 3<&-
wait "$spid"
status=$?
kill "$wpid" 2>/dev/null
if [ "$status" -ne 0 ]; then tail -n 20 "$dir/server.log" >&2; fi
cd / && rm -rf "$dir"
exit "$status"
`

// localSpec is how to run one engine's binaries.
type localSpec struct {
	engine *engine
	users  []string // unprivileged users to run the server as, under root
	// init prepares dir/data; server is the server's command line.
	init, server func(dir string, port int) []string
	stop         string // the signal that stops the server: "INT", "TERM"
	binary       string // the server binary, for messages
	base         func(port int) string
	// flavor and version name the directory of shared servers:
	// "postgres" and "15.20", "mariadb" and "10.11.19".
	flavor, version string
	// dataDirQuery returns the server's data directory, by which a
	// binary knows that a shared server is the one it means.
	dataDirQuery string
	// crashed is sh that the watchdog of a shared server runs in its
	// instance directory ($dir) when the server died without being
	// stopped, to free what only a clean exit frees; "" for nothing.
	crashed string
}

// localServer is a server process under its watchdog.
type localServer struct {
	dir   string
	port  int
	cmd   *exec.Cmd
	stopw *os.File      // the write end of the watchdog's stdin
	done  chan struct{} // closed when the watchdog exited
	err   error         // its exit status, set before done closes
	out   *bytes.Buffer // its standard error: the server log's tail on failure
}

// localServers keeps every started server reachable, so that the write
// end of its pipe is never closed by a finalizer.
var localServers struct {
	mu  sync.Mutex
	all []*localServer
}

// startLocal starts spec's server, or attaches to the shared one
// (local_shared.go), and returns what connect makes of it; shared says
// whether the server outlives this binary. Missing binaries and users
// are rejections; a server that does not start is one too, with the end
// of its log.
func startLocal(ctx context.Context, spec localSpec, connect func(ctx context.Context, base, from string, shared bool) (server, error)) (server, error) {
	idle, err := localIdle()
	if err != nil {
		return nil, err
	}
	cred, who, err := localCredential(spec.users)
	if err != nil {
		return nil, err
	}
	if idle > 0 {
		return startShared(ctx, spec, cred, who, idle, func(ctx context.Context, base, from string) (server, error) {
			return connect(ctx, base, from, true)
		})
	}
	parent := localBaseDir(cred != nil)
	sweepLocalDirs(spec.engine.name, time.Now())
	var last error
	for range 3 {
		ls, err := launchLocal(ctx, spec, cred, parent)
		if err == nil {
			from := fmt.Sprintf("local binaries: %s in %s, port %d, run as %s", spec.binary, ls.dir, ls.port, who)
			return connect(ctx, spec.base(ls.port), from, false)
		}
		last = err
		if !portTaken(err) {
			break
		}
	}
	return nil, reject("%v", last)
}

// portTaken reports whether a server failed to start because another
// process took its port between our probe and the server's bind: then
// another port is worth a try.
func portTaken(err error) bool {
	msg := err.Error()
	return strings.Contains(msg, "already in use") || strings.Contains(msg, "could not bind") || strings.Contains(msg, "Can't start server")
}

// initLocal initialises the data directory of a new server in dir.
func initLocal(ctx context.Context, spec localSpec, cred *syscall.Credential, dir string, port int) error {
	initArgs := spec.init(dir, port)
	init := exec.CommandContext(ctx, initArgs[0], initArgs[1:]...)
	init.Dir = dir
	init.Env = localEnv(dir)
	init.SysProcAttr = &syscall.SysProcAttr{Credential: cred, Setpgid: true}
	if out, err := init.CombinedOutput(); err != nil {
		return fmt.Errorf("%s failed: %v\n%s", filepath.Base(initArgs[0]), err, tail(out, 20))
	}
	return nil
}

func launchLocal(ctx context.Context, spec localSpec, cred *syscall.Credential, base string) (*localServer, error) {
	dir, err := os.MkdirTemp(base, fmt.Sprintf("hoist-%s-%d-", spec.engine.name, os.Getpid()))
	if err != nil {
		return nil, err
	}
	if cred != nil {
		if err := os.Chown(dir, int(cred.Uid), int(cred.Gid)); err != nil {
			os.RemoveAll(dir)
			return nil, err
		}
	}
	port, err := freePort()
	if err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	if err := initLocal(ctx, spec, cred, dir, port); err != nil {
		os.RemoveAll(dir)
		return nil, err
	}

	pr, pw, err := os.Pipe()
	if err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	ls := &localServer{dir: dir, port: port, stopw: pw, done: make(chan struct{}), out: &bytes.Buffer{}}
	args := append([]string{"-c", watchdogScript, "sh", dir, spec.stop}, spec.server(dir, port)...)
	ls.cmd = exec.Command("/bin/sh", args...)
	ls.cmd.Dir = dir
	ls.cmd.Env = localEnv(dir)
	ls.cmd.Stdin = pr
	ls.cmd.Stderr = ls.out
	ls.cmd.SysProcAttr = &syscall.SysProcAttr{Credential: cred, Setpgid: true}
	err = ls.cmd.Start()
	pr.Close()
	if err != nil {
		pw.Close()
		os.RemoveAll(dir)
		return nil, err
	}
	go func() {
		ls.err = ls.cmd.Wait()
		close(ls.done)
	}()
	localServers.mu.Lock()
	localServers.all = append(localServers.all, ls)
	localServers.mu.Unlock()

	// Wait for the server, or for the watchdog to give up.
	rctx, cancel := context.WithCancel(ctx)
	go func() {
		select {
		case <-ls.done:
			cancel()
		case <-rctx.Done():
		}
	}()
	err = waitReady(rctx, sqlPing(spec.engine.driver, spec.base(port)), 100*time.Millisecond, 1)
	cancel()
	select {
	case <-ls.done:
		return nil, fmt.Errorf("the server in %s exited (%v):\n%s", dir, ls.err, tail(ls.out.Bytes(), 20))
	default:
	}
	if err != nil {
		ls.stop()
		return nil, fmt.Errorf("the server in %s did not accept connections: %v\n%s", dir, err, tail(ls.out.Bytes(), 20))
	}
	atExit(ls.stop)
	return ls, nil
}

// stop closes the watchdog's pipe and waits until the server is down and
// its directory removed.
func (ls *localServer) stop() {
	ls.stopw.Close()
	select {
	case <-ls.done:
	case <-time.After(30 * time.Second):
	}
}

// localCredential returns whom to run the server as: nil for this
// process's user, or under root the first of users that exists, since
// PostgreSQL refuses to run as root and MariaDB should not.
func localCredential(users []string) (cred *syscall.Credential, name string, err error) {
	if os.Geteuid() != 0 {
		return nil, "this process's user", nil
	}
	for _, name := range users {
		u, err := user.Lookup(name)
		if err != nil {
			continue
		}
		uid, err1 := strconv.ParseUint(u.Uid, 10, 32)
		gid, err2 := strconv.ParseUint(u.Gid, 10, 32)
		if err1 != nil || err2 != nil || uid == 0 {
			continue
		}
		return &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}, "user " + name, nil
	}
	return nil, "", reject("running as root, and none of the unprivileged users %s exists to run the server as; run the tests as another user or create one of them",
		strings.Join(users, ", "))
}

// localBaseDir is where server directories go: HOIST_TEST_LOCAL_DIR when
// set; otherwise in memory where there is a tmpfs for it (/dev/shm on
// Linux), since creating a database creates hundreds of files and a disk
// file system can make that ten times slower; else /tmp. Somewhere short
// in any case, since a Unix socket path is limited to about 100 bytes,
// and somewhere the server's user can reach.
func localBaseDir(otherUser bool) string {
	if dir := os.Getenv("HOIST_TEST_LOCAL_DIR"); dir != "" {
		return dir
	}
	if memoryDir != "" && roomIn(memoryDir) {
		return memoryDir
	}
	tmp := os.TempDir()
	if otherUser || len(tmp) > 40 {
		return "/tmp"
	}
	return tmp
}

// localBaseDirs lists every directory localBaseDir may choose, for sweeps.
func localBaseDirs() []string {
	dirs := []string{os.Getenv("HOIST_TEST_LOCAL_DIR"), memoryDir, "/tmp", os.TempDir()}
	var out []string
	for _, d := range dirs {
		if d != "" && !slices.Contains(out, d) {
			out = append(out, d)
		}
	}
	return out
}

// sweepLocalDirs removes the server directories of test binaries that
// died before their watchdog started.
func sweepLocalDirs(engineName string, now time.Time) {
	for _, base := range localBaseDirs() {
		sweepLocalDir(base, engineName, now)
	}
}

func sweepLocalDir(base, engineName string, now time.Time) {
	entries, err := os.ReadDir(base)
	if err != nil {
		return
	}
	prefix := "hoist-" + engineName + "-"
	for _, d := range entries {
		rest, ok := strings.CutPrefix(d.Name(), prefix)
		if !ok || !d.IsDir() {
			continue
		}
		p, _, _ := strings.Cut(rest, "-")
		pid, err := strconv.Atoi(p)
		info, ierr := d.Info()
		if err != nil || ierr != nil || processAlive(pid) || now.Sub(info.ModTime()) < time.Minute {
			continue
		}
		_ = os.RemoveAll(filepath.Join(base, d.Name()))
	}
}

// freePort returns a TCP port of 127.0.0.1 that nothing listens on now.
func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

func localEnv(dir string) []string {
	return []string{"PATH=" + os.Getenv("PATH"), "HOME=" + dir, "LC_ALL=C", "LANG=C", "TZ=UTC"}
}

// findBinDir returns the first of dirs that holds every one of names as
// an executable file.
func findBinDir(dirs []string, names ...string) (string, bool) {
next:
	for _, dir := range dirs {
		if dir == "" {
			continue
		}
		for _, n := range names {
			info, err := os.Stat(filepath.Join(dir, n))
			if err != nil || info.IsDir() || info.Mode()&0o111 == 0 {
				continue next
			}
		}
		return dir, true
	}
	return "", false
}

// pathDir returns the directory of the real file behind the command name
// found in PATH, symbolic links resolved: /usr/local/bin/initdb may link
// to /usr/lib/postgresql/15/bin/initdb, beside which postgres lives.
func pathDir(name string) string {
	p, err := exec.LookPath(name)
	if err != nil {
		return ""
	}
	if real, err := filepath.EvalSymlinks(p); err == nil {
		p = real
	}
	return filepath.Dir(p)
}

// tail returns the last n lines of out.
func tail(out []byte, n int) string {
	lines := strings.Split(strings.TrimRight(string(out), "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}
