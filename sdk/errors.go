package sdk

import (
	"errors"
	"fmt"
	"strings"
)

// Sentinel errors, tested with errors.Is. The errors returned wrap them
// with the versions, files and lock holder involved.
var (
	// ErrLockTimeout: the migration lock was not free within the lock
	// timeout ([WithLockTimeout]). The message names the holder where the
	// engine can tell.
	ErrLockTimeout = errors.New("hoist: timed out waiting for the migration lock")
	// ErrChecksumMismatch: an applied migration's text changed since it
	// was applied. Nothing ran.
	ErrChecksumMismatch = errors.New("hoist: checksum mismatch")
	// ErrOutOfOrder: a pending migration is older than the newest applied
	// one, and [WithAllowOutOfOrder] was not given. Nothing ran.
	ErrOutOfOrder = errors.New("hoist: pending migrations older than the newest applied one")
	// ErrIrreversible: a rollback would need a migration without a down.
	// Nothing ran.
	ErrIrreversible = errors.New("hoist: irreversible migration")
	// ErrDirty: a migration failed half way on an engine without
	// transactional DDL (or without a transaction) and the history says
	// so. Repair the schema by hand, then call [Migrator.Repair].
	ErrDirty = errors.New("hoist: database is dirty")
	// ErrNoMigrations: there are no migrations to work with.
	ErrNoMigrations = errors.New("hoist: no migrations")
)

// Direction is the way a migration runs.
type Direction string

const (
	Up   Direction = "up"
	Down Direction = "down"
)

// MigrationError is a migration or seeder that failed, tested with
// errors.As. Err is the driver's error.
type MigrationError struct {
	Version   int64
	Name      string
	Direction Direction
	// File and Line locate the failed statement; Line is 0 for Go code.
	File      string
	Line      int
	Statement string
	// Dirty is set when the failure left changes behind that are recorded
	// as a failed migration (see [ErrDirty]).
	Dirty bool
	// Outcome is what became of a migration whose run was interrupted
	// (a cancelled context, a lost connection), as the engine found out
	// by asking the database afterwards; OutcomeNone otherwise.
	Outcome Outcome
	Err     error
}

func (e *MigrationError) Error() string {
	var b strings.Builder
	if e.Version != 0 {
		fmt.Fprintf(&b, "hoist: migration %d %s %s failed", e.Version, e.Name, e.Direction)
	} else {
		fmt.Fprintf(&b, "hoist: seeder %s failed", e.Name)
	}
	switch {
	case e.File != "" && e.Line > 0:
		fmt.Fprintf(&b, " at %s:%d", e.File, e.Line)
	case e.File != "":
		fmt.Fprintf(&b, " in %s", e.File)
	}
	fmt.Fprintf(&b, ": %v", e.Err)
	if e.Statement != "" {
		fmt.Fprintf(&b, " (statement: %s)", abbreviate(e.Statement, 120))
	}
	if e.Dirty {
		b.WriteString("; the changes made before the failure stay and the migration is recorded as failed: " +
			"undo them by hand, then run `hoist migrate:repair` (Migrator.Repair) and migrate again")
	}
	b.WriteString(e.Outcome.clause())
	return b.String()
}

func (e *MigrationError) Unwrap() error { return e.Err }

// abbreviate returns s on one line, cut to at most n runes.
func abbreviate(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	if r := []rune(s); len(r) > n {
		return string(r[:n-1]) + "…"
	}
	return s
}
