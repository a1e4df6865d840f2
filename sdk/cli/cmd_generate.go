package cli

import (
	"database/sql"
	"fmt"
	"io"
	"path/filepath"
	"strconv"

	"github.com/spf13/cobra"

	"github.com/hoistdb/hoist/dialect"
	"github.com/hoistdb/hoist/sdk/schema"
)

// generated is what migrate:generate --json prints.
type generated struct {
	File     string   `json:"file"`
	Up       []string `json:"up"`
	Down     []string `json:"down"`
	Changes  int      `json:"changes"`
	Notes    []string `json:"notes"`
	Warnings []string `json:"warnings"`
}

func (t *tree) generateCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:     "migrate:generate",
		GroupID: groupMigrate,
		Short:   "Write the migration that makes the database match the models",
		Long: `Compare the models (the Go structs in the models directory, read from source
with their db and hoist tags; see docs/schema.md) with the database and write
a new SQL migration, <version>_<name>.sql, whose up makes the database match
the models and whose down undoes it, for the configured engine. Commands
mounted in an application with cli.WithModels compare its compiled-in
models instead.

--from database (the default) compares with the live database. --from
migrations replays the migrations into a scratch database on the same
server (a temporary file for SQLite), dropped afterwards, and compares with
that: CI can check that models and migrations agree.

Renames: a column dropped and one added alike are written as a rename when
nothing else in the table matches them; the file says so. State a rename
with hoist:"renamed_from:old" on the field; --no-rename-detection keeps only
those. Tables missing from the models are kept unless --drop-tables.
Changes that lose data are listed with a WARNING in the file and here.
Nothing to change: "schema is up to date", no file, exit 0.`,
		Example: `  hoist migrate:generate --name add_phone_to_users
  hoist migrate:generate --from migrations --dry-run`,
		Args: noArgs,
	}
	name := cmd.Flags().String("name", "auto_migration", "the migration's name")
	output := cmd.Flags().String("output", "", "directory to write to (default: the migrations directory)")
	from := cmd.Flags().String("from", "database", "compare the models with: database or migrations")
	dry := cmd.Flags().Bool("dry-run", false, "print the migration instead of writing it")
	dropTables := cmd.Flags().Bool("drop-tables", false, "drop tables that no model describes")
	goFlag := cmd.Flags().Bool("go", false, "write a Go migration (the sdk/schema builder) instead of SQL")
	noRenames := cmd.Flags().Bool("no-rename-detection", false, "write a dropped and an added column as such, unless renamed_from says otherwise")
	asJSON := jsonFlag(cmd)
	cmd.RunE = t.action(func(c *command, _ []string) error {
		fileName := snake(*name)
		if fileName == "" {
			return usagef("the name %q has no letters or digits", *name)
		}
		if *from != "database" && *from != "migrations" {
			return usagef("--from %s: want database or migrations", *from)
		}
		if c.tree.fixed != nil && *from == "migrations" {
			return usagef("--from migrations runs in the hoist command, which can replay the migrations in a scratch database")
		}
		models, err := c.models()
		if err != nil {
			return err
		}
		db, dl, drop, err := c.generateDB(*from == "migrations")
		if drop != nil {
			defer drop()
		}
		if err != nil {
			return err
		}
		cs, err := schema.Compare(c.ctx, db, dl, models.Schema, schema.DiffOptions{
			DropTables: *dropTables, NoRenameDetection: *noRenames, Renames: models.Renames})
		if err != nil {
			return err
		}
		out := generated{Up: []string{}, Down: []string{}, Changes: len(cs.Up), Notes: cs.Notes, Warnings: cs.Warnings}
		if cs.Empty() {
			if *asJSON {
				return c.out.json(out)
			}
			c.out.println("schema is up to date")
			return nil
		}
		script, err := cs.Render(dl)
		if err != nil {
			return err
		}
		out.Up, out.Down = script.Up, script.Down
		dir := *output
		if dir == "" {
			dir = c.cfg.Migrations
		}
		version, err := nextVersion(dir, t.now())
		if err != nil {
			return err
		}
		path := filepath.Join(dir, version+"_"+fileName+".sql")
		var text string
		if *goFlag {
			varName := camel(fileName, "Migration")
			if declared(dir)[varName] {
				varName += version
			}
			v, _ := strconv.ParseInt(version, 10, 64)
			text, err = cs.GoFile(packageName(dir), varName, v, fileName, models.Schema)
			path = filepath.Join(dir, goFileName(version+"_"+fileName))
		} else {
			text, err = cs.SQLFile(dl)
		}
		if err != nil {
			return err
		}
		if !*dry {
			out.File = path
			shown := c.out
			if *asJSON {
				c.out = newPrinter(io.Discard, shown.errw, false, c.tree.env) // "created" is in the JSON
			}
			err = c.write(newFile{out.File, []byte(text)})
			c.out = shown
			if err != nil {
				return err
			}
		}
		switch {
		case *asJSON:
			if out.File != "" {
				out.File = c.display(out.File)
			}
			return c.out.json(out)
		case *dry:
			c.out.printf("%s", text)
		default:
			for _, n := range cs.Notes {
				c.out.printf("note: %s\n", n)
			}
			for _, w := range cs.Warnings {
				c.out.printf("WARNING: %s\n", w)
			}
			if *goFlag {
				c.out.printf("\nPass the new migration to sdk.WithMigrations where the application builds its\n" +
					"Migrator, and run it with the application's binary: the hoist command runs .sql\nfiles only.\n")
			}
		}
		return nil
	})
	return cmd
}

// models returns the models given with WithModels, or else those of the
// models directory, read from source.
func (c *command) models() (*schema.Models, error) {
	if c.tree.models != nil {
		return c.tree.models, nil
	}
	models, err := schema.FromSource(c.cfg.Models)
	if err != nil {
		if c.tree.fixed != nil {
			return nil, fmt.Errorf("%w (--models names the models directory; or mount the commands with cli.WithModels)", err)
		}
		return nil, fmt.Errorf("%w (--models or HOIST_MODELS names the models directory)", err)
	}
	if len(models.Schema.Tables) == 0 {
		return nil, fmt.Errorf("no models in %s: a model is an exported struct with db or hoist tags", c.display(c.cfg.Models))
	}
	return models, nil
}

// generateDB returns the database migrate:generate compares the models
// with, and its dialect: the application's (a mounted tree), the
// configured one, or a scratch database with the migrations replayed
// (scratch), with the function that drops it.
func (c *command) generateDB(scratch bool) (*sql.DB, dialect.Dialect, func(), error) {
	if c.tree.fixed != nil {
		m, err := c.migrator()
		if err != nil {
			return nil, nil, nil, err
		}
		return m.DB(), m.Dialect(), nil, nil
	}
	d, err := c.cfg.dataSource()
	if err != nil {
		return nil, nil, nil, err
	}
	if scratch {
		db, drop, err := c.replay(0)
		return db, d.Dialect, drop, err
	}
	db, _, err := c.cfg.Open(c.ctx)
	return db, d.Dialect, nil, err
}

// replay migrates a scratch database on the configured server (a
// temporary file for SQLite) with the configured migrations, up to and
// including version upTo (all when 0; none when -1), and returns it
// open, with the function that closes and drops it.
func (c *command) replay(upTo int64) (*sql.DB, func(), error) {
	cfg, name, dropDB, err := c.scratchDatabase()
	if err != nil {
		return nil, nil, fmt.Errorf("creating a scratch database to replay the migrations in: %w", err)
	}
	scratch, err := ParseURL(cfg.DatabaseURL)
	if err != nil {
		_ = dropDB()
		return nil, nil, err
	}
	var opened []*sql.DB
	drop := func() {
		for _, db := range opened {
			db.Close() // closed again when the command ends, harmlessly
		}
		if err := dropDB(); err != nil {
			c.out.printf("WARNING: could not drop the scratch database %s: %v\n", name, err)
		}
	}
	n := len(c.dbs)
	m, err := c.tree.factory(c.ctx, &cfg)
	opened = append(opened, c.dbs[n:]...) // what the factory opened, closed before the drop
	if err != nil {
		return nil, drop, err
	}
	db, err := openDB(c.ctx, scratch, scratch.DSN)
	if err != nil {
		return nil, drop, err
	}
	opened = append(opened, db)
	quiet := c.progress.quiet
	c.progress.quiet = true // the scratch run is no news
	switch {
	case upTo > 0:
		_, err = m.UpTo(c.ctx, upTo)
	case upTo == 0:
		_, err = m.Up(c.ctx)
	}
	c.progress.quiet = quiet
	if err != nil {
		return nil, drop, fmt.Errorf("replaying the migrations in a scratch database: %w", err)
	}
	return db, drop, nil
}
