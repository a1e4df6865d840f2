package main

import (
	"bytes"
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hoistdb/hoist/testkit"
)

// TestBoot runs the example as the README's first command does, twice:
// the first boot migrates and seeds, the second finds nothing to do.
func TestBoot(t *testing.T) {
	t.Parallel()
	urls := map[string]func(t *testing.T) string{
		"sqlite": func(t *testing.T) string { return "sqlite:" + filepath.Join(t.TempDir(), "app.db") },
		// testkit's PostgreSQL DSN is a postgres:// URL, as DATABASE_URL is.
		"postgres": func(t *testing.T) string { return testkit.Postgres(t).DSN },
	}
	for name, url := range urls {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			u := url(t)
			var first, second bytes.Buffer
			if err := run(ctx, u, &first); err != nil {
				t.Fatalf("first boot: %v\n%s", err, &first)
			}
			for _, want := range []string{"ran 4 migration(s) in batch 1", "backfill_display_names", "4 applied, 0 pending", "ready: 1 user(s)"} {
				if !strings.Contains(first.String(), want) {
					t.Errorf("first boot output lacks %q:\n%s", want, &first)
				}
			}
			if err := run(ctx, u, &second); err != nil {
				t.Fatalf("second boot: %v\n%s", err, &second)
			}
			if !strings.Contains(second.String(), "nothing to do") || !strings.Contains(second.String(), "ready: 1 user(s)") {
				t.Errorf("second boot should find nothing to do and seed nothing again:\n%s", &second)
			}
		})
	}
}

func TestUnknownScheme(t *testing.T) {
	t.Parallel()
	err := run(context.Background(), "oracle://scott:tiger@db/orcl", &bytes.Buffer{})
	if err == nil || !strings.Contains(err.Error(), "unknown database URL scheme") || strings.Contains(err.Error(), "tiger") {
		t.Fatalf("run with an unknown scheme: %v; want an error without the password", err)
	}
}
