package sdk

import (
	"context"
	"fmt"
	"slices"
	"time"
)

// history is the history table read at one moment, ordered by version.
type history struct {
	rows    []HistoryEntry
	missing bool // the table does not exist yet
}

func (h *history) byVersion() map[int64]HistoryEntry {
	m := make(map[int64]HistoryEntry, len(h.rows))
	for _, r := range h.rows {
		m[r.Version] = r
	}
	return m
}

// lastBatch is the highest batch recorded, 0 for an empty history.
func (h *history) lastBatch() int {
	n := 0
	for _, r := range h.rows {
		n = max(n, r.Batch)
	}
	return n
}

// readHistory reads the history table in one query. A table that does not
// exist is an empty history, not an error.
func (m *Migrator) readHistory(ctx context.Context, q Tx) (*history, error) {
	rows, err := q.QueryContext(ctx, m.dialect.SelectHistory(m.table))
	if err != nil {
		if m.dialect.IsMissingTable(err) {
			return &history{missing: true}, nil
		}
		return nil, fmt.Errorf("hoist: reading history table %s: %w", m.table, err)
	}
	defer rows.Close()
	h := &history{}
	for rows.Next() {
		var (
			e     HistoryEntry
			at    timeValue
			ms    int64
			state string
		)
		if err := rows.Scan(&e.Version, &e.Name, &e.Checksum, &e.Batch, &at, &ms, &state); err != nil {
			return nil, fmt.Errorf("hoist: reading history table %s: %w", m.table, err)
		}
		e.AppliedAt, e.ExecutionTime, e.State = at.Time, time.Duration(ms)*time.Millisecond, State(state)
		h.rows = append(h.rows, e)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("hoist: reading history table %s: %w", m.table, err)
	}
	slices.SortFunc(h.rows, func(a, b HistoryEntry) int { return compareInt(a.Version, b.Version) })
	return h, nil
}

// timeValue scans a timestamp whatever the driver makes of it: time.Time,
// or text when a MySQL DSN lacks parseTime=true.
type timeValue struct{ time.Time }

var timeLayouts = []string{
	time.RFC3339Nano,
	"2006-01-02 15:04:05.999999999-07:00",
	"2006-01-02 15:04:05.999999999Z07:00",
	"2006-01-02 15:04:05.999999999",
	"2006-01-02T15:04:05.999999999",
}

func (t *timeValue) Scan(v any) error {
	switch v := v.(type) {
	case time.Time:
		t.Time = v.UTC()
		return nil
	case nil:
		t.Time = time.Time{}
		return nil
	case []byte:
		return t.parse(string(v))
	case string:
		return t.parse(v)
	}
	return fmt.Errorf("cannot read %T as a timestamp", v)
}

func (t *timeValue) parse(s string) error {
	for _, layout := range timeLayouts {
		if p, err := time.Parse(layout, s); err == nil {
			t.Time = p.UTC()
			return nil
		}
	}
	return fmt.Errorf("cannot read %q as a timestamp", s)
}

func compareInt(a, b int64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

func sortStatus(s []MigrationStatus) {
	slices.SortFunc(s, func(a, b MigrationStatus) int { return compareInt(a.Version, b.Version) })
}
