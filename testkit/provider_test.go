package testkit

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"
)

// fakeServer is a server that hands out nothing.
type fakeServer struct{ server }

func TestResolveChain(t *testing.T) {
	e := &engine{name: "fake", title: "Fake", env: "HOIST_TEST_FAKE_URL", example: "fake://here", install: "apt install fake"}
	rejecting := func(reason string) func(context.Context) (server, error) {
		return func(context.Context) (server, error) { return nil, reject("%s", reason) }
	}
	want := &fakeServer{}
	giving := func(context.Context) (server, error) { return want, nil }
	called := false
	notCalled := func(context.Context) (server, error) { called = true; return nil, nil }

	t.Run("first_that_works", func(t *testing.T) {
		t.Setenv(providerEnvVar, "")
		srv, err := resolveChain(e, []step{
			{provider: providerEnv, try: rejecting("HOIST_TEST_FAKE_URL is not set"), timeout: time.Second},
			{provider: providerDocker, try: giving, timeout: time.Second},
			{provider: providerLocal, try: notCalled, timeout: time.Second},
		})
		if err != nil || srv != want {
			t.Fatalf("resolveChain = %v, %v; want the docker step's server", srv, err)
		}
		if called {
			t.Error("a step after the one that worked was tried")
		}
	})

	t.Run("every_reason", func(t *testing.T) {
		t.Setenv(providerEnvVar, "")
		_, err := resolveChain(e, []step{
			{provider: providerEnv, try: rejecting("HOIST_TEST_FAKE_URL is not set"), timeout: time.Second},
			{provider: providerDocker, try: rejecting("no Docker engine answered"), timeout: time.Second},
			{provider: providerLocal, try: rejecting("no fakectl in PATH"), timeout: time.Second},
		})
		var u *unavailableError
		if !errors.As(err, &u) {
			t.Fatalf("resolveChain error = %v, want an *unavailableError", err)
		}
		want := "tried, in order:\n" +
			"  - env: HOIST_TEST_FAKE_URL is not set\n" +
			"  - docker: no Docker engine answered\n" +
			"  - local: no fakectl in PATH\n" +
			"to enable one: set HOIST_TEST_FAKE_URL (for example HOIST_TEST_FAKE_URL='fake://here'), start a Docker engine, " +
			"or install the server binaries (apt install fake)"
		if got := u.details(); got != want {
			t.Errorf("details:\n%s\nwant:\n%s", got, want)
		}
	})

	t.Run("broken_configuration_stops", func(t *testing.T) {
		t.Setenv(providerEnvVar, "")
		called = false
		_, err := resolveChain(e, []step{
			{provider: providerEnv, try: func(context.Context) (server, error) { return nil, errors.New("connection refused") }, timeout: time.Second},
			{provider: providerDocker, try: notCalled, timeout: time.Second},
		})
		var u *unavailableError
		if err == nil || errors.As(err, &u) || !strings.Contains(err.Error(), "env provider: connection refused") {
			t.Errorf("resolveChain error = %v, want the env provider's failure", err)
		}
		if called {
			t.Error("the chain went on after a configured server failed")
		}
	})

	t.Run("restricted", func(t *testing.T) {
		t.Setenv(providerEnvVar, "local")
		_, err := resolveChain(e, []step{
			{provider: providerEnv, try: notCalled, timeout: time.Second},
			{provider: providerDocker, try: notCalled, timeout: time.Second},
			{provider: providerLocal, try: rejecting("no fakectl in PATH"), timeout: time.Second},
		})
		if called {
			t.Error("a provider left out by HOIST_TEST_PROVIDER was tried")
		}
		for _, want := range []string{"  - env: left out by HOIST_TEST_PROVIDER=local\n", "  - docker: left out by HOIST_TEST_PROVIDER=local\n", "  - local: no fakectl"} {
			if err == nil || !strings.Contains(err.Error(), want) {
				t.Errorf("resolveChain error = %v, want it to say %q", err, want)
			}
		}
	})

	t.Run("timeout", func(t *testing.T) {
		t.Setenv(providerEnvVar, "")
		_, err := resolveChain(e, []step{{provider: providerDocker, timeout: 10 * time.Millisecond, try: func(ctx context.Context) (server, error) {
			<-ctx.Done()
			return nil, reject("gave up: %v", ctx.Err())
		}}})
		if err == nil || !strings.Contains(err.Error(), "docker: gave up: context deadline exceeded") {
			t.Errorf("resolveChain error = %v, want the step's timeout", err)
		}
	})
}

func TestAllowedProviders(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		in   string
		want []string
	}{
		{"", []string{"env", "docker", "local"}},
		{"local", []string{"local"}},
		{" docker , local ", []string{"docker", "local"}},
	} {
		got, err := allowedProviders(tt.in)
		if err != nil {
			t.Errorf("allowedProviders(%q): %v", tt.in, err)
			continue
		}
		if len(got) != len(tt.want) {
			t.Errorf("allowedProviders(%q) = %v, want %v", tt.in, got, tt.want)
		}
		for _, p := range tt.want {
			if !got[p] {
				t.Errorf("allowedProviders(%q) = %v, want %v", tt.in, got, tt.want)
			}
		}
	}
	if _, err := allowedProviders("env,podman"); err == nil || !strings.Contains(err.Error(), `unknown provider "podman"`) {
		t.Errorf("allowedProviders(env,podman) error = %v", err)
	}
}

func TestNames(t *testing.T) {
	t.Parallel()
	now := time.Unix(1_800_000_000, 0)
	db := newDatabaseName(now)
	if !databaseName.MatchString(db) || !strings.HasPrefix(db, "hoist_test_1800000000_") || !ours(db) {
		t.Errorf("newDatabaseName = %q", db)
	}
	key := "0123456789abcdef0123456789abcdef"
	tpl := newTemplateName(key, now)
	if tpl != "hoist_test_tpl_0123456789abcdef_1800000000" || !isTemplate(tpl) || !ours(tpl) {
		t.Errorf("newTemplateName = %q", tpl)
	}
	if len(tpl) > 63 || len(newDatabaseName(now)) > 63 {
		t.Error("names longer than PostgreSQL's 63 bytes")
	}
	for _, tt := range []struct {
		name string
		age  time.Duration
		want bool
	}{
		{newDatabaseName(now.Add(-23 * time.Hour)), 0, false},
		{newDatabaseName(now.Add(-25 * time.Hour)), 0, true},
		{newTemplateName(key, now.Add(-6*24*time.Hour)), 0, false},
		{newTemplateName(key, now.Add(-8*24*time.Hour)), 0, true},
		{"hoist_test_1a2b3c4d", 0, false}, // an older testkit's name: never swept
		{"app_production", 0, false},
	} {
		if got := expired(tt.name, now); got != tt.want {
			t.Errorf("expired(%q) = %t, want %t", tt.name, got, tt.want)
		}
	}
	if ours("hoist_test_1a2b3c4d") || ours("postgres") {
		t.Error("ours accepts names testkit did not make")
	}
}

// namedTB is a testing.TB with a name of our choosing.
type namedTB struct {
	testing.TB
	name string
}

func (n namedTB) Name() string { return n.name }

func TestLimiter(t *testing.T) {
	t.Parallel()
	l := newLimiter(2)
	tb := func(name string) testing.TB { return namedTB{TB: t, name: name} }

	a1 := l.acquire(tb("TestA"))
	a2 := l.acquire(tb("TestA/sub")) // same top-level test: no new slot
	b := l.acquire(tb("TestB/x/y"))
	got := make(chan func())
	go func() { got <- l.acquire(tb("TestC")) }()
	select {
	case <-got:
		t.Fatal("a third top-level test got a slot while two were held")
	case <-time.After(50 * time.Millisecond):
	}
	a1()
	select {
	case <-got:
		t.Fatal("a slot freed while TestA still held a database")
	case <-time.After(50 * time.Millisecond):
	}
	a2()
	a2() // a release is idempotent
	var c func()
	select {
	case c = <-got:
	case <-time.After(5 * time.Second):
		t.Fatal("the waiting test did not get the freed slot")
	}
	b()
	c()
	if len(l.holders) != 0 {
		t.Errorf("holders left: %v", l.holders)
	}

	t.Run("gives_up_waiting", func(t *testing.T) {
		l := newLimiter(1)
		l.maxWait = 20 * time.Millisecond
		hold := l.acquire(tb("TestHolder"))
		defer hold()
		done := make(chan struct{})
		go func() {
			l.acquire(tb("TestLate"))()
			close(done)
		}()
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			t.Fatal("a wait past maxWait did not go on over the bound")
		}
	})

	var nilLimiter *limiter
	nilLimiter.acquire(t)() // no bound
}

func TestSlotsFor(t *testing.T) {
	t.Setenv("HOIST_TEST_MAX_CONNS", "")
	if got := slotsFor(100); got != 5 {
		t.Errorf("slotsFor(100) = %d, want 5", got)
	}
	if got := slotsFor(10); got != 2 {
		t.Errorf("slotsFor(10) = %d, want the minimum 2", got)
	}
	t.Setenv("HOIST_TEST_MAX_CONNS", "30")
	if got := slotsFor(100); got != 3 {
		t.Errorf("slotsFor(100) under HOIST_TEST_MAX_CONNS=30 = %d, want 3", got)
	}
}
