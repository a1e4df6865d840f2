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
	// Note says why a schema migration's SQL is not shown (sdk.Applied).
	Note string `json:"note,omitempty"`
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
	Table       string      `json:"table"`
	Entries     []jsonEntry `json:"entries"`
	EventsTable string      `json:"events_table"`
	Events      []jsonEvent `json:"events"`
}

type jsonEvent struct {
	ID          int64     `json:"id"`
	Version     int64     `json:"version"`
	Name        string    `json:"name"`
	Event       string    `json:"event"`
	Batch       int       `json:"batch"`
	At          time.Time `json:"at"`
	ExecutionMS int64     `json:"execution_ms"`
	Host        string    `json:"host"`
	PID         int       `json:"pid"`
	App         string    `json:"app"`
	DBUser      string    `json:"db_user"`
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
			Direction: string(a.Direction), DurationMS: ms(a.Duration), SQL: sql, Note: a.Note})
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

func historyJSON(table string, h []sdk.HistoryEntry, ev []sdk.HistoryEvent) jsonHistory {
	out := jsonHistory{Table: table, Entries: []jsonEntry{}, EventsTable: sdk.EventsTable(table), Events: []jsonEvent{}}
	for _, e := range h {
		out.Entries = append(out.Entries, jsonEntry{Version: e.Version, Name: e.Name, Checksum: e.Checksum, Batch: e.Batch,
			AppliedAt: e.AppliedAt.UTC(), ExecutionMS: e.ExecutionTime.Milliseconds(), State: string(e.State)})
	}
	for _, e := range ev {
		out.Events = append(out.Events, jsonEvent{ID: e.ID, Version: e.Version, Name: e.Name, Event: string(e.Kind),
			Batch: e.Batch, At: e.At.UTC(), ExecutionMS: e.ExecutionTime.Milliseconds(), Host: e.Host, PID: e.PID,
			App: e.App, DBUser: e.DBUser})
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
		p.printPlanned(a, "")
	}
}

// printPlanned prints one migration of a dry run with its SQL, or, when
// shownFor is not "", a note that its SQL is the one shown for that
// tenant of a fleet.
func (p *printer) printPlanned(a sdk.Applied, shownFor string) {
	sgr := green
	if a.Direction == sdk.Down {
		sgr = yellow
	}
	line := fmt.Sprintf("  %s %d %s", p.paint(sgr, fmt.Sprintf("%-4s", a.Direction)), a.Version, a.Name)
	if a.File != "" {
		line += " " + p.paint(dim, "("+a.File+")")
	}
	p.println(line)
	switch {
	case shownFor != "":
		p.println("       " + p.paint(dim, "-- SQL as shown for "+shownFor))
		return
	case a.File == "" && len(a.SQL) == 0 && a.Note == "":
		p.println("       " + p.paint(dim, "-- Go code: its statements are known only when it runs"))
	}
	for _, s := range a.SQL {
		p.println("       " + strings.ReplaceAll(s, "\n", "\n       ") + ";")
	}
	if a.Note != "" {
		p.println("       " + p.paint(dim, "-- "+strings.ReplaceAll(a.Note, "\n", "\n       -- ")))
	}
}
