package testkit

import (
	"context"
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"
	"time"
)

// The providers, in the order they are tried, by the names
// HOIST_TEST_PROVIDER knows them by.
const (
	providerEnv    = "env"    // an existing server from HOIST_TEST_<ENGINE>_URL
	providerDocker = "docker" // a container through dockertest
	providerLocal  = "local"  // server binaries installed on this machine
)

var providerNames = []string{providerEnv, providerDocker, providerLocal}

// providerEnvVar restricts the chain to the providers it lists,
// comma-separated, in the usual order.
const providerEnvVar = "HOIST_TEST_PROVIDER"

// A step is one provider of one engine.
type step struct {
	provider string
	// try returns a working server, or an error made by reject when this
	// provider cannot be had here (the chain goes on), or another error
	// when it should work and does not (the chain stops: a configured
	// server that fails must not pass for a missing one).
	try func(ctx context.Context) (server, error)
	// timeout bounds try.
	timeout time.Duration
}

// rejectedError is why a provider cannot give a server here.
type rejectedError struct{ reason string }

func (r *rejectedError) Error() string { return r.reason }

// reject returns the error with which a step passes to the next one.
func reject(format string, args ...any) error {
	return &rejectedError{reason: fmt.Sprintf(format, args...)}
}

// rejection is one provider's reason, remembered for the skip message.
type rejection struct {
	provider, reason string
}

// unavailableError says that no provider gave a server, and why.
type unavailableError struct {
	e          *engine
	rejections []rejection
}

func (u *unavailableError) Error() string {
	return "no " + u.e.title + " server; " + u.details()
}

// details lists every provider's reason and how to enable one.
func (u *unavailableError) details() string {
	var b strings.Builder
	b.WriteString("tried, in order:\n")
	for _, r := range u.rejections {
		fmt.Fprintf(&b, "  - %s: %s\n", r.provider, r.reason)
	}
	fmt.Fprintf(&b, "to enable one: set %s (for example %s='%s'), start a Docker engine, or install the server binaries (%s)",
		u.e.env, u.e.env, u.e.example, u.e.install)
	return b.String()
}

// resolveChain tries steps in order and returns the first server one of
// them gives. It runs once per engine per test binary.
func resolveChain(e *engine, steps []step) (server, error) {
	allowed, err := allowedProviders(os.Getenv(providerEnvVar))
	if err != nil {
		return nil, err
	}
	u := &unavailableError{e: e}
	for _, s := range steps {
		if !allowed[s.provider] {
			u.rejections = append(u.rejections, rejection{s.provider, "left out by " + providerEnvVar + "=" + os.Getenv(providerEnvVar)})
			continue
		}
		ctx, cancel := context.WithTimeout(context.Background(), s.timeout)
		srv, err := s.try(ctx)
		cancel()
		var r *rejectedError
		switch {
		case err == nil:
			return srv, nil
		case errors.As(err, &r):
			u.rejections = append(u.rejections, rejection{s.provider, r.reason})
		default:
			return nil, fmt.Errorf("%s provider: %w", s.provider, err)
		}
	}
	return nil, u
}

// allowedProviders reads HOIST_TEST_PROVIDER; empty allows them all.
func allowedProviders(v string) (map[string]bool, error) {
	allowed := map[string]bool{}
	if strings.TrimSpace(v) == "" {
		for _, p := range providerNames {
			allowed[p] = true
		}
		return allowed, nil
	}
	for _, p := range strings.Split(v, ",") {
		p = strings.TrimSpace(p)
		if !slices.Contains(providerNames, p) {
			return nil, fmt.Errorf("%s=%s: unknown provider %q; the providers are %s", providerEnvVar, v, p, strings.Join(providerNames, ", "))
		}
		allowed[p] = true
	}
	return allowed, nil
}
