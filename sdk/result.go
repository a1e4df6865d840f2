package sdk

import (
	"fmt"
	"strings"
	"text/tabwriter"
	"time"
)

// Result is what a run did, or with DryRun set, what it would do.
type Result struct {
	// Applied lists the migrations run, in the order they ran.
	Applied []Applied
	// Batch is the batch the run recorded (Up) or removed (Rollback); 0
	// when nothing ran.
	Batch int
	// DryRun is set when nothing was executed.
	DryRun bool
	// Duration is the whole run's wall time, lock wait included.
	Duration time.Duration
}

// Applied is one migration run in one direction.
type Applied struct {
	Version   int64
	Name      string
	File      string // "" for a Go migration
	Direction Direction
	Duration  time.Duration
	// SQL holds the statements of a SQL migration in a dry run, and
	// those a schema migration would render (see [DialectSteps]).
	SQL []string
	// Note, in a dry run, says why a schema migration's SQL is not
	// shown: it depends on what a pending migration before it does, or
	// the migration would fail.
	Note string
}

func (r *Result) String() string {
	if len(r.Applied) == 0 {
		return "nothing to do"
	}
	var b strings.Builder
	verb := "ran"
	if r.DryRun {
		verb = "would run"
	}
	fmt.Fprintf(&b, "%s %d migration(s)", verb, len(r.Applied))
	if r.Batch > 0 {
		fmt.Fprintf(&b, " in batch %d", r.Batch)
	}
	if !r.DryRun {
		fmt.Fprintf(&b, " in %s", r.Duration.Round(time.Millisecond))
	}
	b.WriteString("\n")
	for _, a := range r.Applied {
		fmt.Fprintf(&b, "  %-4s %d %s", a.Direction, a.Version, a.Name)
		if !r.DryRun {
			fmt.Fprintf(&b, " (%s)", a.Duration.Round(time.Microsecond))
		}
		b.WriteString("\n")
		for _, s := range a.SQL {
			fmt.Fprintf(&b, "       %s;\n", strings.ReplaceAll(s, "\n", "\n       "))
		}
		if a.Note != "" {
			fmt.Fprintf(&b, "       -- %s\n", strings.ReplaceAll(a.Note, "\n", "\n       -- "))
		}
	}
	return strings.TrimSuffix(b.String(), "\n")
}

// State is a migration's state in [Status] and [HistoryEntry].
type State string

const (
	StateApplied State = "applied"
	StatePending State = "pending"
	// StateFailed: the migration failed half way; see [ErrDirty].
	// (StateRunning, in dirty.go, is the other dirty state.)
	StateFailed State = "failed"
	// StateMissing: applied, but no longer in the migration sources.
	StateMissing State = "missing"
)

// MigrationStatus is one migration as [Migrator.Status] sees it.
type MigrationStatus struct {
	Version int64
	Name    string
	File    string
	State   State
	// AppliedAt (UTC), Batch, Checksum and ExecutionTime come from the
	// history; they are zero for pending migrations.
	AppliedAt     time.Time
	Batch         int
	Checksum      string
	ExecutionTime time.Duration
	// ChecksumChanged is set when the source's checksum differs from the
	// one recorded.
	ChecksumChanged bool
}

// Status compares the migration sources with the history.
type Status struct {
	// Applied and Pending are ordered by version.
	Applied []MigrationStatus
	Pending []MigrationStatus
	// Failed lists migrations recorded as failed half way.
	Failed []MigrationStatus
	// Missing lists applied versions that no migration source has.
	Missing []MigrationStatus
}

func (s *Status) String() string {
	var b strings.Builder
	w := tabwriter.NewWriter(&b, 0, 0, 2, ' ', 0)
	// The hoist command's migrate:status and migrate:history print the
	// same columns (docs/command.md).
	fmt.Fprintln(w, "VERSION\tNAME\tSTATE\tBATCH\tAPPLIED AT (UTC)\tTIME")
	rows := make([]MigrationStatus, 0, len(s.Applied)+len(s.Failed)+len(s.Missing)+len(s.Pending))
	rows = append(rows, s.Applied...)
	rows = append(rows, s.Failed...)
	rows = append(rows, s.Missing...)
	sortStatus(rows)
	rows = append(rows, s.Pending...)
	for _, r := range rows {
		batch, at, took := "", "", ""
		if !r.AppliedAt.IsZero() {
			batch = fmt.Sprint(r.Batch)
			at = r.AppliedAt.UTC().Format(time.DateTime)
			took = r.ExecutionTime.String()
		}
		state := string(r.State)
		if r.ChecksumChanged {
			state += " (changed)"
		}
		fmt.Fprintf(w, "%d\t%s\t%s\t%s\t%s\t%s\n", r.Version, r.Name, state, batch, at, took)
	}
	w.Flush()
	fmt.Fprintf(&b, "%d applied, %d pending", len(s.Applied), len(s.Pending))
	if len(s.Failed) > 0 {
		fmt.Fprintf(&b, ", %d failed", len(s.Failed))
	}
	if len(s.Missing) > 0 {
		fmt.Fprintf(&b, ", %d missing", len(s.Missing))
	}
	changed := 0
	for _, r := range s.Applied {
		if r.ChecksumChanged {
			changed++
		}
	}
	if changed > 0 {
		fmt.Fprintf(&b, ", %d changed", changed)
	}
	return b.String()
}

// HistoryEntry is one row of the history table.
type HistoryEntry struct {
	Version       int64
	Name          string
	Checksum      string
	Batch         int
	AppliedAt     time.Time
	ExecutionTime time.Duration
	State         State
}

// RepairResult lists the failed history rows that [Migrator.Repair] removed.
type RepairResult struct {
	Removed []HistoryEntry
}

// SeedResult lists the seeders a [Migrator.Seed] call ran and skipped.
type SeedResult struct {
	Ran     []SeedRun
	Skipped []string // Once seeders that had run before
}

// SeedRun is one seeder that ran.
type SeedRun struct {
	Name     string
	File     string // "" for a Go seeder
	Duration time.Duration
}
