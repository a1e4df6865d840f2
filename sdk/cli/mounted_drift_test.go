package cli_test

import (
	"bytes"
	"strings"
	"testing"

	"github.com/hoistdb/hoist/sdk"
	"github.com/hoistdb/hoist/sdk/cli"
	"github.com/hoistdb/hoist/testkit"
)

// TestMountedDrift: the mounted command runs migrate:drift with the
// application's Migrator (its Go migrations included): no drift, exit
// 0; an index added by hand, exit 1 with the index named.
func TestMountedDrift(t *testing.T) {
	eachEngine(t, func(t *testing.T, db *testkit.DB, _ string) {
		m, err := sdk.New(db.DB, db.Dialect, append(appMigrations(), quiet)...)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := m.Up(t.Context()); err != nil {
			t.Fatal(err)
		}
		run := func(args ...string) (string, int) {
			t.Helper()
			root, err := cli.Command(m, cli.WithName("myapp"))
			if err != nil {
				t.Fatal(err)
			}
			var out bytes.Buffer
			root.SetArgs(args)
			root.SetOut(&out)
			root.SetErr(&out)
			code := cli.Execute(t.Context(), root)
			return out.String(), code
		}
		if out, code := run("migrate:drift"); code != 0 || !strings.Contains(out, "no drift") {
			t.Fatalf("myapp migrate:drift: exit %d\n%s; want no drift", code, out)
		}
		if _, err := db.DB.ExecContext(t.Context(), "CREATE INDEX widgets_name_idx ON widgets (name)"); err != nil {
			t.Fatal(err)
		}
		if out, code := run("migrate:drift", "--json"); code != 1 || !strings.Contains(out, "index widgets_name_idx on widgets is not in the migrations") {
			t.Fatalf("myapp migrate:drift --json after an index added by hand: exit %d\n%s", code, out)
		}
	})
}
