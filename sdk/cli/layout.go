package cli

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/hoistdb/hoist/sdk"
)

// migrate:status and migrate:history print one layout, the one of the
// Go Status table: a row per migration with the columns
//
//	VERSION  NAME  STATE  BATCH  APPLIED AT (UTC)  TIME
//
// then a summary line, then a line per state that asks for action.
// docs/command.md documents it.

var layoutHeader = header("VERSION", "NAME", "STATE", "BATCH", "APPLIED AT (UTC)", "TIME")

// stateCell paints a state: green applied, yellow pending or changed, red
// failed, running, missing or broken.
func stateCell(state string) cell {
	switch {
	case state == string(sdk.StateApplied):
		return painted(green, state)
	case state == string(sdk.StatePending), strings.HasSuffix(state, "(changed)"):
		return painted(yellow, state)
	}
	return painted(red, state)
}

// layoutRow is one row of the layout; batch, time and execution are empty
// for a pending migration or a broken file.
func layoutRow(s sdk.MigrationStatus) []cell {
	state := string(s.State)
	if s.ChecksumChanged {
		state += " (changed)"
	}
	if s.AppliedAt.IsZero() {
		return []cell{cellf("%d", s.Version), c(s.Name), stateCell(state)}
	}
	return []cell{cellf("%d", s.Version), c(s.Name), stateCell(state), cellf("%d", s.Batch),
		c(timestamp(s.AppliedAt)), c(s.ExecutionTime.String())}
}

// printStatus prints the status in the one layout: the recorded
// migrations by version, then the pending ones, then broken files.
func (p *printer) printStatus(st *sdk.Status, broken []brokenFile) {
	recorded := slices.Concat(st.Applied, st.Failed, st.Missing)
	slices.SortStableFunc(recorded, func(a, b sdk.MigrationStatus) int { return int64Cmp(a.Version, b.Version) })
	rows := [][]cell{layoutHeader}
	for _, s := range slices.Concat(recorded, st.Pending) {
		rows = append(rows, layoutRow(s))
	}
	for _, b := range broken {
		rows = append(rows, []cell{c(brokenVersion(b.File)), c(b.File), stateCell("broken")})
	}
	if len(rows) == 1 {
		p.println("no migrations")
	} else {
		p.table("", rows)
	}
	sum := summary(st)
	if len(broken) > 0 {
		sum += fmt.Sprintf(", %d broken", len(broken))
	}
	p.println(sum)
	if len(st.Failed) > 0 {
		p.println(p.paint(red, "failed") + ": it stopped half way; put the schema right by hand, then run migrate:repair (docs/errors.md)")
	}
	if len(st.Missing) > 0 {
		p.println(p.paint(red, "missing") + ": applied, but in no migration source")
	}
	if changed(st) > 0 {
		p.println(p.paint(yellow, "changed") + ": the file was edited since it was applied; restore it, or accept the edit with migrate:repair --checksums")
	}
	for _, b := range broken {
		p.printf("%s: %s; migrate refuses to run until it is fixed\n", p.paint(red, "broken"), b)
	}
}

func int64Cmp(a, b int64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// brokenVersion is the version at the start of a broken file's name, ""
// when it has none.
func brokenVersion(file string) string {
	v, _, _ := strings.Cut(file, "_")
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil {
		return ""
	}
	return strconv.FormatInt(n, 10)
}

// summary counts the status's migrations by state.
func summary(st *sdk.Status) string {
	s := fmt.Sprintf("%d applied, %d pending", len(st.Applied), len(st.Pending))
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

// printHistory prints the history table's rows in the order written, in
// the one layout.
func (p *printer) printHistory(table string, h []sdk.HistoryEntry) {
	if len(h) == 0 {
		p.printf("no history in %s\n", table)
		return
	}
	rows := [][]cell{layoutHeader}
	for _, e := range h {
		rows = append(rows, layoutRow(sdk.MigrationStatus{Version: e.Version, Name: e.Name, State: e.State, Batch: e.Batch,
			AppliedAt: e.AppliedAt, ExecutionTime: e.ExecutionTime}))
	}
	p.table("", rows)
	p.printf("%s in %s\n", plural(len(h), "row"), table)
}

// eventsHeader is the one layout for the event log: the columns of the
// history, the state being the event and the date the event's, and who
// made it.
var eventsHeader = header("VERSION", "NAME", "EVENT", "BATCH", "AT (UTC)", "TIME", "BY")

// eventCell paints an event as stateCell paints a state.
func eventCell(kind sdk.HistoryEventKind) cell {
	switch kind {
	case sdk.HistoryApplied:
		return painted(green, string(kind))
	case sdk.HistoryFailed:
		return painted(red, string(kind))
	}
	return painted(yellow, string(kind))
}

// eventBy says who made an event: "user on host, pid N (app)".
func eventBy(e sdk.HistoryEvent) string {
	s := e.Host
	if e.DBUser != "" {
		s = e.DBUser + " on " + s
	}
	return fmt.Sprintf("%s, pid %d (%s)", s, e.PID, e.App)
}

// printEvents prints the event log, oldest first, one line per event,
// after the history: what the history forgets (a migration rolled back,
// a failed row repaired away) stays here.
func (p *printer) printEvents(table string, ev []sdk.HistoryEvent) {
	if len(ev) == 0 {
		p.printf("no events in %s\n", table)
		return
	}
	rows := [][]cell{eventsHeader}
	for _, e := range ev {
		rows = append(rows, []cell{cellf("%d", e.Version), c(e.Name), eventCell(e.Kind), cellf("%d", e.Batch),
			c(timestamp(e.At)), c(e.ExecutionTime.String()), c(eventBy(e))})
	}
	p.table("", rows)
	p.printf("%s in %s\n", plural(len(ev), "event"), table)
}
