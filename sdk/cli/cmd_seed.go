package cli

import (
	"slices"
	"strings"

	"github.com/spf13/cobra"
)

func (t *tree) seedCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:     "seed [name...]",
		GroupID: groupData,
		Short:   "Run the seeders, or only the ones named",
		Long: `Run every seeder in name order, or only the ones named, each in its own
transaction, under the migration lock. A seeder marked once (-- +hoist once)
runs the first time only; the others run at every call.`,
		Example: `  hoist seed
  hoist seed 10_admin 20_demo_users`,
	}
	asJSON := jsonFlag(cmd)
	t.seedFleetFlags(cmd)
	cmd.RunE = t.action(func(c *command, names []string) error {
		if fleet, err := c.onFleet(); err != nil {
			return err
		} else if fleet {
			return c.seedFleet(*asJSON, names)
		}
		m, err := c.migrator()
		if err != nil {
			return err
		}
		if len(m.Seeders()) == 0 {
			if len(names) > 0 {
				return usagef("there are no seeders, so none named %q", names[0])
			}
			if *asJSON {
				return c.out.json(seedReport{Ran: []seedRun{}, Skipped: []string{}})
			}
			c.out.printf("no seeders: add <name>.sql files to %s, or run `make:seeder NAME`\n", c.display(c.cfg.Seeds))
			return nil
		}
		for _, n := range names {
			if !slices.Contains(m.Seeders(), n) {
				return usagef("no seeder is named %q; the seeders are %s", n, strings.Join(m.Seeders(), ", "))
			}
		}
		res, err := m.Seed(c.ctx, names...)
		if err != nil {
			return err
		}
		if *asJSON {
			r := seedReport{Ran: []seedRun{}, Skipped: []string{}}
			for _, s := range res.Ran {
				r.Ran = append(r.Ran, seedRun{Name: s.Name, File: s.File, DurationMS: ms(s.Duration)})
			}
			r.Skipped = append(r.Skipped, res.Skipped...)
			return c.out.json(r)
		}
		for _, s := range res.Ran {
			c.out.printf("  %s %s %s\n", c.out.paint(green, "seeded "), s.Name, c.out.paint(dim, "("+duration(s.Duration)+")"))
		}
		for _, s := range res.Skipped {
			c.out.printf("  %s %s %s\n", c.out.paint(dim, "skipped"), s, c.out.paint(dim, "(once, ran before)"))
		}
		c.out.printf("ran %s, skipped %d\n", plural(len(res.Ran), "seeder"), len(res.Skipped))
		return nil
	})
	return cmd
}

type seedReport struct {
	Ran     []seedRun `json:"ran"`
	Skipped []string  `json:"skipped"`
}

type seedRun struct {
	Name       string  `json:"name"`
	File       string  `json:"file"`
	DurationMS float64 `json:"duration_ms"`
}
