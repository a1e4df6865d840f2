package cli_test

import (
	"bytes"
	"strings"
	"testing"

	"github.com/hoistdb/hoist/sdk"
	"github.com/hoistdb/hoist/sdk/cli"
	"github.com/hoistdb/hoist/testkit"
)

// TestMountedTarget: a tree mounted over the application's Migrator names
// the database given with WithTarget before it touches it, password
// masked, and judges from its host whether it looks like production.
func TestMountedTarget(t *testing.T) {
	eachEngine(t, func(t *testing.T, db *testkit.DB, dbURL string) {
		m, err := sdk.New(db.DB, db.Dialect, append(appMigrations(), quiet)...)
		if err != nil {
			t.Fatal(err)
		}
		run := func(target string, args ...string) (string, string, int) {
			root, err := cli.Command(m, cli.WithName("myapp"), cli.WithTarget(target))
			if err != nil {
				t.Fatal(err)
			}
			var out, errb bytes.Buffer
			root.SetArgs(args)
			root.SetIn(strings.NewReader(""))
			root.SetOut(&out)
			root.SetErr(&errb)
			code := cli.Execute(t.Context(), root)
			return out.String(), errb.String(), code
		}
		_, stderr, code := run(dbURL, "migrate")
		want := "target: " + dbName(db)
		if code != 0 || !strings.HasPrefix(stderr, want) {
			t.Errorf("myapp migrate: exit %d, stderr %q; want it to start with %q", code, stderr, want)
		}
		remote := "postgres://app:" + secret + "@db.example.invalid:5432/shop"
		_, stderr, code = run(remote, "migrate:reset")
		if code != 2 || !strings.Contains(stderr, "target: postgres database shop on db.example.invalid:5432 (postgres://app:xxxxx@db.example.invalid:5432/shop)") ||
			!strings.Contains(stderr, "looks like production (host db.example.invalid is not this machine)") || strings.Contains(stderr, secret) {
			t.Errorf("myapp migrate:reset on a remote target off a terminal: exit %d\n%s", code, stderr)
		}
		tableExists(t, db, "widgets", true)
		if _, err := cli.Command(m, cli.WithTarget("oracle://x")); err == nil {
			t.Error("WithTarget took a URL it cannot read")
		}
	})
}
