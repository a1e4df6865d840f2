package cli

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/hoistdb/hoist/sdk"
)

// migrate --tenants and migrate:status --tenants: the same commands on a
// fleet of tenants (fleet.go builds it). Their JSON documents are in
// docs/command.md.

// migrateFleet runs every tenant's pending migrations (up to version
// to, when it is not 0), printing a line per tenant as it ends and a
// summary; the failed tenants are listed with their errors in the
// command's error.
func (c *command) migrateFleet(asJSON bool, to int64) error {
	return c.runFleet(asJSON, opMigrate, nil, func(f fleetRunner) (*sdk.FleetResult, error) {
		if to > 0 {
			return f.UpTo(c.ctx, to)
		}
		return f.Up(c.ctx)
	})
}

// runFleet builds the fleet, calls before with it (a guard; nil for
// none), and runs it with run, printing a line per tenant as it ends and
// the summary of op, or the JSON document; the failed tenants are listed
// with their errors in the command's error.
func (c *command) runFleet(asJSON bool, op fleetOp, before func(fleetRunner) error, run func(fleetRunner) (*sdk.FleetResult, error)) error {
	c.progress.mu.Lock()
	c.progress.run = op
	c.progress.mu.Unlock()
	f, err := c.buildFleet(c.progress.tenantDone)
	if err != nil {
		return err
	}
	c.warnBroken()
	if before != nil {
		if err := before(f); err != nil {
			return err
		}
	}
	created, err := c.createTenants(f) // none but for migrate --create-database
	if err != nil {
		return err
	}
	c.progress.startFleet()
	res, err := run(f)
	c.progress.mu.Lock()
	c.progress.clearLive()
	c.progress.flushUpToDate()
	c.progress.mu.Unlock()
	c.progress.finish(nil)
	if err != nil && res.Count(sdk.TargetNotReached) == len(res.Targets) {
		return err // listing or reading the tenants failed: nothing ran
	}
	if len(res.Targets) == 0 {
		return c.noTenants("nothing was " + op.past)
	}
	if asJSON {
		run := fleetRunJSON(c.cfg.Tenants, c.serverNames(), res, c.tenantError)
		for i := range run.Tenants {
			run.Tenants[i].Created = created[run.Tenants[i].Tenant]
		}
		var doc any = run
		switch {
		case op.rollback:
			doc = fleetRollbackJSON(c.cfg.Tenants, c.serverNames(), res, c.tenantError)
		case op.seedOnly:
			doc = fleetSeedOnlyJSON(c.cfg.Tenants, c.serverNames(), res, c.tenantError)
		case op.repair:
			doc = fleetRepairJSON(c.cfg.Tenants, c.cfg.Table, c.serverNames(), res, c.tenantError)
		}
		if jerr := c.out.json(doc); jerr != nil {
			return jerr
		}
	} else {
		c.out.println(c.fleetSummary(res, op))
	}
	if err == nil {
		return nil
	}
	return c.fleetError(res, err, op)
}

// fleetOp is what a fleet run does to each tenant, in the words of its
// output: migrate --tenants applies migrations, migrate:rollback
// --tenants rolls them back, seed --tenants runs seeders,
// migrate:repair --tenants forgets failed migrations.
type fleetOp struct {
	rollback bool
	seedOnly bool
	repair   bool
	changed  sdk.TargetState // the state of a tenant the run changed
	done     string          // what the run did to such a tenant: applied
	// unchanged counts the tenants the run left as they were, in the
	// summary: "up to date"
	unchanged string
	// each is the line of one such tenant: "up to date"
	each  string
	doing string // migrating
	does  string // migrates
	past  string // nothing was migrated
}

var (
	opMigrate  = fleetOp{changed: sdk.TargetApplied, done: "applied", unchanged: "up to date", each: "up to date", doing: "migrating", does: "migrates", past: "migrated"}
	opRollback = fleetOp{rollback: true, changed: sdk.TargetRolledBack, done: "rolled back", unchanged: "with nothing to roll back",
		each: "nothing to roll back", doing: "rolling back", does: "rolls back", past: "rolled back"}
)

// op is the fleetOp of the fleet's run, whose words its lines use. The
// caller holds pr.mu.
func (pr *progress) op() fleetOp {
	if pr.run.done == "" {
		return opMigrate
	}
	return pr.run
}

// fleetSummary is the last line of migrate --tenants (and of
// migrate:rollback --tenants, in op's words).
func (c *command) fleetSummary(res *sdk.FleetResult, op fleetOp) string {
	parts := []string{fmt.Sprintf("%d %s", res.Count(op.changed), op.done), fmt.Sprintf("%d %s", res.Count(sdk.TargetUpToDate), op.unchanged)}
	if n := res.Count(sdk.TargetFailed); n > 0 {
		parts = append(parts, fmt.Sprintf("%d failed", n))
	}
	if n := res.Count(sdk.TargetNotReached); n > 0 {
		parts = append(parts, fmt.Sprintf("%d not reached", n))
	}
	if c.fleetSeed {
		parts = append(parts, fmt.Sprintf("seeders ran on %d", seededTenants(res)))
	}
	head := fmt.Sprintf("%s matching %s", plural(len(res.Targets), "tenant"), c.cfg.Tenants)
	if n := len(c.serverNames()); n > 1 {
		head += fmt.Sprintf(" on %d servers", n)
	}
	sgr := green
	if res.Count(sdk.TargetFailed)+res.Count(sdk.TargetNotReached) > 0 {
		sgr = red
	}
	return fmt.Sprintf("%s in %s: %s", c.out.paint(sgr, head), duration(res.Duration), strings.Join(parts, ", "))
}

// fleetError lists the failed tenants with their errors, each on a line
// of its own, and says why tenants were not reached.
func (c *command) fleetError(res *sdk.FleetResult, err error, op fleetOp) error {
	failed := res.Count(sdk.TargetFailed)
	var lines []string
	if failed > 0 {
		lines = append(lines, fmt.Sprintf("%d of %s failed:", failed, plural(len(res.Targets), "tenant")))
	}
	for _, t := range res.Targets {
		if t.State == sdk.TargetFailed {
			lines = append(lines, tenantName(t.Server, t.Target)+": "+c.tenantError(t.Target, t.Err))
		}
	}
	if n := res.Count(sdk.TargetNotReached); n > 0 {
		why := "the run was interrupted"
		if c.ctx.Err() == nil && c.cfg.FailurePolicy == sdk.FleetStopAtFirst {
			why = "the run stops at the first failure (--on-failure stop); --on-failure continue " + op.does + " the others"
		}
		lines = append(lines, fmt.Sprintf("%s not reached: %s", plural(n, "tenant"), why))
	}
	if len(lines) == 0 { // an error no tenant accounts for
		return err
	}
	if ctxErr := c.ctx.Err(); ctxErr != nil {
		return errors.Join(errors.New(strings.Join(lines, "\n")), context.Cause(c.ctx))
	}
	return errors.New(strings.Join(lines, "\n"))
}

// serverNames names the servers of a fleet over several servers, in
// order; nil for a fleet of one server, whose output does not name it.
func (c *command) serverNames() []string {
	if len(c.cfg.Servers) < 2 {
		return nil
	}
	var names []string
	for _, u := range c.cfg.Servers {
		names = append(names, serverName(u))
	}
	return names
}

// dirtyDetail is the parenthesised detail of each dirty migration in
// ErrDirty's message (when it started, what may have stopped it).
var dirtyDetail = regexp.MustCompile(` \([^)]*\)`)

// tenantName is a tenant in the output: its name, after its server's in
// a fleet over several servers.
func tenantName(server, target string) string {
	if server == "" {
		return target
	}
	return server + " " + target
}

// tenantError is the message of a tenant's failure, on one line. A
// tenant that does not exist is told what to do from the command rather
// than from the sdk: one that --tenants names in a list was misspelt or
// is yet to be created; one a pattern matched vanished between listing
// and migrating. A dirty tenant is told to repair it with
// migrate:repair --tenants (fleetAdvice).
func (c *command) tenantError(target string, err error) string {
	if errors.Is(err, sdk.ErrNoTarget) {
		if strings.Contains(c.cfg.Tenants, ",") && slices.Contains(c.newTenants(), target) {
			return fmt.Sprintf("does not exist: check the name in --tenants %s, or create it (%s migrate --tenants %s --create-database)",
				c.cfg.Tenants, c.tree.name, target)
		}
		cmd := "migrate"
		if c.cobra != nil {
			cmd = c.cobra.Name() // seed, migrate:rollback
		}
		return fmt.Sprintf("does not exist any more (dropped after it was listed?): create it again, then run %s %s --tenants %s again; or leave it out of the pattern",
			c.tree.name, cmd, c.cfg.Tenants)
	}
	if errors.Is(err, sdk.ErrDirty) || strings.Contains(err.Error(), "migrate:repair") {
		return c.fleetAdvice(target, oneLine(err))
	}
	return oneLine(err)
}

// oneLine is an error's message on one line, without the engine's
// "hoist: " prefixes.
func oneLine(err error) string {
	var parts []string
	for _, l := range strings.Split(err.Error(), "\n") {
		if l = strings.TrimPrefix(strings.TrimSpace(l), "hoist: "); l != "" {
			parts = append(parts, l)
		}
	}
	return strings.Join(parts, "; ")
}

// tenantDone prints the line of a tenant that ended (WithFleetProgress):
// "[ 3/20] tenant_03 applied 4 migrations (12.3ms)". The tenants that
// the fleet's first reading found up to date, reported first, together,
// make one line: "[987/1000] 987 tenants up to date".
func (pr *progress) tenantDone(t sdk.TargetResult, done, total int) {
	pr.mu.Lock()
	defer pr.mu.Unlock()
	if pr.quiet {
		return
	}
	pr.clearLive()
	if t.State == sdk.TargetUpToDate && t.Result == nil {
		pr.upToDate++
		pr.lastDone, pr.lastTotal = done, total
	} else {
		pr.flushUpToDate()
		pr.p.println(pr.count(done, total) + " " + tenantName(t.Server, t.Target) + " " + pr.tenantState(t))
	}
	if done < total {
		count := pr.count(done, total)
		doing := pr.op().doing
		pr.current = func(d time.Duration) string {
			return count + " " + pr.p.paint(dim, doing+" the other tenants … "+elapsed(d))
		}
		pr.showLive()
	} else {
		pr.current = nil
	}
}

// count is "[ 3/20]", dim.
func (pr *progress) count(done, total int) string {
	return pr.p.paint(dim, fmt.Sprintf("[%*d/%d]", len(fmt.Sprint(total)), done, total))
}

// flushUpToDate prints the line of the tenants found up to date that
// is yet to be printed, if any. The caller holds pr.mu.
func (pr *progress) flushUpToDate() {
	if pr.upToDate == 0 {
		return
	}
	pr.p.println(pr.count(pr.lastDone, pr.lastTotal) + " " + pr.p.paint(dim, plural(pr.upToDate, "tenant")+" up to date"))
	pr.upToDate = 0
}

func (pr *progress) tenantState(t sdk.TargetResult) string {
	if pr.run.seedOnly {
		return pr.seededState(t)
	}
	switch t.State {
	case sdk.TargetApplied:
		s := pr.p.paint(green, "applied "+plural(len(t.Result.Applied), "migration")) + " " + pr.p.paint(dim, "("+duration(t.Result.Duration)+")")
		if t.Seed != nil {
			s += "; " + seedWords(t.Seed)
		}
		return s
	case sdk.TargetRepaired:
		return pr.repairedState(t)
	case sdk.TargetRolledBack:
		return pr.p.paint(yellow, "rolled back "+plural(len(t.Result.Applied), "migration")) + " " + pr.p.paint(dim, "("+duration(t.Result.Duration)+")")
	case sdk.TargetUpToDate:
		if t.Seed != nil {
			return pr.p.paint(dim, "up to date") + "; " + seedWords(t.Seed)
		}
		return pr.p.paint(dim, pr.op().each)
	case sdk.TargetFailed:
		var me *sdk.MigrationError
		if errors.As(t.Err, &me) && me.Version == 0 && me.Name != "" { // a seeder
			where := ""
			if me.File != "" && me.Line > 0 {
				where = fmt.Sprintf(" (%s:%d)", me.File, me.Line)
			}
			migrated := "up to date"
			if t.Result != nil && len(t.Result.Applied) > 0 {
				migrated = "applied " + plural(len(t.Result.Applied), "migration")
			}
			return migrated + "; " + pr.p.paint(red, "failed in seeder "+me.Name) + where
		}
		if errors.As(t.Err, &me) && me.Version != 0 {
			where := ""
			switch {
			case me.File != "" && me.Line > 0:
				where = fmt.Sprintf(" (%s:%d)", me.File, me.Line)
			case me.File != "":
				where = " (" + me.File + ")"
			}
			return pr.p.paint(red, fmt.Sprintf("failed at %d %s", me.Version, me.Name)) + where
		}
		msg := oneLine(t.Err)
		switch {
		case errors.Is(t.Err, sdk.ErrNoTarget):
			msg = "does not exist"
		case errors.Is(t.Err, sdk.ErrDirty):
			// The advice, too long for a progress line, is in the list of
			// failures at the end.
			if i := strings.Index(msg, " stopped half way"); i > 0 {
				msg = dirtyDetail.ReplaceAllString(msg[:i], "") + " stopped half way (what to do: see the failures listed at the end)"
			}
		}
		if len(msg) > 120 {
			msg = msg[:117] + "..."
		}
		return pr.p.paint(red, "failed") + ": " + msg
	}
	return t.State.String()
}

// startFleet shows a live line on a terminal until the first tenant
// ends.
func (pr *progress) startFleet() {
	pr.mu.Lock()
	defer pr.mu.Unlock()
	doing := pr.op().doing
	pr.setLive(func(d time.Duration) string { return pr.p.paint(dim, doing+" the tenants … "+elapsed(d)) })
}

// statusFleet prints the state of every tenant: a table of tenants and
// states, or the JSON document.
func (c *command) statusFleet(asJSON, exitCode bool) error {
	f, err := c.buildFleet(nil)
	if err != nil {
		return err
	}
	c.warnBroken()
	rows, err := f.Status(c.ctx)
	if err != nil {
		return err
	}
	if len(rows) == 0 {
		return c.noTenants("nothing to show")
	}
	servers := c.serverNames()
	doc := fleetStatusJSON(c.cfg.Tenants, servers, rows, c.broken)
	if asJSON {
		if err := c.out.json(doc); err != nil {
			return err
		}
	} else {
		table := [][]cell{header("TENANT", "STATE")}
		if servers != nil {
			table[0] = header("SERVER", "TENANT", "STATE")
		}
		for _, r := range rows {
			row := []cell{{text: r.Target}, tenantStateCell(r)}
			if servers != nil {
				row = append([]cell{{text: r.Server}}, row...)
			}
			table = append(table, row)
		}
		c.out.table("", table)
		c.out.println(doc.Summary.String())
		if hint := c.statusRepairHint(rows); hint != "" {
			fmt.Fprintln(c.out.errw, hint)
		}
	}
	if exitCode && doc.Summary.UpToDate < doc.Summary.Tenants {
		return silentError{fmt.Sprintf("%d of %s not up to date", doc.Summary.Tenants-doc.Summary.UpToDate, plural(doc.Summary.Tenants, "tenant"))}
	}
	return nil
}

// tenantStateCell is a tenant's state in the matrix; a failure of this
// process's run of it adds its error.
func tenantStateCell(s sdk.TargetStatus) cell {
	text := s.String()
	if s.Err != nil {
		msg := oneLine(s.Err)
		if len(msg) > 120 {
			msg = msg[:117] + "..."
		}
		text += ": " + msg
	}
	switch tenantState(s) {
	case "up_to_date":
		return painted(green, text)
	case "pending", "changed", "locked":
		return painted(yellow, text)
	}
	return painted(red, text)
}

// tenantState is the state of a tenant in the JSON document: the first
// of no_schema (no_database, no_file), locked, failed, changed, pending
// and up_to_date that holds, as [sdk.TargetStatus.String] decides.
func tenantState(s sdk.TargetStatus) string {
	switch {
	case s.NoSchema:
		return strings.ReplaceAll(s.String(), " ", "_") // no_schema, no_database, no_file
	case s.LockedBy != "":
		return "locked"
	case s.FailedAt != 0:
		return "failed"
	case s.Changed:
		return "changed"
	case s.Pending > 0:
		return "pending"
	}
	return "up_to_date"
}
