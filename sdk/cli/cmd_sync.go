package cli

import (
	"os"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/hoistdb/hoist/sdk/schema"
)

func (t *tree) syncCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:     "models:sync",
		GroupID: groupProject,
		Short:   "Update the model structs from the database",
		Long: `Read the database (its catalogue and the relation, field and enum names hoist
keeps next to its history) and update the model structs in the models
directory to match, the reverse of migrate:generate through the same mapping
(docs/schema.md): column fields are added, retyped or removed; relation
fields come from the kept relation names, tagged db:"-"; an enum gets a named
string type with constants in a file of its own; a table without a model gets
a new model file (--create=false: not). Only the struct's field list changes:
methods, comments and other fields stay as they are, and a field that fits
its column is kept as written. Running it again changes nothing.
--dry-run prints a unified diff of each file and writes nothing.`,
		Example: `  hoist models:sync --dry-run
  hoist models:sync --models internal/models --create=false`,
		Args: noArgs,
	}
	dry := cmd.Flags().Bool("dry-run", false, "print the changes as a unified diff instead of writing them")
	create := cmd.Flags().Bool("create", true, "write a model file for each table without a model")
	cmd.RunE = t.action(func(c *command, _ []string) error {
		if c.tree.fixed != nil {
			return usagef("models:sync runs in the hoist command, which reads the models from source")
		}
		d, err := c.cfg.dataSource()
		if err != nil {
			return err
		}
		db, _, err := c.cfg.Open(c.ctx)
		if err != nil {
			return err
		}
		live, err := schema.InspectWithMetadata(c.ctx, db, d.Dialect, c.cfg.Table)
		if err != nil {
			return err
		}
		res, err := schema.Sync(live, schema.SyncOptions{Dir: c.cfg.Models, NoCreate: !*create})
		if err != nil {
			return err
		}
		for _, n := range res.Notes {
			c.out.printf("note: %s\n", n)
		}
		if len(res.Files) == 0 {
			c.out.println("models are up to date")
			return nil
		}
		for _, f := range res.Files {
			if *dry {
				c.out.printf("%s", schema.UnifiedDiff(c.display(f.Path), f.Old, f.New))
				continue
			}
			if err := os.MkdirAll(filepath.Dir(f.Path), 0o755); err != nil {
				return err
			}
			if err := os.WriteFile(f.Path, f.New, 0o644); err != nil {
				return err
			}
			verb := "updated"
			if f.Old == nil {
				verb = "created"
			}
			c.out.printf("%s %s\n", verb, c.display(f.Path))
		}
		return nil
	})
	return cmd
}
