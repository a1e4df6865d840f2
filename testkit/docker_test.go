package testkit

import (
	"context"
	"errors"
	"net"
	"slices"
	"strings"
	"testing"
	"time"

	dc "github.com/ory/dockertest/v3/docker"
)

// No Docker engine runs where these tests were written, so they cover
// everything of the Docker provider that does not need one: the options
// a container is started with, the readiness logic, and the rejection of
// an engine that does not answer.

func TestDockerRunOptions(t *testing.T) {
	t.Setenv("HOIST_TEST_POSTGRES_IMAGE", "")
	opts, hc := dockerRunOptions(postgresDockerSpec(), 45*time.Minute, "box/123")
	if opts.Repository != "postgres" || opts.Tag != "17-alpine" {
		t.Errorf("image %s:%s, want postgres:17-alpine", opts.Repository, opts.Tag)
	}
	if want := []string{"timeout", "2700", "docker-entrypoint.sh"}; !slices.Equal(opts.Entrypoint, want) {
		t.Errorf("Entrypoint = %q, want %q: the container must end by itself", opts.Entrypoint, want)
	}
	if opts.Cmd[0] != "postgres" || !slices.Contains(opts.Cmd, "fsync=off") {
		t.Errorf("Cmd = %q", opts.Cmd)
	}
	if opts.Labels[dockerLabel] != "postgres" || opts.Labels[dockerOwnerLabel] != "box/123" {
		t.Errorf("Labels = %v", opts.Labels)
	}
	if !slices.Contains(opts.Env, "POSTGRES_HOST_AUTH_METHOD=trust") || !slices.Contains(opts.Env, "PGDATA=/var/lib/postgresql/data") {
		t.Errorf("Env = %q", opts.Env)
	}
	var config dc.HostConfig
	hc(&config)
	if !config.AutoRemove || config.RestartPolicy.Name != "no" || config.Tmpfs["/var/lib/postgresql/data"] != "rw" {
		t.Errorf("HostConfig: AutoRemove %t, RestartPolicy %q, Tmpfs %v", config.AutoRemove, config.RestartPolicy.Name, config.Tmpfs)
	}

	t.Setenv("HOIST_TEST_MYSQL_IMAGE", "registry.local:5000/mysql:8.4")
	opts, hc = dockerRunOptions(mysqlDockerSpec(), time.Hour, "box/123")
	if opts.Repository != "registry.local:5000/mysql" || opts.Tag != "8.4" || opts.Cmd[0] != "mysqld" {
		t.Errorf("MySQL image %s:%s runs %q", opts.Repository, opts.Tag, opts.Cmd)
	}
	hc(&config)
	if config.Tmpfs["/var/lib/mysql"] != "rw" {
		t.Errorf("Tmpfs = %v", config.Tmpfs)
	}
	t.Setenv("HOIST_TEST_MYSQL_IMAGE", "")
	if spec := mysqlDockerSpec(); spec.image != "mariadb:11.4" || spec.cmd[0] != "mariadbd" {
		t.Errorf("default MySQL image %s runs %q", spec.image, spec.cmd)
	}
	if got := mysqlDockerSpec().base("127.0.0.1", "49153"); got != "root:@tcp(127.0.0.1:49153)/" {
		t.Errorf("MySQL base = %q", got)
	}
	if got := postgresDockerSpec().base("::1", "49153"); got != "postgres://postgres@[::1]:49153/postgres?sslmode=disable" {
		t.Errorf("PostgreSQL base = %q", got)
	}
}

func TestSplitImage(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct{ in, repo, tag string }{
		{"postgres", "postgres", "latest"},
		{"postgres:16", "postgres", "16"},
		{"localhost:5000/pg", "localhost:5000/pg", "latest"},
		{"localhost:5000/pg:16-alpine", "localhost:5000/pg", "16-alpine"},
	} {
		if repo, tag := splitImage(tt.in); repo != tt.repo || tag != tt.tag {
			t.Errorf("splitImage(%q) = %q, %q; want %q, %q", tt.in, repo, tag, tt.repo, tt.tag)
		}
	}
}

func TestDockerHost(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"unix:///var/run/docker.sock": "127.0.0.1",
		"tcp://10.0.0.5:2376":         "10.0.0.5",
		"http://docker:2375":          "docker",
		"npipe:////./pipe/docker":     "127.0.0.1",
	} {
		if got := dockerHost(in); got != want {
			t.Errorf("dockerHost(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestDockerLifetimeSetting(t *testing.T) {
	t.Setenv("HOIST_TEST_DOCKER_LIFETIME", "")
	if d, err := dockerLifetimeSetting(); err != nil || d != dockerLifetime {
		t.Errorf("default lifetime = %v, %v", d, err)
	}
	t.Setenv("HOIST_TEST_DOCKER_LIFETIME", "2h")
	if d, err := dockerLifetimeSetting(); err != nil || d != 2*time.Hour {
		t.Errorf("lifetime 2h = %v, %v", d, err)
	}
	t.Setenv("HOIST_TEST_DOCKER_LIFETIME", "5s")
	if _, err := dockerLifetimeSetting(); err == nil {
		t.Error("a lifetime of 5s was accepted")
	}
}

// scriptedPing answers with the errors of script, one per call, then
// keeps answering with the last.
type scriptedPing struct {
	script []error
	calls  int
}

func (p *scriptedPing) ping(context.Context) error {
	err := p.script[min(p.calls, len(p.script)-1)]
	p.calls++
	return err
}

func TestWaitReady(t *testing.T) {
	t.Parallel()
	down := errors.New("connection refused")
	reset := errors.New("connection reset by peer")

	t.Run("tolerates_the_init_restart", func(t *testing.T) {
		t.Parallel()
		// Up for the init scripts, down while the image restarts the
		// server, then up for good.
		p := &scriptedPing{script: []error{down, nil, nil, reset, down, nil, nil, nil}}
		if err := waitReady(context.Background(), p.ping, time.Millisecond, 3); err != nil {
			t.Fatal(err)
		}
		if p.calls != 8 {
			t.Errorf("ready after %d pings, want 8: three good answers in a row", p.calls)
		}
	})

	t.Run("gives_up_with_the_last_error", func(t *testing.T) {
		t.Parallel()
		p := &scriptedPing{script: []error{down}}
		ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
		defer cancel()
		err := waitReady(ctx, p.ping, 5*time.Millisecond, 1)
		if !errors.Is(err, down) {
			t.Errorf("waitReady = %v, want the last ping's error", err)
		}
	})

	t.Run("bounds_each_ping", func(t *testing.T) {
		t.Parallel()
		hang := func(ctx context.Context) error { <-ctx.Done(); return ctx.Err() }
		ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
		defer cancel()
		start := time.Now()
		err := waitReady(ctx, hang, 10*time.Millisecond, 1)
		if err == nil || time.Since(start) > 10*time.Second {
			t.Errorf("waitReady with a ping that hangs = %v after %s", err, time.Since(start))
		}
	})
}

// TestDockerUnreachable checks that an engine that does not answer
// rejects the provider quickly, with the endpoint and the reason.
func TestDockerUnreachable(t *testing.T) {
	for _, v := range []string{"DOCKER_URL", "DOCKER_MACHINE_NAME", "DOCKER_CERT_PATH"} {
		t.Setenv(v, "")
	}
	// Accepts connections and never answers: the ping must time out.
	silent, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer silent.Close()
	go func() {
		for {
			c, err := silent.Accept()
			if err != nil {
				return
			}
			defer c.Close()
		}
	}()
	closed, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closedAddr := closed.Addr().String()
	closed.Close()

	for _, tt := range []struct{ host, want string }{
		{"unix:///nonexistent/docker.sock", "no Docker engine answered at unix:///nonexistent/docker.sock within 2s: "},
		{"tcp://" + closedAddr, "no Docker engine answered at tcp://" + closedAddr + " within 2s: "},
		{"tcp://" + silent.Addr().String(), "within 2s: "},
	} {
		t.Setenv("DOCKER_HOST", tt.host)
		start := time.Now()
		_, _, err := startContainer(context.Background(), postgresDockerSpec())
		var r *rejectedError
		if !errors.As(err, &r) || !strings.Contains(r.reason, tt.want) {
			t.Errorf("DOCKER_HOST=%s: startContainer = %v, want a rejection saying %q", tt.host, err, tt.want)
		}
		if took := time.Since(start); took > dockerPingTimeout+2*time.Second {
			t.Errorf("DOCKER_HOST=%s: rejected after %s, want about %s at most", tt.host, took, dockerPingTimeout)
		}
	}
}

func TestOwnerGone(t *testing.T) {
	t.Parallel()
	if ownerGone(dockerOwner(), hostname(t)) {
		t.Error("this process counts as gone")
	}
	if !ownerGone(hostname(t)+"/999999999", hostname(t)) {
		t.Error("a pid that cannot exist counts as running")
	}
	if ownerGone("elsewhere/999999999", hostname(t)) {
		t.Error("an owner on another host counts as gone")
	}
	if ownerGone("garbage", hostname(t)) {
		t.Error("an unreadable owner counts as gone")
	}
}

func hostname(t *testing.T) string {
	h, _, _ := strings.Cut(dockerOwner(), "/")
	return h
}
