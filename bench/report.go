package main

import (
	"fmt"
	"io"
	"slices"
	"strings"
	"time"
)

// results is everything one run measured; -json writes it as it is.
type results struct {
	Started  time.Time
	Finished time.Time
	Command  string
	Config   config
	Machine  []string
	Versions []string
	Servers  map[kind]string
	Skipped  map[kind]string
	Cells    []*cell
	Parse    []parseResult
	// Templates says, per engine, how workload 6 got its template.
	Templates map[kind]string `json:",omitempty"`
	// Inspect is workload 7, per engine.
	Inspect []inspectResult `json:",omitempty"`
	// Diff is workload 8 (no engine); Generate workload 9, per engine.
	Diff     []diffResult     `json:",omitempty"`
	Generate []generateResult `json:",omitempty"`
	// Wait is workload 10, per server and arm.
	Wait []*waitResult `json:",omitempty"`
	// Fleet is workload 11, per engine.
	Fleet []fleetResult `json:",omitempty"`
}

func durNs(ns int64) time.Duration { return time.Duration(ns) }

func fmtDur(d time.Duration) string {
	switch {
	case d <= 0:
		return "—"
	case d < time.Millisecond:
		return fmt.Sprintf("%.0f µs", float64(d)/float64(time.Microsecond))
	case d < 10*time.Millisecond:
		return fmt.Sprintf("%.2f ms", float64(d)/float64(time.Millisecond))
	case d < 100*time.Millisecond:
		return fmt.Sprintf("%.1f ms", float64(d)/float64(time.Millisecond))
	case d < time.Second:
		return fmt.Sprintf("%.0f ms", float64(d)/float64(time.Millisecond))
	case d < 10*time.Second:
		return fmt.Sprintf("%.2f s", d.Seconds())
	}
	return fmt.Sprintf("%.1f s", d.Seconds())
}

// median returns the median of xs (the mean of the middle two for an
// even count), and the min and max.
func median(xs []time.Duration) (med, lo, hi time.Duration) {
	if len(xs) == 0 {
		return 0, 0, 0
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	m := len(s) / 2
	med = s[m]
	if len(s)%2 == 0 {
		med = (s[m-1] + s[m]) / 2
	}
	return med, s[0], s[len(s)-1]
}

// ok returns the samples that succeeded.
func (c *cell) ok() []sample {
	var out []sample
	for _, s := range c.Samples {
		if s.Err == "" {
			out = append(out, s)
		}
	}
	return out
}

func (c *cell) durations() []time.Duration {
	var out []time.Duration
	for _, s := range c.ok() {
		out = append(out, s.Dur)
	}
	return out
}

// medianSample is the successful sample with the median duration.
func (c *cell) medianSample() (sample, bool) {
	ok := c.ok()
	if len(ok) == 0 {
		return sample{}, false
	}
	slices.SortFunc(ok, func(a, b sample) int { return int(a.Dur - b.Dur) })
	return ok[(len(ok)-1)/2], true
}

func (c *cell) timeText() string {
	if c == nil {
		return ""
	}
	if c.NotRun != "" {
		return "n/a (below)"
	}
	if c.Skipped != "" {
		return "not run (see below)"
	}
	ds := c.durations()
	failed := len(c.Samples) - len(ds)
	if len(ds) == 0 {
		return fmt.Sprintf("**failed** (%d/%d)", failed, len(c.Samples))
	}
	med, lo, hi := median(ds)
	txt := fmt.Sprintf("%s (%s–%s)", fmtDur(med), fmtDur(lo), fmtDur(hi))
	if len(ds) == 1 {
		txt = fmtDur(med) + " (1 run)"
	}
	if failed > 0 {
		txt += fmt.Sprintf(" **%d/%d failed**", failed, len(c.Samples))
	}
	if c.checkFailures() > 0 {
		txt += fmt.Sprintf(" **%d check(s) failed**", c.checkFailures())
	}
	return txt
}

func (c *cell) checkFailures() int {
	n := 0
	for _, s := range c.Samples {
		if s.Check != "" {
			n++
		}
	}
	return n
}

func (c *cell) statementsText() string {
	if c == nil {
		return ""
	}
	if c.NotRun != "" {
		return "n/a"
	}
	var ns []int64
	for _, s := range c.ok() {
		ns = append(ns, s.Stats.Statements())
	}
	return rangeText(ns)
}

// rangeText is "n", or "lo–hi" when the counts differ, or "—" for none.
func rangeText[T int | int64](ns []T) string {
	if len(ns) == 0 {
		return "—"
	}
	lo, hi := slices.Min(ns), slices.Max(ns)
	if lo == hi {
		return fmt.Sprint(lo)
	}
	return fmt.Sprintf("%d–%d", lo, hi)
}

// ratio gives a's median over b's, and the median of the ratios of the
// repetitions in which both succeeded: the two ran minutes apart at most
// in each repetition, so the paired figure is less sensitive to load that
// drifts over the run.
func ratio(a, b *cell) string {
	if a == nil || b == nil {
		return ""
	}
	if a.NotRun != "" || b.NotRun != "" {
		return "n/a"
	}
	da, db := a.durations(), b.durations()
	if len(da) == 0 || len(db) == 0 {
		return "—"
	}
	ma, _, _ := median(da)
	mb, _, _ := median(db)
	txt := fmt.Sprintf("%.2f×", float64(ma)/float64(mb))
	var paired []time.Duration // ratios scaled by 1e6, to reuse median
	for i := range min(len(a.Samples), len(b.Samples)) {
		sa, sb := a.Samples[i], b.Samples[i]
		if sa.Err == "" && sb.Err == "" && sb.Dur > 0 {
			paired = append(paired, time.Duration(1e6*float64(sa.Dur)/float64(sb.Dur)))
		}
	}
	if len(paired) > 1 {
		mp, _, _ := median(paired)
		txt += fmt.Sprintf(" · %.2f×", float64(mp)/1e6)
	}
	return txt
}

func (r *results) find(workload string, k kind, n int, tool string) *cell {
	for _, c := range r.Cells {
		if c.Workload == workload && c.Kind == k && c.N == n && c.Tool == tool {
			return c
		}
	}
	return nil
}

// columns returns the tools of the run that were run in workload, on
// some engine at least, in the order of -tools.
func (r *results) columns(workload string) []string {
	var out []string
	for _, t := range r.Config.Tools {
		if slices.ContainsFunc(r.Cells, func(c *cell) bool {
			return c.Workload == workload && c.Tool == t && c.NotRun == ""
		}) {
			out = append(out, t)
		}
	}
	return out
}

// notRunNotes writes one line per tool and reason where a tool of the run
// was not run in workload by design (see notRun), naming the engines
// when the tool ran on others.
func (r *results) notRunNotes(w io.Writer, workload string) {
	type key struct{ tool, why string }
	var order []key
	where := map[key][]kind{}
	for _, c := range r.Cells {
		if c.Workload != workload || c.NotRun == "" {
			continue
		}
		k := key{c.Tool, c.NotRun}
		if _, ok := where[k]; !ok {
			order = append(order, k)
		}
		if !slices.Contains(where[k], c.Kind) {
			where[k] = append(where[k], c.Kind)
		}
	}
	cols := r.columns(workload)
	for _, k := range order {
		on := ""
		if slices.Contains(cols, k.tool) {
			var titles []string
			for _, e := range allKinds {
				if slices.Contains(where[k], e) {
					titles = append(titles, e.title())
				}
			}
			on = " on " + strings.Join(titles, " and ")
		}
		fmt.Fprintf(w, "%s is not run%s: %s.\n\n", toolTitle(k.tool), on, k.why)
	}
}

// maxSamples is the most repetitions any cell of workload has.
func (r *results) maxSamples(workload string) int {
	n := 0
	for _, c := range r.Cells {
		if c.Workload == workload {
			n = max(n, len(c.Samples))
		}
	}
	return n
}

// rows returns the (engine, N) pairs measured for a workload, in order.
func (r *results) rows(workload string) [][2]any {
	var out [][2]any
	seen := map[string]bool{}
	for _, k := range allKinds {
		var ns []int
		for _, c := range r.Cells {
			if c.Workload == workload && c.Kind == k && !seen[fmt.Sprint(k, c.N)] {
				seen[fmt.Sprint(k, c.N)] = true
				ns = append(ns, c.N)
			}
		}
		slices.Sort(ns)
		for _, n := range ns {
			out = append(out, [2]any{k, n})
		}
	}
	return out
}

func writeReport(w io.Writer, r *results) {
	p := func(format string, args ...any) { fmt.Fprintf(w, format, args...) }

	p("# hoist benchmark results\n\n")
	p("Run %s, %s.\n\n", r.Started.UTC().Format("2006-01-02 15:04 MST"), fmtDur(r.Finished.Sub(r.Started)))
	p("Command: `%s`\n\n", r.Command)
	p("## Machine\n\n")
	for _, m := range r.Machine {
		p("- %s\n", m)
	}
	for _, k := range allKinds {
		if s, ok := r.Servers[k]; ok {
			p("- %s: %s\n", k.title(), s)
		}
		if s, ok := r.Skipped[k]; ok {
			p("- %s: **not measured**: %s\n", k.title(), s)
		}
	}
	p("\nTools: %s.\n\n", strings.Join(r.Versions, ", "))

	p("## How to read this\n\n")
	p("Each cell is the median of the repetitions, with the minimum and the maximum in brackets. ")
	p("Tools take turns within each repetition (each repetition starts with the next tool). ")
	p("Time runs from `sql.OpenDB` (construction of the tool included, so the first connection is too) to the return of the tool's call; ")
	p("creating and dropping the database and verifying the result are outside it. ")
	p("Ratios are hoist's over the other tool's")
	if slices.Contains(r.Config.Tools, "hoist-1tx") {
		p(" (and hoist-1tx's over goose's, where hoist-1tx ran)")
	}
	if slices.Contains(r.Config.Tools, "hoist-durable") {
		p(" (and hoist-durable's over goose's)")
	}
	if slices.Contains(r.Config.Tools, "ddl") {
		p(" (and ddl's over goose's: ddl is no migrator but the migrations' statements alone, so its ratio to goose is the lowest any migrator could reach on this machine)")
	}
	p(", below 1 when hoist is faster: first the ratio of the medians, then (after ·) the median of the per-repetition ratios, hoist against the other tool in the same repetition, which is less sensitive to load that drifts over the run. ")
	p("Statements are counted by a wrapping `driver.Connector`: every query, exec, prepare, execution of a prepared statement, BEGIN, COMMIT, ROLLBACK and ping.\n\n")

	timeTable := func(workload string) {
		tools := r.columns(workload)
		if len(tools) == 0 {
			r.notRunNotes(w, workload)
			return
		}
		// The ratio columns: hoist over each peer, and hoist-1tx and ddl
		// over goose.
		type pair struct{ a, b string }
		var ratios []pair
		if slices.Contains(tools, "hoist") {
			for _, t := range tools {
				if t != "hoist" && t != "hoist-1tx" && t != "hoist-durable" {
					ratios = append(ratios, pair{"hoist", t})
				}
			}
		}
		for _, t := range []string{"hoist-1tx", "hoist-durable", "ddl"} {
			if slices.Contains(tools, t) && slices.Contains(tools, "goose") {
				ratios = append(ratios, pair{t, "goose"})
			}
		}
		head := "| engine | N |"
		sep := "|---|---:|"
		for _, t := range tools {
			head += " " + toolTitle(t) + " |"
			sep += "---|"
		}
		for _, rp := range ratios {
			head += " " + toolTitle(rp.a) + "/" + toolTitle(rp.b) + " |"
			sep += "---:|"
		}
		p("%s\n%s\n", head, sep)
		for _, row := range r.rows(workload) {
			k, n := row[0].(kind), row[1].(int)
			line := fmt.Sprintf("| %s | %d |", k.title(), n)
			for _, t := range tools {
				line += " " + r.find(workload, k, n, t).timeText() + " |"
			}
			for _, rp := range ratios {
				line += " " + ratio(r.find(workload, k, n, rp.a), r.find(workload, k, n, rp.b)) + " |"
			}
			p("%s\n", line)
		}
		p("\n")
		r.notRunNotes(w, workload)
		p("Statements sent:\n\n")
		head, sep = "| engine | N |", "|---|---:|"
		for _, t := range tools {
			head += " " + toolTitle(t) + " |"
			sep += "---:|"
		}
		p("%s\n%s\n", head, sep)
		for _, row := range r.rows(workload) {
			k, n := row[0].(kind), row[1].(int)
			line := fmt.Sprintf("| %s | %d |", k.title(), n)
			for _, t := range tools {
				line += " " + r.find(workload, k, n, t).statementsText() + " |"
			}
			p("%s\n", line)
		}
		p("\n")
	}

	if len(r.rows("fresh")) > 0 {
		p("## 1. Fresh apply\n\n")
		p("N migrations (`CREATE TABLE t_i (id INTEGER PRIMARY KEY, name VARCHAR(100) NOT NULL)`, down `DROP TABLE t_i`) on a new, empty database each repetition.")
		if slices.Contains(r.columns("fresh"), "hoist-1tx") {
			p(" hoist-1tx is hoist with `sdk.WithSingleTransaction()`: all the pending migrations of the `Up` in one transaction.")
		}
		if slices.Contains(r.columns("fresh"), "hoist-durable") {
			p(" hoist-durable is hoist with `sdk.WithDurableCommits()`: every migration's commit waits for the disk (on PostgreSQL without `synchronous_commit = off`, on SQLite at the connection's own `synchronous` level instead of NORMAL; the same as hoist on MySQL/MariaDB).")
		}
		if slices.Contains(r.columns("fresh"), "ddl") {
			p(" ddl is the up statements alone, one exec each, without history rows or lock, in one transaction on PostgreSQL and SQLite (in autocommit on MySQL/MariaDB, which commit DDL implicitly): the server's own cost of the DDL, below which no migrator can go.")
		}
		p("\n\n")
		timeTable("fresh")
		r.breakdown(w, "fresh")
	}
	if len(r.rows("noop")) > 0 {
		p("## 2. No-op start\n\n")
		p("All %d migrations already applied (by the same tool, before the clock starts); from `sql.OpenDB` to \"nothing to do\", construction included; %d repetitions.\n\n", r.Config.NoopN, r.maxSamples("noop"))
		timeTable("noop")
		r.breakdown(w, "noop")
	}
	if len(r.rows("rollback")) > 0 {
		p("## 3. Roll back %d\n\n", r.Config.RollbackN)
		p("%d migrations applied before the clock starts, then all %d rolled back: hoist `Rollback(ctx, RollbackOptions{Steps: %d})`, goose `DownTo(0)`, golang-migrate `Steps(-%d)`, the floor one transaction per migration.\n\n",
			r.Config.RollbackN, r.Config.RollbackN, r.Config.RollbackN, r.Config.RollbackN)
		timeTable("rollback")
		r.breakdown(w, "rollback")
	}
	if len(r.rows("concurrent")) > 0 {
		r.concurrentReport(w)
	}
	if len(r.Parse) > 0 {
		p("## 5. Parsing %d embedded files\n\n", parseFiles)
		p("`testing.Benchmark`, run %d times (median, min–max of ns/op), over an in-memory file system that behaves like `embed.FS` (sorted, prepared directory listing). Also `go test -run '^$' -bench Parse -benchmem` in bench/.\n\n", r.Parse[0].Reps)
		p("| benchmark | files | migrations | time/op | allocs/op | bytes/op | what it does |\n|---|---:|---:|---|---:|---:|---|\n")
		for _, pr := range r.Parse {
			p("| %s | %d | %d | %s (%s–%s) | %d | %d | %s |\n", pr.Name, pr.Files, pr.Migrations, fmtDur(durNs(pr.NsPerOp)),
				fmtDur(durNs(pr.MinNsPerOp)), fmtDur(durNs(pr.MaxNsPerOp)), pr.AllocsPerOp, pr.BytesPerOp, pr.What)
		}
		p("\n")
	}
	if len(r.rows("migrated")) > 0 {
		r.migratedReport(w)
	}
	if len(r.Inspect) > 0 {
		r.inspectReport(w)
	}
	r.schemaDiffReport(w)
	if len(r.Wait) > 0 {
		waitReport(w, r.Wait)
	}
	if len(r.Fleet) > 0 {
		r.fleetReport(w)
	}
	r.problems(w)
}

// breakdown shows where the time of the median run of the largest N went,
// per class of driver call.
func (r *results) breakdown(w io.Writer, workload string) {
	maxN := 0
	for _, c := range r.Cells {
		if c.Workload == workload {
			maxN = max(maxN, c.N)
		}
	}
	p := func(format string, args ...any) { fmt.Fprintf(w, format, args...) }
	p("Where the time of the median run%s goes: calls and time spent inside the driver per kind of call (count / time; a query's time ends when the driver returns the result set, so reading the rows is not in it); \"connect\" is opening connections (not counted as statements); \"client\" is the rest: the tool's own work, reading rows, database/sql, scheduling.\n\n", map[bool]string{true: fmt.Sprintf(" of N = %d", maxN)}[workload == "fresh"])
	classes := []class{clsConnect, clsBegin, clsExec, clsQuery, clsPrepare, clsStmtExec, clsCommit}
	head := "| engine | tool | total |"
	sep := "|---|---|---:|"
	for _, c := range classes {
		head += " " + classNames[c] + " |"
		sep += "---:|"
	}
	p("%s other | client |\n%s---:|---:|\n", head, sep)
	for _, k := range allKinds {
		for _, t := range r.Config.Tools {
			c := r.find(workload, k, maxN, t)
			if c == nil {
				continue
			}
			s, ok := c.medianSample()
			if !ok {
				continue
			}
			line := fmt.Sprintf("| %s | %s | %s |", k.title(), toolTitle(t), fmtDur(s.Dur))
			var inDriver time.Duration
			for _, cl := range classes {
				line += fmt.Sprintf(" %d / %s |", s.Stats.N[cl], fmtDur(s.Stats.D[cl]))
			}
			var otherN int64
			var otherD time.Duration
			for cl := range numClasses {
				inDriver += s.Stats.D[cl]
				if !slices.Contains(classes, cl) {
					otherN += s.Stats.N[cl]
					otherD += s.Stats.D[cl]
				}
			}
			line += fmt.Sprintf(" %d / %s | %s |", otherN, fmtDur(otherD), fmtDur(s.Dur-inDriver))
			p("%s\n", line)
		}
	}
	p("\n")
}

func (r *results) concurrentReport(w io.Writer) {
	p := func(format string, args ...any) { fmt.Fprintf(w, format, args...) }
	p("## 4. Concurrent start\n\n")
	p("%d separate processes (the bench binary re-executed in child mode) boot one fresh database with N = %d at the same moment: each builds its migrations, then blocks reading standard input; the parent closes all their inputs at once. ",
		r.Config.Procs, r.Config.ConcN)
	p("Wall time runs from that barrier until the last process has exited. A failure is a process whose tool returned an error (or that crashed or timed out). ")
	p("Exactly once: afterwards every version 1..N is recorded exactly once as applied in the tool's version table (golang-migrate keeps only the current version: its one row must say N, not dirty) and all N tables exist. ")
	p("Locks: hoist its own (pg_try_advisory_lock / GET_LOCK / flock, polled from 5 ms to 50 ms); goose its PostgreSQL session locker and its MySQL table locker (both poll every 5 s), none on SQLite (goose has no SQLite locker); golang-migrate its drivers' locks (pg_advisory_lock, GET_LOCK with 10 s, and on SQLite an in-process flag only); the floor a blocking pg_advisory_lock / GET_LOCK / flock.\n\n")
	p("| engine | tool | wall (median, min–max) | failed processes | exactly once |\n|---|---|---|---:|---|\n")
	type errLine struct{ who, msg string }
	var errs []errLine
	const maxMessages = 6
	for _, row := range r.rows("concurrent") {
		k, n := row[0].(kind), row[1].(int)
		for _, t := range r.Config.Tools {
			c := r.find("concurrent", k, n, t)
			if c == nil || c.NotRun != "" {
				continue
			}
			var walls []time.Duration
			failed, procs, once := 0, 0, 0
			var details, msgs []string
			for _, s := range c.Conc {
				walls = append(walls, s.Wall)
				failed += s.Failures
				procs += s.Procs
				if s.ExactlyOnce {
					once++
				} else if s.Detail != "" {
					details = append(details, s.Detail)
				}
				msgs = append(msgs, s.Errors...)
			}
			distinct := dedupe(msgs)
			for i, m := range distinct {
				if i == maxMessages {
					errs = append(errs, errLine{k.title() + ", " + toolTitle(t), fmt.Sprintf("… and %d more distinct messages (all of them are in the -json output)", len(distinct)-maxMessages)})
					break
				}
				errs = append(errs, errLine{k.title() + ", " + toolTitle(t), m})
			}
			med, lo, hi := median(walls)
			onceText := "yes"
			if once < len(c.Conc) {
				onceText = fmt.Sprintf("**no** (%d of %d runs)", len(c.Conc)-once, len(c.Conc))
			}
			failText := fmt.Sprintf("%d of %d", failed, procs)
			if failed > 0 {
				failText = "**" + failText + "**"
			}
			p("| %s | %s | %s (%s–%s) | %s | %s |\n", k.title(), toolTitle(t), fmtDur(med), fmtDur(lo), fmtDur(hi), failText, onceText)
			for _, d := range dedupe(details) {
				errs = append(errs, errLine{k.title() + ", " + toolTitle(t) + " (check)", d})
			}
		}
	}
	p("\n")
	r.notRunNotes(w, "concurrent")
	if len(errs) > 0 {
		p("What failed, as the tools reported it, over all runs (the most frequent first):\n\n")
		for _, e := range errs {
			if strings.HasPrefix(e.msg, "…") {
				p("- %s: %s\n", e.who, e.msg)
				continue
			}
			p("- %s: `%s`\n", e.who, strings.ReplaceAll(e.msg, "`", "'"))
		}
		p("\n")
	}
}

// problems lists the errors and failed checks of the sequential workloads.
func (r *results) problems(w io.Writer) {
	var lines []string
	for _, c := range r.Cells {
		who := fmt.Sprintf("%s, %s, N = %d, %s", c.Workload, c.Kind.title(), c.N, toolTitle(c.Tool))
		if c.Skipped != "" {
			lines = append(lines, fmt.Sprintf("- %s: not run: `%s`", who, c.Skipped))
		}
		var msgs []string
		for _, s := range c.Samples {
			if s.Err != "" {
				msgs = append(msgs, "error: "+firstLine(s.Err))
			}
			if s.Check != "" {
				msgs = append(msgs, "check: "+s.Check)
			}
		}
		for _, m := range dedupe(msgs) {
			lines = append(lines, fmt.Sprintf("- %s: `%s`", who, strings.ReplaceAll(m, "`", "'")))
		}
	}
	if len(lines) == 0 {
		return
	}
	fmt.Fprintf(w, "## Errors and failed checks\n\n%s\n\n", strings.Join(lines, "\n"))
}

// migratedReport is workload 6: testkit.Migrated against making a fresh
// database and migrating it, with hoist and with goose.
func (r *results) migratedReport(w io.Writer) {
	p := func(format string, args ...any) { fmt.Fprintf(w, format, args...) }
	p("## 6. testkit.Migrated\n\n")
	p("A database with %d migrations applied (the migrations of the fresh apply, in hoist's format; in goose's for goose), made the three ways a test can: ", r.Config.MigratedN)
	p("`testkit.Migrated(t, kind, sdk.WithFS(fsys))`, a copy of the template; `testkit.Postgres(t)` (`MySQL`, `SQLite`), a fresh, empty database, then hoist `Up`; the same, then goose `Up` (goose set up as in the other workloads). ")
	p("Each repetition of each way is one `testing.Benchmark` (%d repetitions, taking turns), which makes databases until it has timed a second's worth; a cell is the median time per database over the repetitions, with the minimum and the maximum in brackets. ", r.Config.Reps)
	p("The clock runs from the call into testkit to a database ready to use (testkit has opened its `*sql.DB` and pinged it; the migrations are applied). ")
	p("Not timed: the first `Migrated` call of the set, which builds the template (or finds the one an earlier run built) and is made once before any timed loop; checking each database (every table there, every version recorded once); and closing and dropping it, which testkit does in the `t.Cleanup` it registers, run after each database with the timer stopped. ")
	p("Ratios are the median time of re-migrating over `Migrated`'s, then (after ·) the median of the per-repetition ratios. Statements are not counted here: testkit opens its own handles.\n\n")

	p("| engine | N | %s | %s | %s | hoist ÷ Migrated | goose ÷ Migrated |\n|---|---:|---|---|---|---:|---:|\n",
		armTitle(armMigrated), armTitle(armHoist), armTitle(armGoose))
	for _, row := range r.rows("migrated") {
		k, n := row[0].(kind), row[1].(int)
		m := r.find("migrated", k, n, armMigrated)
		line := fmt.Sprintf("| %s | %d |", k.title(), n)
		for _, arm := range migratedArms {
			line += " " + r.find("migrated", k, n, arm).timeText() + " |"
		}
		line += " " + ratio(r.find("migrated", k, n, armHoist), m) + " | " + ratio(r.find("migrated", k, n, armGoose), m) + " |"
		p("%s\n", line)
	}
	p("\nDatabases timed per repetition (`testing.Benchmark`'s N):\n\n")
	p("| engine | N | %s | %s | %s |\n|---|---:|---:|---:|---:|\n", armTitle(armMigrated), armTitle(armHoist), armTitle(armGoose))
	for _, row := range r.rows("migrated") {
		k, n := row[0].(kind), row[1].(int)
		line := fmt.Sprintf("| %s | %d |", k.title(), n)
		for _, arm := range migratedArms {
			line += " " + r.find("migrated", k, n, arm).itersText() + " |"
		}
		p("%s\n", line)
	}
	p("\n")
	if len(r.Templates) > 0 {
		p("The template, per engine:\n\n")
		for _, k := range allKinds {
			if t, ok := r.Templates[k]; ok {
				p("- %s: %s\n", k.title(), t)
			}
		}
		p("\n")
	}
	r.migratedTarget(w)
}

// migratedTarget compares PostgreSQL's row with the goal of the testkit
// issue: Migrated at most 30 ms per database, and at least 10× faster
// than re-migrating with hoist.
func (r *results) migratedTarget(w io.Writer) {
	const (
		maxCopy  = 30 * time.Millisecond
		minRatio = 10.0
	)
	m := r.find("migrated", postgresKind, r.Config.MigratedN, armMigrated)
	h := r.find("migrated", postgresKind, r.Config.MigratedN, armHoist)
	if m == nil || h == nil || len(m.durations()) == 0 || len(h.durations()) == 0 {
		return
	}
	mm, _, _ := median(m.durations())
	mh, _, _ := median(h.durations())
	met := func(ok bool) string {
		if ok {
			return "met"
		}
		return "**not met**"
	}
	x := float64(mh) / float64(mm)
	fmt.Fprintf(w, "The testkit issue's target, on PostgreSQL: `Migrated` at most %d ms per database, and at least %.0f× faster than re-migrating (fresh + hoist `Up`). This run: %s (%s) and %.1f× (%s); what a copy costs is mostly the server's file work (fsync, disk or tmpfs: see the server line above, and \"How fast\" in docs/testing.md).\n\n",
		maxCopy.Milliseconds(), minRatio, fmtDur(mm), met(mm <= maxCopy), x, met(x >= minRatio))
}

// itersText is the range of databases timed per repetition.
func (c *cell) itersText() string {
	if c == nil {
		return ""
	}
	var ns []int
	for _, s := range c.ok() {
		ns = append(ns, s.Iters)
	}
	return rangeText(ns)
}
