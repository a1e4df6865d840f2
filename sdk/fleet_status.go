package sdk

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/hoistdb/hoist/dialect"
)

// TargetStatus is one row of [Fleet.Status].
type TargetStatus struct {
	Target string
	// Server is the name of the target's server in [Fleets.Status]; ""
	// in [Fleet.Status].
	Server string
	// Pending counts the migrations not applied to the target; all of
	// them where it has no history table yet.
	Pending int
	// FailedAt is the version of a failed (or running) history row, 0
	// when none.
	FailedAt int64
	// Changed: an applied migration's file no longer matches its checksum.
	Changed bool
	// NoSchema: the schema (or the database, or the file) does not
	// exist.
	NoSchema bool
	// LockedBy describes the session holding the target's migration lock
	// (see [dialect.Lock]), for a target that is not up to date; "" when
	// nobody holds it.
	LockedBy string
	// Err is the error of this Fleet's last run of the target (Up or
	// Ensure, in this process) when it failed and the target is still not
	// up to date. A migration that failed in a transaction leaves nothing
	// in the history, so another process sees it as pending; in this one
	// Err holds its *MigrationError, and FailedAt its version.
	Err error

	noun string // what a target is: schema, database, file
}

// UpToDate says whether nothing is pending, failed or changed.
func (s TargetStatus) UpToDate() bool {
	return s.Pending == 0 && s.FailedAt == 0 && !s.Changed && !s.NoSchema
}

func (s TargetStatus) String() string {
	switch {
	case s.NoSchema && s.noun != "":
		return "no " + s.noun
	case s.NoSchema:
		return "no schema"
	case s.LockedBy != "":
		return "locked by " + s.LockedBy
	case s.FailedAt != 0:
		return fmt.Sprintf("failed at %d", s.FailedAt)
	case s.Changed:
		return "changed"
	case s.Pending > 0:
		return fmt.Sprintf("pending %d", s.Pending)
	}
	return "up to date"
}

// Status reads the state of every target in the same few queries as the
// start of [Fleet.Up], taking no lock: a matrix of targets × state. On
// PostgreSQL databases and SQLite files, which no one query can read
// together, it reads each target's history through a pool of its own.
func (f *Fleet) Status(ctx context.Context) ([]TargetStatus, error) {
	names, err := f.Targets(ctx)
	if err != nil {
		return nil, err
	}
	scan, err := f.scanAll(ctx, names)
	if err != nil {
		return nil, err
	}
	out := make([]TargetStatus, len(names))
	for i, s := range names {
		m, err := f.judge(s)
		if err != nil {
			return nil, err
		}
		t := scan[s]
		var target *Migrator // the database target's own, opened when needed
		if !t.known && !t.noSchema {
			if t, target, err = f.readAlone(ctx, s); err != nil {
				return nil, err
			}
		}
		out[i] = t.status(m, s)
		out[i].noun = f.kind.noun()
		if !out[i].UpToDate() && !out[i].NoSchema {
			err := f.describe(ctx, &out[i], m, target)
			if target != nil {
				target.db.Close()
			}
			if err != nil {
				return nil, err
			}
		} else if target != nil {
			target.db.Close()
		}
	}
	return out, nil
}

// readAlone reads one target's history alone: a schema or MySQL database
// whose chunk changed under the scan, or a target that no scan reads. A
// database target's Migrator is returned open, for describe.
func (f *Fleet) readAlone(ctx context.Context, s string) (targetScan, *Migrator, error) {
	var (
		one map[string]targetScan
		err error
	)
	switch f.kind {
	case kindSchemas:
		one, err = f.scan(ctx, []string{s})
	case kindMySQLDatabases:
		one, err = f.scanMySQL(ctx, []string{s})
	default:
		m, closeTarget, err := f.openDatabase(s)
		if err != nil {
			return targetScan{}, nil, err
		}
		t, err := readTarget(ctx, m)
		if err != nil {
			closeTarget()
			return targetScan{}, nil, fmt.Errorf("hoist: fleet: reading the history of %s: %w", s, err)
		}
		return t, m, nil
	}
	if err != nil {
		return targetScan{}, nil, err
	}
	if t := one[s]; t.known {
		return t, nil, nil
	}
	return targetScan{}, nil, fmt.Errorf("hoist: fleet: reading the history of %s failed", s)
}

// describe adds to the status of a target that is not up to date who
// holds its lock, and the failure of this process's last run of it,
// which the history does not keep when a transaction undid the
// migration.
func (f *Fleet) describe(ctx context.Context, st *TargetStatus, m, target *Migrator) error {
	f.mu.Lock()
	last := f.lastErr[st.Target]
	f.mu.Unlock()
	if last != nil {
		st.Err = last
		var me *MigrationError
		if st.FailedAt == 0 && errors.As(last, &me) {
			st.FailedAt = me.Version
		}
	}
	db := f.db
	if f.kind != kindSchemas {
		if target == nil {
			var (
				closeTarget func()
				err         error
			)
			if target, closeTarget, err = f.openDatabase(st.Target); err != nil {
				return err
			}
			defer closeTarget()
		}
		db = target.db
	}
	var err error
	st.LockedBy, err = f.holder(ctx, db, m)
	return err
}

// holder describes who holds the lock of a target that is not up to
// date, "" when nobody does: one query or two per such target, none for
// the targets that are up to date.
func (f *Fleet) holder(ctx context.Context, db *sql.DB, m *Migrator) (string, error) {
	table := m.table
	if m.lock.mode == LockLease {
		// The lease is a row naming its holder, read through the pool.
		h, err := f.dialect.(dialect.LeaseLocker).NewLease(db, table, m.lock.lease).Holder(ctx)
		if err != nil {
			return "", fmt.Errorf("hoist: fleet: asking who holds the lease of %s: %w", table, err)
		}
		return h, nil
	}
	conn, err := db.Conn(ctx)
	if err != nil {
		return "", fmt.Errorf("hoist: fleet: connecting to ask for the lock of %s: %w", table, err)
	}
	defer conn.Close()
	h, err := f.dialect.NewLock(conn, table).Holder(ctx)
	if err != nil {
		return "", fmt.Errorf("hoist: fleet: asking who holds the lock of %s: %w", table, err)
	}
	return h, nil
}
