package sdk

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"
)

// Seed runs the named seeders, or all of them when no name is given, in
// name order, each in its own transaction, under the migration lock. A
// Once seeder that has run before is skipped; one that runs is recorded in
// the same transaction, so Seed may be called at every boot. When every
// selected seeder is a Once seeder that has run, Seed costs one query and
// takes no lock.
//
// A Once seeder marked no-transaction that fails after some of its
// statements succeeded is recorded as failed, since what it did stays;
// later calls that select it fail with [ErrDirty], naming it and saying
// how to clear it, instead of running its first statements again.
func (m *Migrator) Seed(ctx context.Context, names ...string) (*SeedResult, error) {
	res := &SeedResult{}
	selected, err := m.selectSeeds(names)
	if err != nil || len(selected) == 0 {
		return res, err
	}
	if allOnce(selected) {
		done, err := m.readSeeds(ctx, m.db)
		if err != nil {
			return res, err
		}
		if allDone(selected, done) {
			for _, s := range selected {
				res.Skipped = append(res.Skipped, s.name)
			}
			return res, nil
		}
	}
	err = m.withLock(ctx, func(ctx context.Context, conn *sql.Conn) error {
		if _, err := conn.ExecContext(ctx, m.dialect.CreateSeedTable(m.seedTable())); err != nil {
			return fmt.Errorf("hoist: creating seed table %s: %w", m.seedTable(), err)
		}
		done, err := m.readSeeds(ctx, conn)
		if err != nil {
			return err
		}
		if err := m.checkFailedSeeds(selected, done); err != nil {
			return err
		}
		for _, s := range selected {
			if s.once && done[s.name] {
				res.Skipped = append(res.Skipped, s.name)
				continue
			}
			r, err := m.runSeed(ctx, conn, s)
			if err != nil {
				return err
			}
			res.Ran = append(res.Ran, r)
		}
		return nil
	})
	return res, err
}

// Seeders returns the names of the seeders the Migrator knows, in the
// order Seed runs them.
func (m *Migrator) Seeders() []string {
	out := make([]string, len(m.seeds))
	for i, s := range m.seeds {
		out[i] = s.name
	}
	return out
}

func (m *Migrator) seedTable() string { return m.table + "_seeds" }

func (m *Migrator) selectSeeds(names []string) ([]*seed, error) {
	if len(names) == 0 {
		out := make([]*seed, len(m.seeds))
		for i := range m.seeds {
			out[i] = &m.seeds[i]
		}
		return out, nil
	}
	want := map[string]bool{}
	for _, n := range names {
		want[n] = true
	}
	var out []*seed
	for i := range m.seeds {
		if want[m.seeds[i].name] {
			out = append(out, &m.seeds[i])
			delete(want, m.seeds[i].name)
		}
	}
	if len(want) > 0 {
		var unknown []string
		for _, n := range names {
			if want[n] {
				unknown = append(unknown, n)
			}
		}
		return nil, fmt.Errorf("hoist: no seeder named %s; known seeders: %s",
			strings.Join(unknown, ", "), strings.Join(m.Seeders(), ", "))
	}
	return out, nil
}

func allOnce(seeds []*seed) bool {
	for _, s := range seeds {
		if !s.once {
			return false
		}
	}
	return true
}

// seedFailed is the checksum recorded for a once seeder that failed half
// way outside a transaction. It cannot be a real checksum, which is
// hexadecimal or empty, and the seed table has no other column to say so.
const seedFailed = "failed"

// checkFailedSeeds fails with ErrDirty when one of the selected once
// seeders is recorded as failed.
func (m *Migrator) checkFailedSeeds(selected []*seed, done map[string]bool) error {
	var failed []string
	for _, s := range selected {
		if ok, recorded := done[s.name]; s.once && recorded && !ok {
			failed = append(failed, s.name)
		}
	}
	if len(failed) == 0 {
		return nil
	}
	quoted := make([]string, len(failed))
	for i, n := range failed {
		quoted[i] = "'" + strings.ReplaceAll(n, "'", "''") + "'"
	}
	table, names := m.dialect.QuoteIdent(m.seedTable()), strings.Join(quoted, ", ")
	return fmt.Errorf("%w: once seeder %s failed half way outside a transaction, and what it did before the failure stays; "+
		"to run it again, undo that by hand and delete its record: DELETE FROM %s WHERE name IN (%s); "+
		"to count it as done, finish it by hand and mark it so: UPDATE %s SET checksum = '' WHERE name IN (%s)",
		ErrDirty, strings.Join(failed, ", "), table, names, table, names)
}

func allDone(seeds []*seed, done map[string]bool) bool {
	for _, s := range seeds {
		if !done[s.name] {
			return false
		}
	}
	return true
}

// readSeeds returns the names of the Once seeders that are recorded,
// true for those that have run and false for those that failed half way;
// a missing table means none is.
func (m *Migrator) readSeeds(ctx context.Context, q Tx) (map[string]bool, error) {
	rows, err := q.QueryContext(ctx, "SELECT name, checksum FROM "+m.dialect.QuoteIdent(m.seedTable()))
	if err != nil {
		if m.dialect.IsMissingTable(err) {
			return map[string]bool{}, nil
		}
		return nil, fmt.Errorf("hoist: reading seed table %s: %w", m.seedTable(), err)
	}
	defer rows.Close()
	done := map[string]bool{}
	for rows.Next() {
		var name, checksum string
		if err := rows.Scan(&name, &checksum); err != nil {
			return nil, fmt.Errorf("hoist: reading seed table %s: %w", m.seedTable(), err)
		}
		done[name] = checksum != seedFailed
	}
	return done, rows.Err()
}

func (m *Migrator) runSeed(ctx context.Context, conn *sql.Conn, s *seed) (SeedRun, error) {
	start := time.Now()
	ran := 0 // statements that succeeded
	body := func(q Tx) error {
		if s.fn != nil {
			if err := s.fn(ctx, q); err != nil {
				return &MigrationError{Name: s.name, Err: err}
			}
		}
		for _, st := range s.statements {
			if _, err := q.ExecContext(ctx, st.SQL); err != nil {
				return &MigrationError{Name: s.name, File: s.file, Line: st.Line, Statement: st.SQL, Err: err}
			}
			ran++
		}
		if s.once {
			if _, err := q.ExecContext(ctx, m.dialect.InsertSeed(m.seedTable()), s.name, s.checksum, m.timeArg(start)); err != nil {
				return &MigrationError{Name: s.name, File: s.file, Err: fmt.Errorf("recording it in %s: %w", m.seedTable(), err)}
			}
		}
		return nil
	}
	var err error
	if s.noTransaction {
		// A fleet target's schema, as for migrations (fleet_notx.go).
		var leave func(context.Context)
		if leave, err = m.enterSchema(ctx, conn); err != nil {
			return SeedRun{Name: s.name, File: s.file}, &MigrationError{Name: s.name, File: s.file, Err: err}
		}
		err = body(conn)
		leave(ctx)
		if err != nil && s.once && ran > 0 {
			err = m.markSeedFailed(ctx, conn, s, start, err)
		}
	} else {
		_, err = m.inTx(ctx, conn, func(tx *sql.Tx) (int, error) { return 0, body(tx) })
	}
	r := SeedRun{Name: s.name, File: s.file, Duration: time.Since(start)}
	if err != nil {
		return r, err
	}
	m.emit(ctx, Event{Kind: EventSeeded, Seeder: r})
	m.logger.LogAttrs(ctx, slog.LevelInfo, "hoist: seeded", slog.String("seeder", s.name), slog.Duration("duration", r.Duration))
	return r, nil
}

// markSeedFailed records a once seeder that failed after some of its
// statements, run outside a transaction, succeeded: what they did stays,
// so running them again at the next Seed would do it twice. It records
// also when ctx was cancelled, and returns err with what to do.
func (m *Migrator) markSeedFailed(ctx context.Context, conn *sql.Conn, s *seed, start time.Time, err error) error {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), releaseTimeout)
	defer cancel()
	if _, ferr := conn.ExecContext(ctx, m.dialect.InsertSeed(m.seedTable()), s.name, seedFailed, dbTime(start)); ferr != nil {
		return errors.Join(err, fmt.Errorf("hoist: recording seeder %s as failed in %s: %w", s.name, m.seedTable(), ferr))
	}
	m.logger.LogAttrs(ctx, slog.LevelError, "hoist: seeder failed half way and is recorded as failed", slog.String("seeder", s.name))
	return fmt.Errorf("%w; it ran without a transaction, so the statements before the failure stay, "+
		"and it is recorded as failed: the next Seed that selects it fails with ErrDirty and says how to clear it", err)
}
