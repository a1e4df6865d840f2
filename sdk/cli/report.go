package cli

import (
	"fmt"
	"strings"
	"time"

	"github.com/hoistdb/hoist/sdk"
)

// The JSON documents the commands print with --json. Field names are
// stable and documented in docs/command.md; every field is always
// present, lists are [] rather than null.

type jsonRun struct {
	DryRun     bool        `json:"dry_run"`
	Batch      int         `json:"batch"`
	DurationMS float64     `json:"duration_ms"`
	Migrations []jsonApply `json:"migrations"`
}

type jsonApply struct {
	Version    int64    `json:"version"`
	Name       string   `json:"name"`
	File       string   `json:"file"`
	Direction  string   `json:"direction"`
	DurationMS float64  `json:"duration_ms"`
	SQL        []string `json:"sql"`
}

type jsonStatus struct {
	Executed []jsonMigration `json:"executed"`
	Pending  []jsonMigration `json:"pending"`
	Failed   []jsonMigration `json:"failed"`
	Missing  []jsonMigration `json:"missing"`
	Broken   []brokenFile    `json:"broken"`
	Summary  jsonSummary     `json:"summary"`
}

type jsonSummary struct {
	Executed int `json:"executed"`
	Pending  int `json:"pending"`
	Failed   int `json:"failed"`
	Missing  int `json:"missing"`
	Changed  int `json:"changed"`
	Broken   int `json:"broken"`
}

type jsonMigration struct {
	Version         int64      `json:"version"`
	Name            string     `json:"name"`
	File            string     `json:"file"`
	State           string     `json:"state"`
	Batch           int        `json:"batch"`
	AppliedAt       *time.Time `json:"applied_at"`
	ExecutionMS     int64      `json:"execution_ms"`
	Checksum        string     `json:"checksum"`
	ChecksumChanged bool       `json:"checksum_changed"`
}

type jsonHistory struct {
	Table   string      `json:"table"`
	Entries []jsonEntry `json:"entries"`
}

type jsonEntry struct {
	Version     int64     `json:"version"`
	Name        string    `json:"name"`
	Checksum    string    `json:"checksum"`
	Batch       int       `json:"batch"`
	AppliedAt   time.Time `json:"applied_at"`
	ExecutionMS int64     `json:"execution_ms"`
	State       string    `json:"state"`
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

func runJSON(res *sdk.Result) jsonRun {
	out := jsonRun{Migrations: []jsonApply{}}
	if res == nil {
		return out
	}
	out.DryRun, out.Batch, out.DurationMS = res.DryRun, res.Batch, ms(res.Duration)
	for _, a := range res.Applied {
		sql := a.SQL
		if sql == nil {
			sql = []string{}
		}
		out.Migrations = append(out.Migrations, jsonApply{Version: a.Version, Name: a.Name, File: a.File,
			Direction: string(a.Direction), DurationMS: ms(a.Duration), SQL: sql})
	}
	return out
}

func statusJSON(st *sdk.Status, broken []brokenFile) jsonStatus {
	conv := func(list []sdk.MigrationStatus) []jsonMigration {
		out := []jsonMigration{}
		for _, s := range list {
			j := jsonMigration{Version: s.Version, Name: s.Name, File: s.File, State: string(s.State), Batch: s.Batch,
				ExecutionMS: s.ExecutionTime.Milliseconds(), Checksum: s.Checksum, ChecksumChanged: s.ChecksumChanged}
			if !s.AppliedAt.IsZero() {
				at := s.AppliedAt.UTC()
				j.AppliedAt = &at
			}
			out = append(out, j)
		}
		return out
	}
	out := jsonStatus{Executed: conv(st.Applied), Pending: conv(st.Pending), Failed: conv(st.Failed), Missing: conv(st.Missing),
		Broken: append([]brokenFile{}, broken...)}
	out.Summary = jsonSummary{Executed: len(st.Applied), Pending: len(st.Pending), Failed: len(st.Failed),
		Missing: len(st.Missing), Changed: changed(st), Broken: len(broken)}
	return out
}

func historyJSON(table string, h []sdk.HistoryEntry) jsonHistory {
	out := jsonHistory{Table: table, Entries: []jsonEntry{}}
	for _, e := range h {
		out.Entries = append(out.Entries, jsonEntry{Version: e.Version, Name: e.Name, Checksum: e.Checksum, Batch: e.Batch,
			AppliedAt: e.AppliedAt.UTC(), ExecutionMS: e.ExecutionTime.Milliseconds(), State: string(e.State)})
	}
	return out
}

func changed(st *sdk.Status) int {
	n := 0
	for _, s := range st.Applied {
		if s.ChecksumChanged {
			n++
		}
	}
	return n
}

// printPlan prints a dry run: what would run, SQL included.
func (p *printer) printPlan(res *sdk.Result, verb string) {
	what := plural(len(res.Applied), "migration")
	if verb == "apply" && res.Batch > 0 {
		what += fmt.Sprintf(" as batch %d", res.Batch)
	}
	p.printf("would %s %s (dry run: nothing was executed)\n", verb, what)
	for _, a := range res.Applied {
		sgr := green
		if a.Direction == sdk.Down {
			sgr = yellow
		}
		line := fmt.Sprintf("  %s %d %s", p.paint(sgr, fmt.Sprintf("%-4s", a.Direction)), a.Version, a.Name)
		if a.File != "" {
			line += " " + p.paint(dim, "("+a.File+")")
		}
		p.println(line)
		if a.File == "" && len(a.SQL) == 0 {
			p.println("       " + p.paint(dim, "-- Go code: its statements are known only when it runs"))
		}
		for _, s := range a.SQL {
			p.println("       " + strings.ReplaceAll(s, "\n", "\n       ") + ";")
		}
	}
}

// printStatus prints the Executed, Pending, Failed and Missing sections
// and a summary line.
func (p *printer) printStatus(st *sdk.Status, broken []brokenFile) {
	var rows [][]cell
	section := func(title string, sgr string, list []sdk.MigrationStatus, row func(s sdk.MigrationStatus) []cell) {
		if len(list) == 0 {
			return
		}
		rows = append(rows, []cell{{text: title, sgr: sgr, head: true}})
		for _, s := range list {
			rows = append(rows, row(s))
		}
	}
	applied := func(s sdk.MigrationStatus) []cell {
		note := c("")
		if s.ChecksumChanged {
			note = painted(yellow, "changed since applied")
		}
		return []cell{cellf("%d", s.Version), c(s.Name), cellf("batch %d", s.Batch), c(timestamp(s.AppliedAt)), note}
	}
	section("Executed", bold, st.Applied, applied)
	section("Pending", bold+";"+yellow, st.Pending, func(s sdk.MigrationStatus) []cell {
		return []cell{cellf("%d", s.Version), c(s.Name)}
	})
	section("Failed", bold+";"+red, st.Failed, func(s sdk.MigrationStatus) []cell {
		return []cell{cellf("%d", s.Version), c(s.Name), cellf("batch %d", s.Batch), c(timestamp(s.AppliedAt)),
			painted(red, "failed half way: repair by hand, then migrate:repair")}
	})
	section("Missing", bold+";"+red, st.Missing, func(s sdk.MigrationStatus) []cell {
		return []cell{cellf("%d", s.Version), c(s.Name), cellf("batch %d", s.Batch), c(timestamp(s.AppliedAt)),
			painted(red, "applied, but in no migration source")}
	})
	if len(broken) > 0 {
		rows = append(rows, []cell{{text: "Broken", sgr: bold + ";" + red, head: true}})
		for _, b := range broken {
			line := ""
			if b.Line > 0 {
				line = fmt.Sprintf("line %d", b.Line)
			}
			rows = append(rows, []cell{c(b.File), c(line), painted(red, b.Problem)})
		}
	}
	p.table("  ", rows)
	sum := summary(st)
	if len(broken) > 0 {
		sum += fmt.Sprintf(", %d broken (migrate refuses to run until fixed)", len(broken))
	}
	p.println(sum)
}

func summary(st *sdk.Status) string {
	s := fmt.Sprintf("%d executed, %d pending", len(st.Applied), len(st.Pending))
	for _, x := range []struct {
		n    int
		what string
	}{{len(st.Failed), "failed"}, {len(st.Missing), "missing"}, {changed(st), "changed"}} {
		if x.n > 0 {
			s += fmt.Sprintf(", %d %s", x.n, x.what)
		}
	}
	return s
}

// printHistory prints the history table's rows in the order written.
func (p *printer) printHistory(table string, h []sdk.HistoryEntry) {
	if len(h) == 0 {
		p.printf("no history in %s\n", table)
		return
	}
	rows := [][]cell{header("VERSION", "NAME", "BATCH", "STATE", "APPLIED AT (UTC)", "TIME")}
	for _, e := range h {
		state := c(string(e.State))
		if e.State == sdk.StateFailed || e.State == sdk.StateRunning {
			state = painted(red, string(e.State))
		}
		rows = append(rows, []cell{cellf("%d", e.Version), c(e.Name), cellf("%d", e.Batch), state,
			c(timestamp(e.AppliedAt)), c(e.ExecutionTime.String())})
	}
	p.table("", rows)
	p.printf("%s in %s\n", plural(len(h), "row"), table)
}
