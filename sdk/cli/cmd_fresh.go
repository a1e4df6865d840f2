package cli

import (
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/hoistdb/hoist/sdk"
)

// The Laravel conveniences: db:wipe, migrate:fresh, migrate:reset and
// migrate:refresh. Each asks before it acts on a target that looks like
// production (see production), and --force skips the question.

func forceFlag(cmd *cobra.Command) *bool {
	return cmd.Flags().Bool("force", false, "do not ask for confirmation when the target looks like production")
}

func seedFlag(cmd *cobra.Command) *bool {
	return cmd.Flags().Bool("seed", false, "run every seeder after migrating")
}

func (t *tree) wipeCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:     "db:wipe",
		GroupID: groupData,
		Short:   "Drop every table, view and type of the database, the history included",
		Long: `Drop every table and view of the database, and on PostgreSQL the sequences
and types of the current schema, the history table included, under the
migration lock. Objects that belong to an extension stay. Asks for
confirmation when the target looks like production (docs/command.md).`,
		Args: noArgs,
	}
	force, asJSON := forceFlag(cmd), jsonFlag(cmd)
	cmd.RunE = t.action(func(c *command, _ []string) error {
		if err := c.guard("db:wipe drops every table, view and type of "+c.targetName()+".", *force); err != nil {
			return err
		}
		m, err := c.migrator()
		if err != nil {
			return err
		}
		list, err := c.wipe(m)
		if err != nil {
			return err
		}
		if *asJSON {
			return c.out.json(wipeJSON{Dropped: append([]dropped{}, list...)})
		}
		c.printWiped(list)
		return nil
	})
	return cmd
}

type wipeJSON struct {
	Dropped []dropped `json:"dropped"`
}

func (c *command) printWiped(list []dropped) {
	if len(list) == 0 {
		c.out.println("nothing to drop: the database is empty")
		return
	}
	names := make([]string, len(list))
	for i, o := range list {
		names[i] = o.Name
	}
	c.out.printf("dropped %s: %s\n", plural(len(list), "object"), strings.Join(names, ", "))
}

// targetName names the database for a question.
func (c *command) targetName() string {
	if c.tree.fixed != nil {
		return "the application's database"
	}
	if d, err := c.cfg.dataSource(); err == nil {
		return d.String()
	}
	return "the database"
}

func (t *tree) freshCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:     "migrate:fresh",
		GroupID: groupMigrate,
		Short:   "Drop every table (db:wipe), then apply every migration",
		Long: `Drop every table and view of the database as db:wipe does, then apply
every migration as migrate does; with --seed, run the seeders after.
Rollbacks are not used, so migrations without a down are fine. Asks for
confirmation when the target looks like production (docs/command.md).`,
		Args: noArgs,
	}
	force, seed, asJSON := forceFlag(cmd), seedFlag(cmd), jsonFlag(cmd)
	cmd.RunE = t.action(func(c *command, _ []string) error {
		if err := c.guard("migrate:fresh drops every table, view and type of "+c.targetName()+", then migrates.", *force); err != nil {
			return err
		}
		m, err := c.migrator()
		if err != nil {
			return err
		}
		list, err := c.wipe(m)
		if err != nil {
			return err
		}
		if !*asJSON {
			c.printWiped(list)
		}
		up, err := c.upAndSeed(m, *seed, *asJSON)
		if err != nil {
			return err
		}
		if *asJSON {
			return c.out.json(freshJSON{Dropped: append([]dropped{}, list...), Migrate: runJSON(up.run), Seed: up.seed})
		}
		return nil
	})
	return cmd
}

type freshJSON struct {
	Dropped []dropped   `json:"dropped"`
	Migrate jsonRun     `json:"migrate"`
	Seed    *seedReport `json:"seed"`
}

func (t *tree) resetCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:     "migrate:reset",
		GroupID: groupMigrate,
		Short:   "Roll back every applied migration",
		Long: `Roll back every applied migration, newest first, as migrate:rollback --to 0
does. Nothing runs if one of them has no down. Asks for confirmation when
the target looks like production (docs/command.md).`,
		Args: noArgs,
	}
	force := forceFlag(cmd)
	jsonFlag(cmd) // finishRun prints the run document under --json
	cmd.RunE = t.action(func(c *command, _ []string) error {
		m, err := c.migrator()
		if err != nil {
			return err
		}
		if err := c.guardRollback(m, 0, "migrate:reset rolls back every applied migration", *force); err != nil {
			return err
		}
		res, err := m.RollbackTo(c.ctx, 0)
		return c.finishRun(res, err, "rolled back", "nothing to roll back")
	})
	return cmd
}

func (t *tree) refreshCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:     "migrate:refresh",
		GroupID: groupMigrate,
		Short:   "Roll back every migration, then apply them all again",
		Long: `Roll back every applied migration as migrate:reset does, then apply every
migration as migrate does; with --seed, run the seeders after. Asks for
confirmation when the target looks like production (docs/command.md).`,
		Args: noArgs,
	}
	force, seed, asJSON := forceFlag(cmd), seedFlag(cmd), jsonFlag(cmd)
	cmd.RunE = t.action(func(c *command, _ []string) error {
		m, err := c.migrator()
		if err != nil {
			return err
		}
		if err := c.guardRollback(m, 0, "migrate:refresh rolls back every applied migration, then migrates", *force); err != nil {
			return err
		}
		down, err := m.RollbackTo(c.ctx, 0)
		if *asJSON {
			c.progress.finish(down)
		} else if ferr := c.finishRun(down, err, "rolled back", "nothing to roll back"); ferr != nil {
			return ferr
		}
		if err != nil {
			return err
		}
		up, err := c.upAndSeed(m, *seed, *asJSON)
		if err != nil {
			return err
		}
		if *asJSON {
			return c.out.json(refreshJSON{Reset: runJSON(down), Migrate: runJSON(up.run), Seed: up.seed})
		}
		return nil
	})
	return cmd
}

type refreshJSON struct {
	Reset   jsonRun     `json:"reset"`
	Migrate jsonRun     `json:"migrate"`
	Seed    *seedReport `json:"seed"`
}

// guardRollback asks before rolling back to version on a target that looks
// like production, listing what would be undone.
func (c *command) guardRollback(m *sdk.Migrator, version int64, what string, force bool) error {
	if prod, _ := c.production(); !prod || force {
		return nil
	}
	n, err := countAbove(c, m, version)
	if err != nil || n == 0 {
		return err
	}
	return c.guardPlan(m, sdk.RollbackOptions{Steps: n}, what, force)
}

// guardPlan asks before the rollback opts on a target that looks like
// production, listing the migrations it would undo; nothing to undo
// needs no question.
func (c *command) guardPlan(m *sdk.Migrator, opts sdk.RollbackOptions, what string, force bool) error {
	if prod, _ := c.production(); !prod || force {
		return nil
	}
	opts.DryRun = true
	plan, err := m.Rollback(c.ctx, opts)
	if err != nil || len(plan.Applied) == 0 {
		return err
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%s; it would roll back %s:", what, plural(len(plan.Applied), "migration"))
	for _, a := range plan.Applied {
		fmt.Fprintf(&b, "\n  down %d %s", a.Version, a.Name)
	}
	return c.guard(b.String(), force)
}

// upResult is what upAndSeed did.
type upResult struct {
	run  *sdk.Result
	seed *seedReport
}

// upAndSeed migrates, and seeds when seed is set, printing as migrate and
// seed do unless asJSON.
func (c *command) upAndSeed(m *sdk.Migrator, seed, asJSON bool) (upResult, error) {
	var out upResult
	if len(m.Migrations()) == 0 {
		return out, c.noMigrations()
	}
	if c.out.live && !asJSON {
		if plan, err := m.Plan(c.ctx); err == nil {
			c.progress.expect(plan.Applied)
		}
	}
	res, err := m.Up(c.ctx)
	out.run = res
	if asJSON {
		c.progress.finish(res)
		if err != nil {
			return out, err
		}
	} else if err := c.finishRun(res, err, "migrated", "nothing to migrate: every migration is applied"); err != nil {
		return out, err
	}
	if !seed {
		return out, nil
	}
	sr, err := m.Seed(c.ctx)
	if err != nil {
		return out, err
	}
	r := seedReport{Ran: []seedRun{}, Skipped: append([]string{}, sr.Skipped...)}
	for _, s := range sr.Ran {
		r.Ran = append(r.Ran, seedRun{Name: s.Name, File: s.File, DurationMS: ms(s.Duration)})
	}
	out.seed = &r
	if !asJSON {
		c.printSeeds(sr)
	}
	return out, nil
}

func (c *command) printSeeds(res *sdk.SeedResult) {
	for _, s := range res.Ran {
		c.out.printf("  %s %s %s\n", c.out.paint(green, "seeded "), s.Name, c.out.paint(dim, "("+duration(s.Duration)+")"))
	}
	for _, s := range res.Skipped {
		c.out.printf("  %s %s %s\n", c.out.paint(dim, "skipped"), s, c.out.paint(dim, "(once, ran before)"))
	}
	c.out.printf("ran %s, skipped %d\n", plural(len(res.Ran), "seeder"), len(res.Skipped))
}
