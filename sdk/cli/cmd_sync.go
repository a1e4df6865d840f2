package cli

import (
	"database/sql"
	"fmt"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/hoistdb/hoist/embedfs"
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
--dry-run prints a unified diff of each file and writes nothing.

--from migrations reads the schema the migrations produce instead, replayed
into a scratch database on the same server (a temporary file for SQLite) and
dropped afterwards; --schema PATH the schema a SQL file declares (CREATE
TABLE ... statements), run in such a scratch database.`,
		Example: `  hoist models:sync --dry-run
  hoist models:sync --models internal/models --create=false
  hoist models:sync --from migrations
  hoist models:sync --schema db/schema.sql`,
		Args: noArgs,
	}
	dry := cmd.Flags().Bool("dry-run", false, "print the changes as a unified diff instead of writing them")
	create := cmd.Flags().Bool("create", true, "write a model file for each table without a model")
	sqlNull := cmd.Flags().Bool("sql-null", false, "write new nullable fields as sql.Null[T] instead of *T")
	from := cmd.Flags().String("from", "database", "read the schema from: database or migrations")
	schemaFile := cmd.Flags().String("schema", "", "read the schema a SQL file declares (run in a scratch database)")
	cmd.RunE = t.action(func(c *command, _ []string) error {
		if c.tree.fixed != nil {
			return usagef("models:sync runs in the hoist command, which reads the models from source")
		}
		d, err := c.cfg.dataSource()
		if err != nil {
			return err
		}
		if *from != "database" && *from != "migrations" {
			return usagef("--from %s: want database or migrations", *from)
		}
		var db *sql.DB
		switch {
		case *schemaFile != "":
			var drop func()
			db, drop, err = c.replay(-1)
			if drop != nil {
				defer drop()
			}
			if err == nil {
				err = runSchemaFile(c, db, *schemaFile)
			}
		case *from == "migrations":
			var drop func()
			db, drop, err = c.replay(0)
			if drop != nil {
				defer drop()
			}
		default:
			db, _, err = c.cfg.Open(c.ctx)
		}
		if err != nil {
			return err
		}
		live, err := schema.InspectWithMetadata(c.ctx, db, d.Dialect, c.cfg.Table)
		if err != nil {
			return err
		}
		res, err := schema.Sync(live, schema.SyncOptions{Dir: c.cfg.Models, NoCreate: !*create, SQLNull: *sqlNull})
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

// runSchemaFile runs the statements of a declarative schema file in db,
// naming the file and line of the one that fails.
func runSchemaFile(c *command, db *sql.DB, path string) error {
	text, err := os.ReadFile(path)
	if err != nil {
		return usageError{err: fmt.Errorf("--schema: %w", err)}
	}
	statements, err := embedfs.Split(c.display(path), string(text))
	if err != nil {
		return err
	}
	for _, st := range statements {
		if _, err := db.ExecContext(c.ctx, st.SQL); err != nil {
			return fmt.Errorf("%s:%d: %w", c.display(path), st.Line, err)
		}
	}
	return nil
}
