package sdk

import (
	"context"
)

// PreviewState is shared by the [DialectSteps.Preview] calls of one dry
// run, in the order the migrations would run. A step keeps there, under
// a key of its own type (as with context values), what later steps need
// to know of what it would have done, since a dry run executes nothing.
type PreviewState struct {
	values map[any]any
}

// Value returns what was kept under key, or nil.
func (p *PreviewState) Value(key any) any { return p.values[key] }

// SetValue keeps v under key for the later steps of the dry run.
func (p *PreviewState) SetValue(key, v any) {
	if p.values == nil {
		p.values = map[any]any{}
	}
	p.values[key] = v
}

// dryRuns lists what running migs in direction dir would do: the
// statements of SQL migrations, and those that schema migrations would
// render against the schema read now with the earlier ones applied in
// memory. A migration whose effect on the schema hoist cannot know
// without running it (a SQL or Go migration) makes the SQL of every
// schema migration after it unknown: those say so in Note instead of
// showing statements that may be wrong.
func (m *Migrator) dryRuns(ctx context.Context, migs []*Migration, dir Direction) []Applied {
	state := &PreviewState{}
	var blind *Migration // the first migration whose effect is unknown
	out := make([]Applied, 0, len(migs))
	for _, mig := range migs {
		a := dryRun(mig, dir)
		s := mig.dialectSteps
		switch {
		case s == nil || s.Preview == nil:
			if blind == nil {
				blind = mig
			}
		case blind != nil:
			a.Note = "SQL not shown: it is rendered against the schema as migration " + blind.String() +
				" leaves it, which only running that one tells"
		default:
			sql, err := s.Preview(m.withRunningMeta(ctx, mig, dir), m.dialect, m.db, dir, state)
			if err != nil {
				a.Note = "SQL not shown: " + err.Error()
				blind = mig
				break
			}
			a.SQL = sql
		}
		out = append(out, a)
	}
	return out
}
