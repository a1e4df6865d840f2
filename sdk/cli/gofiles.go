package cli

import (
	"fmt"
	"os"
	"strconv"
	"strings"

	"github.com/hoistdb/hoist/sdk"
)

// goMigrationFiles lists the Go migration files of dir: <version>_<name>.go
// files as make:migration --go writes them, tests left out. The hoist
// command reads SQL only and cannot run them; it names them instead of
// letting an operator believe every migration is applied.
func goMigrationFiles(dir string) []string {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil
	}
	var out []string
	for _, e := range entries {
		n := e.Name()
		if e.IsDir() || !strings.HasSuffix(n, ".go") || strings.HasSuffix(n, "_test.go") {
			continue
		}
		digits := len(n) - len(strings.TrimLeft(n, "0123456789"))
		if digits > 0 && digits < len(n) && n[digits] == '_' {
			out = append(out, n)
		}
	}
	return out
}

// warnGoMigrations says which Go migrations the hoist command found and
// cannot run, and how to run them.
func (c *command) warnGoMigrations() {
	files := goMigrationFiles(c.cfg.Migrations)
	if len(files) == 0 {
		return
	}
	dir := c.display(c.cfg.Migrations)
	for _, f := range files {
		fmt.Fprintf(c.out.errw, "%s %s/%s is a Go migration, which the %s command cannot run: it reads .sql files only\n",
			c.out.paint(yellow, "warning:"), dir, f, c.tree.name)
	}
	fmt.Fprintf(c.out.errw, "  run %s through the application's own binary, with the commands mounted "+
		"(cli.Command; docs/command.md, Mounting the commands in an application)\n", plural(len(files), "Go migration"))
}

// goMigrationsAhead refuses a run that would apply a SQL migration newer
// than a Go migration this command found, cannot run (the Migrator does
// not have it) and that is not applied: the application would then
// refuse that Go migration as out of order, as happened after
// `make:migration --go`. With --allow-out-of-order the operator says the
// application allows it.
func (c *command) goMigrationsAhead(m *sdk.Migrator, target int64) error {
	files := goMigrationFiles(c.cfg.Migrations)
	if len(files) == 0 || c.cfg.AllowOutOfOrder {
		return nil
	}
	known := map[int64]bool{}
	for _, mig := range m.Migrations() {
		known[mig.Version] = true
	}
	st, err := m.Status(c.ctx)
	if err != nil {
		return nil // the run itself reports it
	}
	for _, list := range [][]sdk.MigrationStatus{st.Applied, st.Failed, st.Missing} {
		for _, s := range list {
			known[s.Version] = true
		}
	}
	plan, err := planTo(c, m, target)
	if err != nil {
		return nil
	}
	for _, f := range files {
		v, err := strconv.ParseInt(f[:strings.IndexByte(f, '_')], 10, 64)
		if err != nil || known[v] {
			continue
		}
		for _, a := range plan.Applied {
			if a.Version > v {
				return fmt.Errorf("migrate would apply %d %s, newer than the Go migration %s/%s, which the %s command cannot run "+
					"and which is not applied: the application would then refuse it as out of order. Run the migrations "+
					"through the application's binary (its mounted commands), or apply only those before it with `migrate --to %d`; "+
					"if the application allows out-of-order migrations, add --allow-out-of-order",
					a.Version, a.Name, c.display(c.cfg.Migrations), f, c.tree.name, v-1)
			}
		}
	}
	return nil
}
