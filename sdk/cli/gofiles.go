package cli

import (
	"fmt"
	"os"
	"strings"
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
