package dialecttest

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/hoistdb/hoist/dialect"
)

// script runs the scripted history statements, with names that need
// quoting, inside one multi-statement string as the engine sends them.
func (s *suite) script(t *testing.T, sc dialect.Scripter) {
	t.Parallel()
	db := s.open(t).DB
	ctx := context.Background()
	const table = "hist"
	if _, err := db.ExecContext(ctx, s.d.CreateHistoryTable(table)); err != nil {
		t.Fatal(err)
	}
	names := []string{"plain", "it's", `back\slash`, `both\'s`, "ünï"}
	script := "BEGIN;\n"
	if p := sc.MigrationPrologue(); p != "" {
		script += p + ";\n"
	}
	// applied_at is the time given, not the server's, to the
	// microsecond, whatever the session's time zone.
	at := time.Date(2026, 11, 22, 4, 5, 6, 789012000, time.UTC)
	for i, n := range names {
		script += sc.InsertHistoryScript(table, int64(i+1), n, "c'k", 3, at.In(time.FixedZone("UTC+9", 9*3600))) + ";\n"
	}
	script += sc.DeleteHistoryScript(table, 5) + ";\nCOMMIT"
	if _, err := db.ExecContext(ctx, script); err != nil {
		t.Fatalf("script: %v", err)
	}

	var got []string
	for _, r := range s.readHistory(t, db, table) {
		if r.checksum != "c'k" || r.batch != 3 || r.state != "applied" || r.executionMS < 0 || !r.appliedAt.Equal(at) {
			t.Errorf("row %d: checksum %q batch %d state %q execution_ms %d applied_at %s; want applied_at %s",
				r.version, r.checksum, r.batch, r.state, r.executionMS, r.appliedAt.UTC().Format(time.RFC3339Nano), at.Format(time.RFC3339Nano))
		}
		got = append(got, r.name)
	}
	if !slices.Equal(got, names[:4]) {
		t.Fatalf("names read back %q; want %q without the deleted fifth", got, names[:4])
	}
}
