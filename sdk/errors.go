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
	// ErrDirty: a migration that cannot be rolled back (MySQL DDL, or
	// no transaction) stopped half way, failed or killed, and the history
	// says so (state failed or running). Bring the schema by hand to
	// where it is without the migration and call [Migrator.Repair], or
	// complete the migration by hand and mark its row applied; the
	// message spells out both (docs/errors.md).
	ErrDirty = errors.New("hoist: database is dirty")
	// ErrNoMigrations: there are no migrations to work with.
	ErrNoMigrations = errors.New("hoist: no migrations")
	// ErrNoTarget: a fleet's target (schema, database or file) does not
	// exist, so [Fleet.Up] did not migrate it; [Fleet.Ensure] creates
	// it.
	ErrNoTarget = errors.New("hoist: fleet target does not exist")
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
	// Dirty is set when the failure left changes behind: statements
	// that ran without a transaction, or that MySQL committed
	// implicitly. Later runs stop with [ErrDirty] until an operator has
	// repaired the schema.
	Dirty bool
	// Recorded is set, with Dirty, when the history records the
	// migration as failed.
	Recorded bool
	// RolledBack is set when nothing of the migration stays: its
	// transaction was rolled back, or none of its statements had
	// succeeded. A failed up is then still pending, a failed down still
	// applied.
	RolledBack bool
	// RecordErr is why hoist could not make the history say what the
	// failure left (Dirty: record it as failed; RolledBack: take back
	// the running row written before it began); nil otherwise.
	RecordErr error
	// Outcome is what became of a migration whose run was interrupted
	// (a cancelled context, a lost connection), as the engine found out
	// by asking the database afterwards; OutcomeNone otherwise.
	Outcome Outcome
	Err     error

	outside bool   // it ran without a transaction
	lost    bool   // the connection was lost while the failed statement ran
	table   string // the history table, for the instructions
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
	if e.Outcome != OutcomeNone {
		b.WriteString(e.Outcome.clause())
	} else {
		e.writeOutcome(&b)
	}
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

// writeOutcome says what the failure left, as far as hoist knows it.
func (e *MigrationError) writeOutcome(b *strings.Builder) {
	table := e.table
	if table == "" {
		table = "the history table"
	}
	stays := "the statements before the failed one stay"
	switch {
	case e.lost:
		stays = "the connection was lost while the failed statement ran, so the server may still have run it to its end, and any statements before it stay"
	case !e.outside:
		stays += " (committed implicitly)"
	}
	switch {
	case e.Dirty && e.Recorded:
		fmt.Fprintf(b, "; %s, and the history records the migration as failed, so later runs stop with ErrDirty: %s",
			stays, dirtyProcedure(e.Direction, e.Version, table))
	case e.Dirty:
		fmt.Fprintf(b, "; %s, but recording the migration as failed did not work (%v); "+
			"its history row still says running, as written before it began, so later runs stop with ErrDirty: %s",
			stays, e.RecordErr, dirtyProcedure(e.Direction, e.Version, table))
	case e.RolledBack:
		still := "pending"
		if e.Direction == Down {
			still = "applied"
		}
		if e.outside {
			fmt.Fprintf(b, "; none of its statements had succeeded, so nothing of it stays and it is still %s", still)
		} else {
			fmt.Fprintf(b, "; its transaction was rolled back, so nothing of it stays and it is still %s", still)
		}
		if e.RecordErr != nil {
			fmt.Fprintf(b, "; but taking back the running row written before it began did not work (%v), "+
				"so later runs stop with ErrDirty although the schema did not change: ", e.RecordErr)
			if e.Direction == Down {
				fmt.Fprintf(b, "mark it applied again with UPDATE %s SET state = 'applied' WHERE version = %d", table, e.Version)
			} else {
				b.WriteString("run `hoist migrate:repair` (Migrator.Repair) to forget its row")
			}
		}
	}
}

// dirtyProcedure is how to recover from a migration that stopped half
// way in direction dir: the two outcomes an operator can choose, each
// ending in a history that says what the schema holds.
func dirtyProcedure(dir Direction, version int64, table string) string {
	if dir == Down {
		return fmt.Sprintf("either finish the rollback by hand (the failed statement of the down and those after it), "+
			"then run `hoist migrate:repair` (Migrator.Repair), which deletes the failed row so that migration %[1]d is pending "+
			"(the next migrate applies it again); or redo by hand what the down's statements before the failed one undid, "+
			"then mark it applied again with UPDATE %[2]s SET state = 'applied' WHERE version = %[1]d", version, table)
	}
	return fmt.Sprintf("either undo by hand what its statements before the failed one did, "+
		"then run `hoist migrate:repair` (Migrator.Repair), which deletes the failed row so that migration %[1]d is pending "+
		"and the next migrate runs it from the start (fix it first); or finish it by hand (the failed statement, fixed, and those after it), "+
		"then mark it applied with UPDATE %[2]s SET state = 'applied' WHERE version = %[1]d", version, table)
}
