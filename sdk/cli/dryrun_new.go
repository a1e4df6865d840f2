package cli

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"math"
	"os"
	"path/filepath"

	"github.com/hoistdb/hoist/embedfs"
	"github.com/hoistdb/hoist/sdk"
)

// dryRunNewDatabase answers `migrate --dry-run` for a database that does
// not exist yet, without creating it: a dry run changes nothing, and
// connecting would create a SQLite file, while --create-database would
// create a server's database. It reports whether it answered; when the
// database exists (or it is a server's and --create-database is not
// given, which fails with the ordinary hint) the ordinary dry run goes
// on. Without a database there is no history: every migration of the
// migrations directory would be applied, as batch 1.
func (c *command) dryRunNewDatabase(create, asJSON bool, args []string, target int64) (bool, error) {
	if c.tree.fixed != nil {
		return false, nil
	}
	d, err := c.cfg.dataSource()
	if err != nil {
		return false, err
	}
	if d.Engine != "sqlite" && !create {
		return false, nil
	}
	exists, err := databaseExists(c.ctx, d)
	if err != nil || exists {
		// Where the server's catalogue cannot be asked (no access to the
		// postgres database, say), the ordinary dry run says what it can.
		return false, nil
	}
	if d.Engine == "sqlite" && !create {
		if _, err := os.Stat(filepath.Dir(d.Database)); err != nil {
			return false, nil // the ordinary error points to --create-database
		}
	}
	res, err := c.filePlan(args, target)
	if err != nil {
		return true, err
	}
	what := "database " + d.Database
	if d.Engine == "sqlite" {
		what = "SQLite file " + d.Database
	}
	if asJSON {
		return true, c.out.json(runJSON(res))
	}
	c.out.printf("would create %s, which does not exist (dry run: nothing was created)\n", what)
	if len(res.Applied) == 0 {
		c.out.println("nothing to migrate")
		return true, nil
	}
	c.out.printPlan(res, "apply")
	return true, nil
}

// filePlan is the plan of migrating an empty database from the SQL files
// of the migrations directory, up to target or, with an argument, that
// migration alone (which must then be the first).
func (c *command) filePlan(args []string, target int64) (*sdk.Result, error) {
	res := &sdk.Result{DryRun: true, Batch: 1}
	has, err := hasSQL(c.cfg.Migrations)
	if err != nil || !has {
		return res, err
	}
	migs, err := embedfs.ReadMigrations(os.DirFS(c.cfg.Migrations))
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", c.display(c.cfg.Migrations), err)
	}
	if len(args) == 1 {
		target = 0
		for i, m := range migs {
			if fmt.Sprint(m.Version) == args[0] || m.Name == args[0] || fmt.Sprintf("%d_%s", m.Version, m.Name) == args[0] || m.File == args[0] {
				if i > 0 {
					return nil, fmt.Errorf("migrate %d applies that migration alone, but the database is new and %s before it; "+
						"run `migrate --to %d` to apply them all", m.Version, plural(i, "migration")+isAre(i)+" pending", m.Version)
				}
				target = m.Version
			}
		}
		if target == 0 {
			return nil, usagef("no migration has the version or name %q", args[0])
		}
	}
	for _, m := range migs {
		if m.Version > target {
			break
		}
		a := sdk.Applied{Version: m.Version, Name: m.Name, File: m.File, Direction: sdk.Up, SQL: []string{}}
		for _, s := range m.Up.Statements {
			a.SQL = append(a.SQL, s.SQL)
		}
		res.Applied = append(res.Applied, a)
	}
	return res, nil
}

// noTarget is the target of a migrate without --to.
const noTarget = int64(math.MaxInt64)

// databaseExists reports whether d's database exists, without creating
// anything: for SQLite whether its file exists, for a server whether
// its catalogue lists the database.
func databaseExists(ctx context.Context, d *DataSource) (bool, error) {
	if d.Engine == "sqlite" {
		if d.Database == ":memory:" {
			return true, nil
		}
		_, err := os.Stat(d.Database)
		if errors.Is(err, fs.ErrNotExist) {
			return false, nil
		}
		return err == nil, err
	}
	if d.Database == "" {
		return false, usagef("the database URL %s names no database", d)
	}
	admin, err := openDB(ctx, d, d.admin)
	if err != nil {
		return false, err
	}
	defer admin.Close()
	return serverHasDatabase(ctx, admin, d)
}
