package cli

import (
	"fmt"

	"github.com/spf13/cobra"
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
		Long: `Replay the applied migrations (up to the newest applied version) in a scratch
place reached through the database's own connection, removed afterwards (a
schema of its own on PostgreSQL, a database on MySQL/MariaDB, :memory: for
SQLite), and compare its schema with the database's: a table, column, index,
foreign key or enum changed by hand shows as a difference, with the SQL that
would make the database what the migrations say. Comments and check
constraints are not compared. Exit status 1 when they differ, 0 when they
agree.`,
		Example: `  hoist migrate:drift
  hoist migrate:drift --json`,
		Args: noArgs,
	}
	asJSON := jsonFlag(cmd)
	cmd.RunE = t.action(func(c *command, _ []string) error {
		m, err := c.migrator()
		if err != nil {
			return err
		}
		d, err := m.Drift(c.ctx)
		if err != nil {
			return err
		}
		out := drift{Drifted: d.Drifted, Version: d.Version, Differences: d.Differences, SQL: d.SQL}
		if *asJSON {
			if err := c.out.json(out); err != nil {
				return err
			}
		} else if !d.Drifted {
			c.out.println(d.String())
		} else {
			c.out.printf("%s", d)
		}
		if out.Drifted {
			return silentError{fmt.Sprintf("drift: %d difference(s)", len(out.Differences))}
		}
		return nil
	})
	return cmd
}
