package cli

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"
)

func (t *tree) initCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:     "init",
		GroupID: groupProject,
		Short:   "Write hoist.yaml, migrations/ and seeds/ in the working directory",
		Long: `Write hoist.yaml, the migrations directory with an embed.go that compiles
its .sql files into the application, and the seeds directory likewise. An
existing file is kept as it is, never overwritten.`,
		Args: noArgs,
	}
	cmd.RunE = t.action(func(c *command, _ []string) error {
		cwd, err := t.getwd()
		if err != nil {
			return err
		}
		// init writes where it runs, whatever hoist.yaml it found above.
		migrations, seeds := c.initDir("migrations"), c.initDir("seeds")
		files := []newFile{
			{filepath.Join(cwd, ConfigFile), []byte(configTemplate(c.cobra.Root().Name(), migrations, seeds))},
			{filepath.Join(cwd, migrations, "embed.go"), []byte(embedGo(packageName(filepath.Join(cwd, migrations)), "migrations"))},
			{filepath.Join(cwd, seeds, "embed.go"), []byte(embedGo(packageName(filepath.Join(cwd, seeds)), "seeds"))},
		}
		for _, f := range files {
			if _, err := os.Stat(f.path); err == nil {
				c.out.printf("kept %s (exists)\n", c.display(f.path))
				continue
			}
			if err := c.write(f); err != nil {
				return err
			}
		}
		name := c.cobra.Root().Name()
		c.out.printf(`
Next:
  1. Set database_url in %s, or DATABASE_URL.
  2. %s make:migration create users table
  3. %s migrate
The embed.go files compile once their directory holds a .sql file; pass
their FS to sdk.WithFS and sdk.WithSeedFS to migrate at boot.
`, ConfigFile, name, name)
		return nil
	})
	return cmd
}

// initDir is the directory init writes for a setting: from its flag or
// variable if given, else the default, relative to the working directory.
func (c *command) initDir(key string) string {
	for _, s := range settings {
		if s.key != key {
			continue
		}
		if f := c.cobra.Flags().Lookup(s.flag); f != nil && f.Changed {
			return f.Value.String()
		}
		if _, v, ok := firstEnv(c.tree.env, s.env); ok {
			return v
		}
		return s.def
	}
	return key
}

func configTemplate(name, migrations, seeds string) string {
	return fmt.Sprintf(`# %[1]s configuration; every key is optional (docs/command.md).
# Flags override this file, and so do the environment variables
# DATABASE_URL and HOIST_*. ${VAR} and ${VAR:-default} read variables.

# The database, left unset on purpose: a command with no database
# configured stops instead of working on a database nobody chose. Set
# DATABASE_URL, or uncomment one of these:
# database_url: postgres://user:${DB_PASSWORD}@host:5432/app
# database_url: mysql://user:${DB_PASSWORD}@host:3306/app
# database_url: sqlite:app.db

# Directories, relative to this file.
migrations: %[2]s
seeds: %[3]s
models: models
factories: factories

# table: hoist_migrations
# lock_timeout: 5m
# allow_out_of_order: false
# checksum_policy: strict

# A fleet: migrate and migrate:status work on every tenant schema whose
# name matches the pattern (docs/fleets.md); --tenants '' turns it off.
# fleet:
#   tenants: "tenant_*"
#   concurrency: 4
#   on_failure: stop
`, name, filepath.ToSlash(migrations), filepath.ToSlash(seeds))
}

func embedGo(pkg, what string) string {
	return fmt.Sprintf(`// Package %[1]s holds the application's %[2]s, compiled into the binary.
package %[1]s

import "embed"

// FS holds the .sql files of this directory. The pattern compiles once the
// directory holds at least one .sql file.
//
//go:embed *.sql
var FS embed.FS
`, pkg, what)
}
