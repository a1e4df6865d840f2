package testkit

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/ory/dockertest/v3"
	dc "github.com/ory/dockertest/v3/docker"
)

// The Docker provider starts one container per engine per test binary,
// through dockertest, when a Docker engine answers a ping within
// dockerPingTimeout. Nothing about it can be left behind for long: the
// container's data lives in a tmpfs, Docker removes the container when
// it stops (AutoRemove), its entry point is wrapped in timeout(1) so that
// it stops by itself after its lifetime whatever happens to the test
// binary, Main purges it at the end of the tests, and a later test binary
// purges the containers of test binaries of this host that died.
const (
	dockerPingTimeout  = 2 * time.Second
	dockerStartTimeout = 5 * time.Minute
	// dockerLifetime is how long a container may live unless
	// HOIST_TEST_DOCKER_LIFETIME says otherwise; a test binary that runs
	// longer needs a longer one.
	dockerLifetime = 30 * time.Minute
)

// Docker labels of testkit's containers.
const (
	dockerLabel      = "org.hoistdb.testkit"
	dockerOwnerLabel = "org.hoistdb.testkit.owner" // <hostname>/<pid> of the test binary
)

// dockerSpec is how to run one engine's image.
type dockerSpec struct {
	engine *engine
	image  string // repository[:tag], from HOIST_TEST_<ENGINE>_IMAGE
	port   string // the server's port in the container, "5432/tcp"
	env    []string
	cmd    []string // the image's command with testkit's settings
	data   string   // the data directory, mounted as a tmpfs
	// base returns the server's DSN at host:port.
	base func(host, port string) string
}

func postgresDockerSpec() dockerSpec {
	return dockerSpec{
		engine: postgresEngine,
		image:  envOr("HOIST_TEST_POSTGRES_IMAGE", "postgres:17-alpine"),
		port:   "5432/tcp",
		env:    []string{"POSTGRES_HOST_AUTH_METHOD=trust", "PGDATA=/var/lib/postgresql/data"},
		// Durability buys nothing in a tmpfs that dies with the container.
		cmd:  []string{"postgres", "-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off", "-c", "max_connections=200"},
		data: "/var/lib/postgresql/data",
		base: func(host, port string) string {
			return "postgres://postgres@" + net.JoinHostPort(host, port) + "/postgres?sslmode=disable"
		},
	}
}

func mysqlDockerSpec() dockerSpec {
	image := envOr("HOIST_TEST_MYSQL_IMAGE", "mariadb:11.4")
	server := "mariadbd"
	if repo, _ := splitImage(image); strings.Contains(repo, "mysql") {
		server = "mysqld"
	}
	return dockerSpec{
		engine: mysqlEngine,
		image:  image,
		port:   "3306/tcp",
		env:    []string{"MARIADB_ALLOW_EMPTY_ROOT_PASSWORD=1", "MYSQL_ALLOW_EMPTY_PASSWORD=yes"},
		cmd:    []string{server, "--innodb-flush-log-at-trx-commit=0", "--skip-log-bin", "--max-connections=200", "--character-set-server=utf8mb4"},
		data:   "/var/lib/mysql",
		base: func(host, port string) string {
			return "root:@tcp(" + net.JoinHostPort(host, port) + ")/"
		},
	}
}

func postgresFromDocker(ctx context.Context) (server, error) {
	base, from, err := startContainer(ctx, postgresDockerSpec())
	if err != nil {
		return nil, err
	}
	return connectTemporaryPostgres(ctx, base, from)
}

func mysqlFromDocker(ctx context.Context) (server, error) {
	base, from, err := startContainer(ctx, mysqlDockerSpec())
	if err != nil {
		return nil, err
	}
	return connectTemporaryMySQL(ctx, base, from)
}

// startContainer starts spec's container and returns the DSN of its
// server once it is ready. Everything that can go wrong is a rejection:
// a machine whose Docker cannot run the image may still have local
// binaries.
func startContainer(ctx context.Context, spec dockerSpec) (base, from string, err error) {
	pool, err := dockertest.NewPool("")
	if err != nil {
		return "", "", reject("no Docker client: %v", err)
	}
	if err := pingDocker(ctx, pool.Client); err != nil {
		return "", "", err
	}
	sweepContainers(pool)
	lifetime, err := dockerLifetimeSetting()
	if err != nil {
		return "", "", err
	}
	opts, hostConfig := dockerRunOptions(spec, lifetime, dockerOwner())
	res, err := pool.RunWithOptions(opts, hostConfig)
	if err != nil {
		return "", "", reject("start a container of %s: %v", spec.image, err)
	}
	atExit(func() { _ = pool.Purge(res) })
	port := res.GetPort(spec.port)
	base = spec.base(dockerHost(pool.Client.Endpoint()), port)
	if err := waitReady(ctx, sqlPing(spec.engine.driver, base), 250*time.Millisecond, 3); err != nil {
		_ = pool.Purge(res)
		return "", "", reject("the %s container %.12s did not get ready: %v", spec.image, res.Container.ID, err)
	}
	return base, fmt.Sprintf("Docker container %.12s of %s on port %s", res.Container.ID, spec.image, port), nil
}

// pingDocker rejects the provider unless the Docker engine answers
// within dockerPingTimeout.
func pingDocker(ctx context.Context, client *dc.Client) error {
	ctx, cancel := context.WithTimeout(ctx, dockerPingTimeout)
	defer cancel()
	if err := client.PingWithContext(ctx); err != nil {
		return reject("no Docker engine answered at %s within %s: %v", client.Endpoint(), dockerPingTimeout, err)
	}
	return nil
}

// dockerRunOptions returns how to run spec's container.
func dockerRunOptions(spec dockerSpec, lifetime time.Duration, owner string) (*dockertest.RunOptions, func(*dc.HostConfig)) {
	repo, tag := splitImage(spec.image)
	secs := strconv.Itoa(int(lifetime / time.Second))
	opts := &dockertest.RunOptions{
		Repository: repo,
		Tag:        tag,
		Env:        spec.env,
		// The images' entry point runs init scripts, then execs Cmd; under
		// timeout(1) all of it ends after the lifetime.
		Entrypoint: []string{"timeout", secs, "docker-entrypoint.sh"},
		Cmd:        spec.cmd,
		Labels: map[string]string{
			dockerLabel:      spec.engine.name,
			dockerOwnerLabel: owner,
		},
	}
	hostConfig := func(hc *dc.HostConfig) {
		hc.AutoRemove = true
		hc.RestartPolicy = dc.NeverRestart()
		hc.Tmpfs = map[string]string{spec.data: "rw"}
	}
	return opts, hostConfig
}

// splitImage splits "repo[:tag]" (the repository may name a registry
// with a port) and defaults the tag to "latest".
func splitImage(image string) (repo, tag string) {
	i := strings.LastIndex(image, ":")
	if i < 0 || strings.Contains(image[i:], "/") {
		return image, "latest"
	}
	return image[:i], image[i+1:]
}

// dockerHost is where the published ports of containers are reached: the
// host of a tcp:// endpoint, this machine otherwise.
func dockerHost(endpoint string) string {
	if u, err := url.Parse(endpoint); err == nil && (u.Scheme == "tcp" || u.Scheme == "http" || u.Scheme == "https") && u.Hostname() != "" {
		return u.Hostname()
	}
	return "127.0.0.1"
}

func dockerLifetimeSetting() (time.Duration, error) {
	v := os.Getenv("HOIST_TEST_DOCKER_LIFETIME")
	if v == "" {
		return dockerLifetime, nil
	}
	d, err := time.ParseDuration(v)
	if err != nil || d < time.Minute {
		return 0, fmt.Errorf("HOIST_TEST_DOCKER_LIFETIME=%s: want a duration of at least 1m, such as 45m", v)
	}
	return d, nil
}

// dockerOwner names this test binary in the owner label.
func dockerOwner() string {
	host, _ := os.Hostname()
	return host + "/" + strconv.Itoa(os.Getpid())
}

// sweepContainers purges the containers that test binaries of this host
// started and left behind when they died. Errors are ignored: the
// containers end with their lifetime anyway.
func sweepContainers(pool *dockertest.Pool) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	list, err := pool.Client.ListContainers(dc.ListContainersOptions{
		All: true, Filters: map[string][]string{"label": {dockerLabel}}, Context: ctx,
	})
	if err != nil {
		return
	}
	host, _ := os.Hostname()
	for _, c := range list {
		if ownerGone(c.Labels[dockerOwnerLabel], host) {
			_ = pool.Client.RemoveContainer(dc.RemoveContainerOptions{ID: c.ID, Force: true, RemoveVolumes: true, Context: ctx})
		}
	}
}

// ownerGone reports whether owner ("<hostname>/<pid>") is a process of
// host that no longer runs. Owners on other hosts are never gone: their
// containers end with their lifetime.
func ownerGone(owner, host string) bool {
	h, p, ok := strings.Cut(owner, "/")
	pid, err := strconv.Atoi(p)
	if !ok || h != host || err != nil || pid <= 0 {
		return false
	}
	return !processAlive(pid)
}

func processAlive(pid int) bool {
	proc, err := os.FindProcess(pid)
	if err != nil {
		return false
	}
	err = proc.Signal(syscall.Signal(0))
	return !errors.Is(err, os.ErrProcessDone) && !errors.Is(err, syscall.ESRCH)
}

// waitReady calls ping every interval until it has succeeded need times
// in a row, or ctx ends. A failure starts the count again: the official
// images run a server for their init scripts, stop it and start the real
// one, so one answer may come from a server about to go away.
func waitReady(ctx context.Context, ping func(context.Context) error, interval time.Duration, need int) error {
	ok := 0
	var last error
	for {
		pctx, cancel := context.WithTimeout(ctx, max(interval, time.Second))
		err := ping(pctx)
		cancel()
		if err == nil {
			ok++
			if ok >= need {
				return nil
			}
		} else {
			ok, last = 0, err
		}
		select {
		case <-ctx.Done():
			if last == nil {
				last = ctx.Err()
			}
			return fmt.Errorf("not ready: %w", last)
		case <-time.After(interval):
		}
	}
}

// sqlPing returns a ping that opens a new connection to dsn each time, so
// that a connection to a server that went away is never reused.
func sqlPing(driver, dsn string) func(context.Context) error {
	return func(ctx context.Context) error {
		db, err := sql.Open(driver, dsn)
		if err != nil {
			return err
		}
		defer db.Close()
		return db.PingContext(ctx)
	}
}

func envOr(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}
