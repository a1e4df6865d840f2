package cli

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/hoistdb/hoist/sdk/schema"
)

// drift is what migrate:drift --json prints.
type drift struct {
	Drifted     bool     `json:"drifted"`
	Version     int64    `json:"version"`
	Differences []string `json:"differences"`
	SQL         []string `json:"sql"`
}

func (t *tree) driftCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:     "migrate:drift",
		GroupID: groupMigrate,
		Short:   "Compare the database with what its applied migrations make",
		Long: `Replay the applied migrations (up to the newest applied version) into a scratch
database on the same server (a temporary file for SQLite), dropped afterwards,
and compare its schema with the database's: a table, column, index, foreign
key or enum changed by hand shows as a difference, with the SQL that would
make the database what the migrations say. Comments and check constraints
are not compared. Exit status 1 when they differ, 0 when they agree.`,
		Example: `  hoist migrate:drift
  hoist migrate:drift --json`,
		Args: noArgs,
	}
	asJSON := jsonFlag(cmd)
	cmd.RunE = t.action(func(c *command, _ []string) error {
		if c.tree.fixed != nil {
			return usagef("migrate:drift runs in the hoist command, which can replay the migrations in a scratch database")
		}
		d, err := c.cfg.dataSource()
		if err != nil {
			return err
		}
		m, err := c.migrator()
		if err != nil {
			return err
		}
		st, err := m.Status(c.ctx)
		if err != nil {
			return err
		}
		out := drift{Differences: []string{}, SQL: []string{}}
		upTo := int64(-1)
		if n := len(st.Applied); n > 0 {
			upTo = st.Applied[n-1].Version
			out.Version = upTo
		}
		live, _, err := c.cfg.Open(c.ctx)
		if err != nil {
			return err
		}
		scratch, drop, err := c.replay(upTo)
		if drop != nil {
			defer drop()
		}
		if err != nil {
			return err
		}
		want, err := schema.Inspect(c.ctx, scratch, d.Dialect, c.cfg.Table, c.cfg.Table+"_seeds")
		if err != nil {
			return err
		}
		got, err := schema.Inspect(c.ctx, live, d.Dialect, c.cfg.Table, c.cfg.Table+"_seeds")
		if err != nil {
			return err
		}
		cs, err := schema.Diff(want, got, schema.DiffOptions{DropTables: true, NoRenameDetection: true})
		if err != nil {
			return fmt.Errorf("the database differs from its migrations in a way hoist cannot write SQL for: %w", err)
		}
		if !cs.Empty() {
			script, err := cs.Render(d.Dialect)
			if err != nil {
				return err
			}
			out.Drifted, out.SQL = true, script.Up
			for _, ch := range cs.Up {
				out.Differences = append(out.Differences, describeChange(ch))
			}
		}
		if *asJSON {
			if err := c.out.json(out); err != nil {
				return err
			}
		} else if !out.Drifted {
			c.out.println("no drift: the database is what its migrations make")
		} else {
			c.out.printf("the database differs from what its migrations make (up to %d):\n", out.Version)
			for _, d := range out.Differences {
				c.out.printf("  %s\n", d)
			}
			c.out.printf("\nSQL that makes the database what the migrations say:\n")
			for _, st := range out.SQL {
				c.out.printf("%s;\n", st)
			}
		}
		if out.Drifted {
			return silentError{fmt.Sprintf("drift: %d difference(s)", len(out.Differences))}
		}
		return nil
	})
	return cmd
}

// describeChange says what a change of the reconciling SQL makes good,
// in the words of the database that drifted.
func describeChange(c schema.Change) string {
	w := func(format string, args ...any) string { return fmt.Sprintf(format, args...) }
	switch c := c.(type) {
	case schema.CreateTable:
		return w("table %s is missing", c.Table.Name)
	case schema.DropTable:
		return w("table %s is not in the migrations", c.Name)
	case schema.AddColumn:
		return w("column %s.%s is missing", c.Table, c.Column.Name)
	case schema.DropColumn:
		return w("column %s.%s is not in the migrations", c.Table, c.Column)
	case schema.ChangeColumn:
		return w("column %s.%s differs (the migrations make it %s)", c.Table, c.Column.Name, c.Column.String())
	case schema.RenameColumn:
		return w("column %s.%s is called %s in the migrations", c.Table, c.From, c.To)
	case schema.AddIndex:
		return w("index %s on %s is missing", c.Index.Name, c.Table)
	case schema.DropIndex:
		return w("index %s on %s is not in the migrations", c.Name, c.Table)
	case schema.AddForeignKey:
		return w("foreign key %s on %s is missing or differs", c.ForeignKey.Name, c.Table)
	case schema.DropForeignKey:
		return w("foreign key %s on %s is not in the migrations or differs", c.Name, c.Table)
	case schema.CreateEnum:
		return w("enum %s is missing", c.Enum.Name)
	case schema.AddEnumValue:
		return w("enum %s lacks member %s", c.Enum, c.Value)
	case schema.DropEnum:
		return w("enum %s is not in the migrations", c.Name)
	}
	return fmt.Sprintf("%T", c)
}
