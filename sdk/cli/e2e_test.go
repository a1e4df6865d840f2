package cli_test

import (
	"bytes"
	"errors"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"

	"github.com/go-sql-driver/mysql"

	"github.com/hoistdb/hoist/testkit"
)

// binDir holds the hoist binary that the end-to-end tests run, built
// once per test binary.
var binDir string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "hoist-cli-test-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	binDir = dir
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

var buildHoist = sync.OnceValues(func() (string, error) {
	bin := filepath.Join(binDir, "hoist")
	if runtime.GOOS == "windows" {
		bin += ".exe"
	}
	goCmd := filepath.Join(runtime.GOROOT(), "bin", "go")
	if _, err := os.Stat(goCmd); err != nil {
		goCmd = "go"
	}
	out, err := exec.Command(goCmd, "build", "-o", bin, "github.com/hoistdb/hoist/cmd/hoist").CombinedOutput()
	if err != nil {
		return "", fmt.Errorf("go build ./cmd/hoist: %v\n%s", err, out)
	}
	return bin, nil
})

// hoist returns the path of the hoist binary, building it the first time.
func hoist(t *testing.T) string {
	t.Helper()
	bin, err := buildHoist()
	if err != nil {
		t.Fatal(err)
	}
	return bin
}

// session runs the binary in one directory with one environment, and
// keeps a transcript of what it printed.
type session struct {
	t          *testing.T
	bin        string
	dir        string
	env        []string
	transcript strings.Builder
}

type result struct {
	stdout, stderr string
	code           int
}

func (r result) String() string {
	return fmt.Sprintf("exit %d\nstdout:\n%s\nstderr:\n%s", r.code, r.stdout, r.stderr)
}

// newSession starts a session in a new directory; env adds to a clean
// environment without DATABASE_URL or HOIST_ variables.
func newSession(t *testing.T, env ...string) *session {
	t.Helper()
	s := &session{t: t, bin: hoist(t), dir: t.TempDir()}
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "HOIST_") && !strings.HasPrefix(kv, "DATABASE_URL=") && !strings.HasPrefix(kv, "NO_COLOR=") {
			s.env = append(s.env, kv)
		}
	}
	s.env = append(s.env, env...)
	return s
}

// run runs the binary and appends the command and its output to the
// transcript.
func (s *session) run(args ...string) result {
	s.t.Helper()
	cmd := exec.Command(s.bin, args...)
	cmd.Dir, cmd.Env = s.dir, s.env
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	r := result{stdout: stdout.String(), stderr: stderr.String()}
	var exit *exec.ExitError
	switch {
	case errors.As(err, &exit):
		r.code = exit.ExitCode()
	case err != nil:
		s.t.Fatalf("hoist %s: %v", strings.Join(args, " "), err)
	}
	fmt.Fprintf(&s.transcript, "$ hoist %s\n%s", strings.Join(args, " "), r.stdout)
	for _, l := range strings.SplitAfter(r.stderr, "\n") {
		if l != "" {
			s.transcript.WriteString("stderr: " + l)
		}
	}
	fmt.Fprintf(&s.transcript, "[exit %d]\n\n", r.code)
	return r
}

// ok runs the binary and fails the test unless it exits with 0.
func (s *session) ok(args ...string) result {
	s.t.Helper()
	r := s.run(args...)
	if r.code != 0 {
		s.t.Fatalf("hoist %s: %s", strings.Join(args, " "), r)
	}
	return r
}

// engine is a database engine the commands are tested on, with a fresh
// database and the URL the binary takes for it.
type engine struct {
	name string
	open func(t *testing.T) (*testkit.DB, string)
}

var engines = []engine{
	{"sqlite", func(t *testing.T) (*testkit.DB, string) {
		db := testkit.SQLite(t)
		return db, sqliteURL(t, db.DSN)
	}},
	{"postgres", func(t *testing.T) (*testkit.DB, string) {
		db := testkit.Postgres(t)
		return db, db.DSN // a postgres:// URL already
	}},
	{"mysql", func(t *testing.T) (*testkit.DB, string) {
		db := testkit.MySQL(t)
		return db, mysqlURL(t, db.DSN)
	}},
}

// sqliteURL turns testkit's file: DSN into sqlite:<path>.
func sqliteURL(t *testing.T, dsn string) string {
	path, _, _ := strings.Cut(strings.TrimPrefix(dsn, "file:"), "?")
	path, err := url.PathUnescape(path)
	if err != nil {
		t.Fatal(err)
	}
	return "sqlite:" + path
}

// mysqlURL turns testkit's go-sql-driver DSN into a mysql:// URL.
func mysqlURL(t *testing.T, dsn string) string {
	cfg, err := mysql.ParseDSN(dsn)
	if err != nil {
		t.Fatal(err)
	}
	u := url.URL{Scheme: "mysql", User: url.User(cfg.User), Host: cfg.Addr, Path: "/" + cfg.DBName}
	if cfg.Passwd != "" {
		u.User = url.UserPassword(cfg.User, cfg.Passwd)
	}
	return u.String()
}

// eachEngine runs f in a parallel subtest per engine.
func eachEngine(t *testing.T, f func(t *testing.T, db *testkit.DB, url string)) {
	for _, e := range engines {
		t.Run(e.name, func(t *testing.T) {
			t.Parallel()
			db, u := e.open(t)
			f(t, db, u)
		})
	}
}
