package cli

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/hoistdb/hoist/sdk"
)

func (t *tree) migrateCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:     "migrate [version-or-name]",
		Aliases: []string{"migrate:run", "up"},
		GroupID: groupMigrate,
		Short:   "Apply pending migrations",
		Long: `Apply every pending migration, in version order, as one batch, under the
migration lock. With --to V, apply those up to and including version V.
With a version or a name, apply that one migration alone: it must be the
oldest pending one (use --to to apply the ones before it as well).`,
		Example: `  hoist migrate
  hoist migrate --dry-run
  hoist migrate --to 20261122093000
  hoist migrate create_users_table`,
		Args: maxArgs(1),
	}
	dry := cmd.Flags().Bool("dry-run", false, "print what would run, SQL included, and execute nothing")
	to := cmd.Flags().Int64("to", 0, "apply pending migrations up to and including this version")
	asJSON := jsonFlag(cmd)
	seed := seedFlag(cmd)
	var create *bool
	if t.fixed == nil {
		create = cmd.Flags().Bool("create-database", false, "create the database first when it does not exist (PostgreSQL, MySQL; for SQLite its directory); with --tenants, each tenant named")
	}
	t.fleetFlags(cmd, true)
	cmd.RunE = t.action(func(c *command, args []string) error {
		if fleet, err := c.onFleet(); err != nil {
			return err
		} else if fleet {
			if err := c.fleetRefuses(args); err != nil {
				return err
			}
			if c.cobra.Flags().Changed("to") && *seed {
				return argError("--seed runs after a full migrate: give it without --to")
			}
			if err := c.fleetNewFlags(*seed, create != nil && *create); err != nil {
				return err
			}
			if c.cobra.Flags().Changed("to") && *to <= 0 {
				return argError("--to %d: versions are positive", *to)
			}
			if *dry {
				return c.dryRunFleet(*asJSON, *to)
			}
			return c.migrateFleet(*asJSON, *to)
		}
		toSet := c.cobra.Flags().Changed("to")
		switch {
		case toSet && len(args) > 0:
			return argError("give a version or name, or --to, not both")
		case toSet && *to <= 0:
			return argError("--to %d: versions are positive", *to)
		}
		if *dry {
			target := noTarget
			if toSet {
				target = *to
			}
			if done, err := c.dryRunNewDatabase(create != nil && *create, *asJSON, args, target); done || err != nil {
				return err
			}
		} else if create != nil && *create {
			if err := c.createDatabase(); err != nil {
				return err
			}
		}
		c.readOnly = *dry
		m, err := c.migrator()
		if err != nil {
			return err
		}
		c.warnBroken()
		if len(m.Migrations()) == 0 && len(c.broken) == 0 {
			return c.noMigrations()
		}
		target := int64(math.MaxInt64)
		if toSet {
			target = *to
		}
		if len(args) == 1 {
			mig, err := findMigration(m, args[0])
			if err != nil {
				return err
			}
			if target, err = c.onlyTarget(m, mig); err != nil {
				return err
			}
			if target == 0 && *asJSON {
				return c.out.json(runJSON(&sdk.Result{DryRun: *dry}))
			}
			if target == 0 {
				c.out.printf("nothing to migrate: %d %s is applied already\n", mig.Version, mig.Name)
				return nil
			}
		}
		if *dry {
			res, err := planTo(c, m, target)
			if err != nil {
				return err
			}
			if *asJSON {
				return c.out.json(runJSON(res))
			}
			if len(res.Applied) == 0 {
				c.out.println("nothing to migrate: every migration is applied")
			} else {
				c.out.printPlan(res, "apply")
			}
			if *seed && len(m.Seeders()) == 0 {
				c.out.println("then no seeder would run: there are none")
			} else if *seed {
				c.out.printf("then would run the seeders: %s\n", strings.Join(m.Seeders(), ", "))
			}
			return nil
		}
		if err := c.goMigrationsAhead(m, target); err != nil {
			return err
		}
		if *seed && target == math.MaxInt64 && len(args) == 0 {
			up, err := c.upAndSeed(m, true, *asJSON)
			if err != nil || !*asJSON {
				return err
			}
			return c.out.json(struct {
				jsonRun
				Seed *seedReport `json:"seed"`
			}{runJSON(up.run), up.seed})
		}
		if *seed {
			return argError("--seed runs after a full migrate: give it without --to or a migration")
		}
		if c.out.live && !*asJSON {
			if plan, err := planTo(c, m, target); err == nil {
				c.progress.expect(plan.Applied)
			}
		}
		var res *sdk.Result
		if target == math.MaxInt64 {
			res, err = m.Up(c.ctx)
		} else {
			res, err = m.UpTo(c.ctx, target)
		}
		return c.finishRun(res, err, "migrated", "nothing to migrate: every migration is applied")
	})
	return cmd
}

// planTo is the plan of the run that migrate makes: Up's, or UpTo's when
// a target is set. A plan of Up cut down to the target would not do: a
// pending migration above the target can be out of order where UpTo
// runs nothing.
func planTo(c *command, m *sdk.Migrator, target int64) (*sdk.Result, error) {
	if target == math.MaxInt64 {
		return m.Plan(c.ctx)
	}
	return m.PlanTo(c.ctx, target)
}

// findMigration finds a migration by version, name, or file name.
func findMigration(m *sdk.Migrator, arg string) (*sdk.Migration, error) {
	var found []sdk.Migration
	v, numErr := strconv.ParseInt(arg, 10, 64)
	base := strings.TrimSuffix(strings.TrimSuffix(strings.TrimSuffix(arg, ".sql"), ".up"), ".go")
	for _, mig := range m.Migrations() {
		file := strings.TrimSuffix(strings.TrimSuffix(mig.File, ".sql"), ".up")
		switch {
		case numErr == nil && mig.Version == v,
			mig.Name == arg,
			file != "" && file == base,
			fmt.Sprintf("%d_%s", mig.Version, mig.Name) == base:
			found = append(found, mig)
		}
	}
	switch len(found) {
	case 0:
		return nil, usagef("no migration has the version or name %q", arg)
	case 1:
		return &found[0], nil
	}
	names := make([]string, len(found))
	for i, f := range found {
		names[i] = f.String()
	}
	return nil, usagef("%q names several migrations (%s): give the version", arg, strings.Join(names, ", "))
}

// onlyTarget checks that applying mig alone is what UpTo(mig.Version)
// does, and returns the version; 0 when mig is applied already.
func (c *command) onlyTarget(m *sdk.Migrator, mig *sdk.Migration) (int64, error) {
	st, err := m.Status(c.ctx)
	if err != nil {
		return 0, err
	}
	var before []string
	isPending := false
	for _, p := range st.Pending {
		switch {
		case p.Version == mig.Version:
			isPending = true
		case p.Version < mig.Version:
			before = append(before, fmt.Sprintf("%d %s", p.Version, p.Name))
		}
	}
	if !isPending {
		return 0, nil
	}
	if len(before) > 0 {
		return 0, fmt.Errorf("migrate %d applies that migration alone, but %s pending before it (%s); "+
			"run `migrate --to %d` to apply them all, or `migrate` to apply everything pending",
			mig.Version, plural(len(before), "migration")+isAre(len(before)), strings.Join(before, ", "), mig.Version)
	}
	return mig.Version, nil
}

func isAre(n int) string {
	if n == 1 {
		return " is"
	}
	return " are"
}

func (c *command) noMigrations() error {
	if c.tree.fixed != nil {
		return errors.New("the application has no migrations")
	}
	return fmt.Errorf("no migrations in %s: write one with `make:migration NAME`", c.display(c.cfg.Migrations))
}

func (c *command) createDatabase() error {
	d, err := c.cfg.dataSource()
	if err != nil {
		return err
	}
	created, err := createDatabase(c.ctx, d)
	if err != nil {
		return err
	}
	if created && !c.progress.quiet {
		c.out.printf("created database %s\n", d)
	}
	return nil
}

// finishRun prints what a run did, also when it failed half way, and
// returns its error.
func (c *command) finishRun(res *sdk.Result, err error, verb, nothing string) error {
	c.progress.finish(res)
	if err != nil {
		return err
	}
	if c.progress.quiet {
		return c.out.json(runJSON(res))
	}
	if len(res.Applied) == 0 {
		c.out.println(nothing)
		return nil
	}
	line := fmt.Sprintf("%s %s", verb, plural(len(res.Applied), "migration"))
	if verb == "migrated" {
		line += fmt.Sprintf(" in batch %d", res.Batch)
	}
	c.out.printf("%s in %s\n", c.out.paint(green, line), duration(res.Duration))
	return nil
}

func (t *tree) rollbackCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:     "migrate:rollback",
		Aliases: []string{"down"},
		GroupID: groupMigrate,
		Short:   "Roll back the last batch, or --step migrations, or to --to a version",
		Long: `Roll back the migrations of the last batch, newest first. --step=N rolls
back the N applied migrations with the highest versions instead, across
batches; --to V rolls back every migration above version V (0: all).
Nothing runs if one of them has no down.`,
		Example: `  hoist migrate:rollback
  hoist migrate:rollback --step=2 --dry-run
  hoist migrate:rollback --to 20261122093000`,
		Args: noArgs,
	}
	steps := cmd.Flags().Int("step", 0, "number of migrations to roll back, newest version first")
	to := cmd.Flags().Int64("to", 0, "roll back every migration above this version")
	dry := cmd.Flags().Bool("dry-run", false, "print what would run, SQL included, and execute nothing")
	asJSON := jsonFlag(cmd)
	force := forceFlag(cmd)
	t.rollbackFleetFlags(cmd)
	cmd.RunE = t.action(func(c *command, _ []string) error {
		stepSet, toSet := c.cobra.Flags().Changed("step"), c.cobra.Flags().Changed("to")
		switch {
		case stepSet && toSet:
			return argError("give --step or --to, not both")
		case stepSet && *steps <= 0:
			return argError("--step=%d: give a positive number of migrations", *steps)
		case toSet && *to < 0:
			return argError("--to %d: versions are not negative", *to)
		}
		if fleet, err := c.onFleet(); err != nil {
			return err
		} else if fleet {
			version := int64(-1) // --step or the last batch
			if toSet {
				version = *to
			}
			return c.rollbackFleet(*asJSON, *dry, *force, *steps, version)
		}
		c.readOnly = *dry
		m, err := c.migrator()
		if err != nil {
			return err
		}
		c.warnBroken()
		opts := sdk.RollbackOptions{Steps: *steps}
		plan := sdk.RollbackOptions{Steps: *steps, DryRun: true}
		if toSet {
			// RollbackTo has no dry run: roll back as many steps as there
			// are applied migrations above the version.
			if plan.Steps, err = countAbove(c, m, *to); err != nil {
				return err
			}
			if plan.Steps == 0 {
				return c.nothingToRollBack(*asJSON, *dry)
			}
		}
		if *dry {
			res, err := m.Rollback(c.ctx, plan)
			if err != nil {
				return err
			}
			if *asJSON {
				return c.out.json(runJSON(res))
			}
			if len(res.Applied) == 0 {
				return c.nothingToRollBack(false, true)
			}
			c.out.printPlan(res, "roll back")
			return nil
		}
		if err := c.guardPlan(m, plan, "migrate:rollback undoes migrations", *force); err != nil {
			return err
		}
		if c.out.live && !*asJSON {
			if res, err := m.Rollback(c.ctx, plan); err == nil {
				c.progress.expect(res.Applied)
			}
		}
		var res *sdk.Result
		if toSet {
			res, err = m.RollbackTo(c.ctx, *to)
		} else {
			res, err = m.Rollback(c.ctx, opts)
		}
		return c.finishRun(res, err, "rolled back", "nothing to roll back")
	})
	return cmd
}

func countAbove(c *command, m *sdk.Migrator, v int64) (int, error) {
	st, err := m.Status(c.ctx)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, list := range [][]sdk.MigrationStatus{st.Applied, st.Missing} {
		for _, s := range list {
			if s.Version > v {
				n++
			}
		}
	}
	return n, nil
}

func (c *command) nothingToRollBack(asJSON, dry bool) error {
	if asJSON {
		return c.out.json(runJSON(&sdk.Result{DryRun: dry}))
	}
	c.out.println("nothing to roll back")
	return nil
}

func (t *tree) redoCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:     "migrate:redo",
		GroupID: groupMigrate,
		Short:   "Roll back the newest migration and apply it again",
		Args:    noArgs,
	}
	jsonFlag(cmd)
	force := forceFlag(cmd)
	cmd.RunE = t.action(func(c *command, _ []string) error {
		m, err := c.migrator()
		if err != nil {
			return err
		}
		if err := c.guardPlan(m, sdk.RollbackOptions{Steps: 1}, "migrate:redo rolls back the newest migration and applies it again", *force); err != nil {
			return err
		}
		res, err := m.Redo(c.ctx)
		c.progress.finish(res)
		if err != nil {
			return err
		}
		if c.progress.quiet {
			return c.out.json(runJSON(res))
		}
		c.out.printf("%s in %s\n", c.out.paint(green, "redid "+redone(res)), duration(res.Duration))
		return nil
	})
	return cmd
}

func redone(res *sdk.Result) string {
	if len(res.Applied) == 0 {
		return "nothing"
	}
	a := res.Applied[len(res.Applied)-1]
	return fmt.Sprintf("%d %s", a.Version, a.Name)
}

func (t *tree) repairCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:     "migrate:repair",
		GroupID: groupMigrate,
		Short:   "Forget migrations recorded as failed, once the schema is put right by hand",
		Long: `A migration that fails half way on MySQL or MariaDB (or one that runs
without a transaction) leaves part of its changes behind and is recorded as
failed (as running, if it was killed); every later run stops until it is
repaired. Bring the schema by hand to where it is without the migration (undo
what a failed up did, or finish what a failed down began), then run
migrate:repair: it deletes the failed and running rows, so the migration is
pending and the next migrate runs it again.

With --checksums it does something else: it records the checksum of the
current text of every applied migration whose file was edited since, so
that the edit is accepted for good. It runs no SQL of the migrations: use
it for edits that change nothing in the database (comments, formatting),
or whose effect you brought to the database by hand.`,
		Args: noArgs,
	}
	asJSON := jsonFlag(cmd)
	checksums := cmd.Flags().Bool("checksums", false, "accept the edited text of applied migrations: record their checksums now")
	force := t.repairFleetFlags(cmd)
	cmd.RunE = t.action(func(c *command, _ []string) error {
		if fleet, err := c.onFleet(); err != nil {
			return err
		} else if fleet {
			if *checksums {
				return argError("--checksums works on one database, not with --tenants (%s): accept the edits tenant by tenant without --tenants", c.cfg.Tenants)
			}
			return c.repairFleet(*asJSON, *force)
		}
		if c.cobra.Flags().Changed("force") {
			return argError("--force works on a fleet: give --tenants PATTERN too")
		}
		m, err := c.migrator()
		if err != nil {
			return err
		}
		if *checksums {
			return c.acceptChecksums(m, *asJSON)
		}
		res, err := m.Repair(c.ctx)
		if err != nil {
			return err
		}
		if *asJSON {
			return c.out.json(struct {
				Removed []jsonEntry `json:"removed"`
			}{historyJSON(m.Table(), res.Removed, nil).Entries})
		}
		if len(res.Removed) == 0 {
			c.out.println("nothing to repair: no migration is recorded as failed")
			return nil
		}
		for _, e := range res.Removed {
			c.out.printf("forgot the failed record of %d %s\n", e.Version, e.Name)
		}
		c.out.println("migrate runs them again from the start")
		return nil
	})
	return cmd
}
