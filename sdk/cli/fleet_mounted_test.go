package cli_test

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/spf13/cobra"

	"github.com/hoistdb/hoist/sdk"
	"github.com/hoistdb/hoist/sdk/cli"
	"github.com/hoistdb/hoist/testkit"
)

// TestFleetMounted: an application mounts the commands over its own
// Migrator with cli.WithFleet, and `myapp migrate --tenants` migrates
// its tenant schemas with its compiled-in migrations, the Go migration's
// unqualified INSERT landing in each tenant's table. Without WithFleet
// the tree has no --tenants flag.
func TestFleetMounted(t *testing.T) {
	t.Parallel()
	db := testkit.Postgres(t)
	for i := range 5 {
		if _, err := db.DB.Exec(fmt.Sprintf("CREATE SCHEMA fleetcmd_app_%d", i)); err != nil {
			t.Fatal(err)
		}
	}
	m, err := sdk.New(db.DB, db.Dialect, append(appMigrations(), quiet)...)
	if err != nil {
		t.Fatal(err)
	}
	var patterns []string
	fleet := func(ctx context.Context, cfg *cli.Config, pattern string, opts ...sdk.FleetOption) (*sdk.Fleet, error) {
		patterns = append(patterns, pattern)
		return sdk.NewFleet(db.DB, db.Dialect, sdk.TargetPattern(pattern),
			append(opts, sdk.WithTargetOptions(append(appMigrations(), quiet)...))...)
	}
	build := func() (*cobra.Command, error) { return cli.Command(m, cli.WithName("myapp"), cli.WithFleet(fleet)) }

	out, _ := execute(t, build, nil, "migrate", "--tenants", "fleetcmd_app_*", "--concurrency", "2")
	if !strings.Contains(out, "5 tenants matching fleetcmd_app_* in ") || !strings.HasSuffix(out, ": 5 applied, 0 up to date\n") ||
		!strings.Contains(out, "fleetcmd_app_3 applied 2 migrations (") {
		t.Errorf("myapp migrate --tenants:\n%s", out)
	}
	for i := range 5 {
		var name string
		if err := db.DB.QueryRow(fmt.Sprintf("SELECT name FROM fleetcmd_app_%d.widgets", i)).Scan(&name); err != nil || name != "sprocket" {
			t.Errorf("fleetcmd_app_%d.widgets: %q %v", i, name, err)
		}
	}
	tableExists(t, db, "public.widgets", false)
	out, _ = execute(t, build, nil, "migrate:status", "--tenants", "fleetcmd_app_*")
	if !strings.HasSuffix(out, "5 tenants: 5 up to date\n") {
		t.Errorf("myapp migrate:status --tenants:\n%s", out)
	}
	if len(patterns) != 2 || patterns[0] != "fleetcmd_app_*" {
		t.Errorf("the FleetFactory got the patterns %q", patterns)
	}
	// The application's own database stays as it was: migrate without
	// --tenants migrates it alone.
	out, _ = execute(t, build, nil, "migrate")
	if !strings.Contains(out, "migrated 2 migrations in batch 1") {
		t.Errorf("myapp migrate:\n%s", out)
	}

	root, err := cli.Command(m, cli.WithName("myapp"))
	if err != nil {
		t.Fatal(err)
	}
	var stderr bytes.Buffer
	root.SetArgs([]string{"migrate", "--tenants", "fleetcmd_app_*"})
	root.SetOut(&bytes.Buffer{})
	root.SetErr(&stderr)
	if code := cli.Execute(t.Context(), root); code != cli.ExitUsage || !strings.Contains(stderr.String(), "unknown flag: --tenants") {
		t.Errorf("without WithFleet: exit %d\n%s", code, &stderr)
	}
}
