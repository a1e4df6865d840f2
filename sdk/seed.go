package sdk

import (
	"context"
	"database/sql"
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

func allDone(seeds []*seed, done map[string]bool) bool {
	for _, s := range seeds {
		if !done[s.name] {
			return false
		}
	}
	return true
}

// readSeeds returns the names of the Once seeders that have run; a missing
// table means none has.
func (m *Migrator) readSeeds(ctx context.Context, q Tx) (map[string]bool, error) {
	rows, err := q.QueryContext(ctx, m.dialect.SelectSeeds(m.seedTable()))
	if err != nil {
		if m.dialect.IsMissingTable(err) {
			return map[string]bool{}, nil
		}
		return nil, fmt.Errorf("hoist: reading seed table %s: %w", m.seedTable(), err)
	}
	defer rows.Close()
	done := map[string]bool{}
	for rows.Next() {
		var name string
		if err := rows.Scan(&name); err != nil {
			return nil, fmt.Errorf("hoist: reading seed table %s: %w", m.seedTable(), err)
		}
		done[name] = true
	}
	return done, rows.Err()
}

func (m *Migrator) runSeed(ctx context.Context, conn *sql.Conn, s *seed) (SeedRun, error) {
	start := time.Now()
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
		err = body(conn)
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
