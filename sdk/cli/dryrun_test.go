package cli_test

import (
	"bytes"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/hoistdb/hoist/sdk"
	"github.com/hoistdb/hoist/sdk/cli"
	"github.com/hoistdb/hoist/testkit"
)

// TestMigrateToDryRun: `migrate --to V --dry-run` says what `migrate --to
// V` does. With 1 and 3 applied and 2 pending out of order, --to 1 has
// nothing to do, in the dry run as in the real one; --to 2 fails in both.
func TestMigrateToDryRun(t *testing.T) {
	eachEngine(t, func(t *testing.T, db *testkit.DB, _ string) {
		file := func(name string) *fstest.MapFile {
			return &fstest.MapFile{Data: []byte("-- +hoist up\nCREATE TABLE " + name + " (id INTEGER PRIMARY KEY);\n-- +hoist down\nDROP TABLE " + name + ";\n")}
		}
		fsys := fstest.MapFS{"0001_one.sql": file("one"), "0003_three.sql": file("three")}
		first, err := sdk.New(db.DB, db.Dialect, sdk.WithFS(fsys), quiet)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := first.Up(t.Context()); err != nil {
			t.Fatal(err)
		}
		fsys["0002_two.sql"] = file("two")
		m, err := sdk.New(db.DB, db.Dialect, sdk.WithFS(fsys), quiet)
		if err != nil {
			t.Fatal(err)
		}
		run := func(args ...string) (string, int) {
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
		for _, args := range [][]string{{"migrate", "--to", "1", "--dry-run"}, {"migrate", "--to", "1"}} {
			if out, code := run(args...); code != 0 || !strings.Contains(out, "nothing to migrate") {
				t.Errorf("myapp %s: exit %d\n%s\nwant exit 0 and nothing to migrate", strings.Join(args, " "), code, out)
			}
		}
		for _, args := range [][]string{{"migrate", "--to", "2", "--dry-run"}, {"migrate", "--to", "2"}} {
			if out, code := run(args...); code == 0 || !strings.Contains(out, "older than the newest applied") {
				t.Errorf("myapp %s: exit %d\n%s\nwant a failure naming the out-of-order migration", strings.Join(args, " "), code, out)
			}
		}
	})
}
