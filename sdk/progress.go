package sdk

import (
	"context"
	"errors"
	"time"
)

// EventKind says what an [Event] reports.
type EventKind int

const (
	// EventMigrating: a migration is about to run; Migration is set,
	// without a duration.
	EventMigrating EventKind = iota + 1
	// EventMigrated: a migration ran and is recorded; Migration is set,
	// with its duration.
	EventMigrated
	// EventSeeded: a seeder ran; Seeder is set.
	EventSeeded
	// EventLockWait: the migration lock is taken by someone else and the
	// migrator starts waiting; Lock and Holder are set.
	EventLockWait
	// EventLocked: the migrator took the lock after waiting; Lock and
	// Waited are set.
	EventLocked
)

// Event is one step of a run, reported as it happens to the function given
// to [WithProgress].
type Event struct {
	Kind      EventKind
	Migration Applied
	Seeder    SeedRun
	// Lock names the migration lock; Holder says who holds it, "" when
	// the engine cannot tell.
	Lock   string
	Holder string
	Waited time.Duration
}

// WithProgress calls fn for each [Event] of a run, on the goroutine that
// runs it, so fn should return quickly. It is how a command line shows
// progress; logging goes on through [WithLogger] as before.
func WithProgress(fn func(context.Context, Event)) Option {
	return func(c *config) error {
		if fn == nil {
			return errors.New("WithProgress: nil function")
		}
		c.progress = fn
		return nil
	}
}

func (m *Migrator) emit(ctx context.Context, e Event) {
	if m.progress != nil {
		m.progress(ctx, e)
	}
}
