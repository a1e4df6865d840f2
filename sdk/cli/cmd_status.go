package cli

import (
	"bufio"
	"errors"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/hoistdb/hoist/embedfs"
	"github.com/hoistdb/hoist/sdk"
)

func (t *tree) statusCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:     "migrate:status",
		Aliases: []string{"status"},
		GroupID: groupMigrate,
		Short:   "List executed, pending, failed and missing migrations",
		Long: `List the executed migrations with their batch and when they were applied
(UTC), then the pending ones, then any recorded as failed or applied but no
longer in the sources, and a summary line. One query; takes no lock.

With --exit-code the command fails (exit status 1) when a migration is
pending or failed: a deploy gate.`,
		Example: `  hoist migrate:status
  hoist migrate:status --json
  hoist migrate:status --exit-code   # in CI or before a deploy`,
		Args: noArgs,
	}
	asJSON := jsonFlag(cmd)
	exitCode := cmd.Flags().Bool("exit-code", false, "exit with status 1 when a migration is pending or failed")
	t.fleetFlags(cmd, false)
	cmd.RunE = t.action(func(c *command, _ []string) error {
		c.readOnly = true
		if fleet, err := c.onFleet(); err != nil {
			return err
		} else if fleet {
			return c.statusFleet(*asJSON, *exitCode)
		}
		m, err := c.migrator()
		if err != nil {
			return err
		}
		st, err := m.Status(c.ctx)
		if err != nil {
			return err
		}
		st.Missing = withoutBroken(st.Missing, c.broken)
		if *asJSON {
			err = c.out.json(statusJSON(st, c.broken))
		} else {
			c.out.printStatus(st, c.broken)
		}
		if err == nil && *exitCode && len(st.Pending)+len(st.Failed)+len(c.broken) > 0 {
			var parts []string
			if n := len(st.Pending); n > 0 {
				parts = append(parts, plural(n, "migration")+" pending")
			}
			if n := len(st.Failed); n > 0 {
				parts = append(parts, plural(n, "migration")+" failed")
			}
			if n := len(c.broken); n > 0 {
				parts = append(parts, plural(n, "migration file")+" broken")
			}
			return silentError{strings.Join(parts, ", ")}
		}
		return err
	})
	return cmd
}

func (t *tree) historyCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:     "migrate:history",
		Aliases: []string{"history"},
		GroupID: groupMigrate,
		Short:   "Show the history table, or reset or delete it",
		Long: `Show the rows of the history table in the order they were written,
then the event log, oldest first: every apply, rollback, recorded failure,
repair and checksum acceptance, with who made it (database user, host,
process id, program). A rolled-back migration has no history row any more,
but its events stay.

--reset deletes every row and keeps the table and the event log; --delete
drops both.
Neither touches the schema, so afterwards every migration is pending and
the next migrate runs them all again: they are for a database whose schema
was rebuilt or baselined by other means. Both ask for confirmation on a
terminal; --force skips it, and is required when the input is not a
terminal.`,
		Example: `  hoist migrate:history
  hoist migrate:history --json
  hoist migrate:history --reset --force`,
		Args: noArgs,
	}
	asJSON := jsonFlag(cmd)
	reset := cmd.Flags().Bool("reset", false, "delete every history row, keep the table")
	del := cmd.Flags().Bool("delete", false, "drop the history table and the event log")
	force := cmd.Flags().Bool("force", false, "do not ask for confirmation")
	cmd.RunE = t.action(func(c *command, _ []string) error {
		n := 0
		for _, b := range []bool{*asJSON, *reset, *del} {
			if b {
				n++
			}
		}
		if n > 1 {
			return argError("give one of --json, --reset and --delete")
		}
		c.readOnly = !*reset && !*del
		m, err := c.migrator()
		if err != nil {
			return err
		}
		c.warnBroken()
		h, err := m.History(c.ctx)
		if err != nil {
			return err
		}
		var ev []sdk.HistoryEvent
		if !*reset && !*del {
			if ev, err = m.Events(c.ctx); err != nil {
				return err
			}
		}
		switch {
		case *asJSON:
			return c.out.json(historyJSON(m.Table(), h, ev))
		case *reset:
			what := fmt.Sprintf("This deletes the %s of %s and keeps its event log; the schema stays as it is, and the next migrate runs every migration again.",
				plural(len(h), "row"), m.Table())
			if err := c.confirm(what, "--reset", *force); err != nil {
				return err
			}
			if err := m.ResetHistory(c.ctx); err != nil {
				return err
			}
			c.out.printf("reset %s: deleted %s; the schema is unchanged\n", m.Table(), plural(len(h), "row"))
		case *del:
			what := fmt.Sprintf("This drops the history table %s (%s) and its event log %s; the schema stays as it is, and the next migrate runs every migration again.",
				m.Table(), plural(len(h), "row"), sdk.EventsTable(m.Table()))
			if err := c.confirm(what, "--delete", *force); err != nil {
				return err
			}
			if err := m.DeleteHistory(c.ctx); err != nil {
				return err
			}
			c.out.printf("dropped %s; the schema is unchanged\n", m.Table())
		default:
			c.out.printHistory(m.Table(), h)
			c.out.println("")
			c.out.printEvents(sdk.EventsTable(m.Table()), ev)
		}
		return nil
	})
	return cmd
}

// confirm asks on a terminal for "yes"; off a terminal it refuses
// unless force is set.
func (c *command) confirm(what, flag string, force bool) error {
	if force {
		return nil
	}
	in := c.cobra.InOrStdin()
	if !c.tree.terminal(in) {
		return usagef("%s needs confirmation, and the input is not a terminal: add --force", flag)
	}
	fmt.Fprintf(c.out.errw, "%s\nType yes to go on: ", what)
	line, _ := bufio.NewReader(in).ReadString('\n')
	if strings.TrimSpace(line) != "yes" {
		return errors.New("not confirmed; nothing changed")
	}
	return nil
}

func (t *tree) validateCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:     "validate",
		GroupID: groupMigrate,
		Short:   "Check the migration files and the history: parse errors, checksums, order",
		Long: `Check that every migration and seed file parses, that no applied migration
was edited since (checksums), that no failed migration waits for repair,
and that no pending migration is older than the newest applied one unless
out-of-order is allowed. Exits with status 1 on any problem.`,
		Args: noArgs,
	}
	asJSON := jsonFlag(cmd)
	scratch := new(bool)
	if t.fixed == nil {
		scratch = cmd.Flags().Bool("scratch", false, "also apply every migration and roll it back in a throwaway database of the configured engine")
	}
	cmd.RunE = t.action(func(c *command, _ []string) error {
		type report struct {
			OK         bool           `json:"ok"`
			Migrations int            `json:"migrations"`
			Seeders    int            `json:"seeders"`
			Problems   []string       `json:"problems"`
			Scratch    *scratchReport `json:"scratch"`
		}
		r := report{Problems: []string{}}
		c.readOnly = true // broken migration files are problems to list
		m, err := c.migrator()
		var fileErr *embedfs.Error
		switch {
		case err != nil && errors.As(err, &fileErr):
			r.Problems = problems(err)
		case err != nil:
			return err
		default:
			for _, b := range c.broken {
				r.Problems = append(r.Problems, b.String())
			}
			r.Migrations, r.Seeders = len(m.Migrations())+len(c.broken), len(m.Seeders())
			if err := m.Validate(c.ctx); err != nil {
				r.Problems = append(r.Problems, problems(err)...)
			}
			if *scratch {
				rep, probs, err := c.scratch()
				if err != nil {
					return err
				}
				r.Scratch = rep
				for _, p := range probs {
					r.Problems = append(r.Problems, "scratch database: "+strings.TrimPrefix(p, "hoist: "))
				}
			}
		}
		r.OK = len(r.Problems) == 0
		for i, p := range r.Problems {
			r.Problems[i] = c.inVocabulary(p)
		}
		if *asJSON {
			if err := c.out.json(r); err != nil {
				return err
			}
		} else if r.OK {
			c.out.printf("%s: %s and %s, consistent with the history\n", c.out.paint(green, "ok"),
				plural(r.Migrations, "migration"), plural(r.Seeders, "seeder"))
			if s := r.Scratch; s != nil {
				line := fmt.Sprintf("%s: applied %s and rolled back %d on a scratch %s database",
					c.out.paint(green, "ok"), plural(s.Applied, "migration"), s.RolledBack, s.Engine)
				if s.Irreversible != "" {
					line += fmt.Sprintf(" (the rollback stopped at %s, which has no down)", s.Irreversible)
				}
				c.out.println(line)
			}
		} else {
			for _, p := range r.Problems {
				c.out.printf("%s %s\n", c.out.paint(red, "problem:"), c.inVocabulary(strings.TrimPrefix(p, "hoist: ")))
			}
		}
		if !r.OK {
			return silentError{fmt.Sprintf("validate found %s", plural(len(r.Problems), "problem"))}
		}
		return nil
	})
	return cmd
}

// problems splits a joined error into its messages.
func problems(err error) []string {
	var out []string
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		for _, e := range j.Unwrap() {
			out = append(out, problems(e)...)
		}
		return out
	}
	for _, l := range strings.Split(err.Error(), "\n") {
		if l = strings.TrimSpace(l); l != "" {
			out = append(out, l)
		}
	}
	return out
}
