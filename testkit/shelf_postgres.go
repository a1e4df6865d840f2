package testkit

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/binary"
	"time"
)

// PostgreSQL's shelf: a clone on the shelf is named hoist_test_pool_…
// and is complete as soon as it exists (CREATE DATABASE is atomic). A
// binary claims one by renaming it to hoist_test_held_…, which only one
// rename can do, after taking the advisory lock of the new name; the
// clone is dropped after its test, and the lock released after that. A
// held clone whose lock is free belongs to a binary that died.

// cloneLockID is the advisory lock key of a claimed clone.
func cloneLockID(name string) any {
	sum := sha256.Sum256([]byte("hoist testkit clone " + name))
	return int64(binary.BigEndian.Uint64(sum[:8]))
}

// locks returns the connection that holds the binary's clone locks.
func (s *postgresServer) locks() *lockConn {
	s.lockOnce.Do(func() {
		s.lockConn = &lockConn{
			open:   func() (*sql.DB, error) { return sql.Open(postgresEngine.driver, s.base) },
			lock:   "SELECT pg_try_advisory_lock($1)",
			unlock: "SELECT pg_advisory_unlock($1)",
			arg:    cloneLockID,
		}
	})
	return s.lockConn
}

func (s *postgresServer) shelve(ctx context.Context, tpl, key string) error {
	_, err := s.clone(ctx, tpl, newShelfName("pool", key, time.Now()))
	return err
}

func (s *postgresServer) shelved(ctx context.Context, key string) ([]string, error) {
	return s.names(ctx, shelfPattern("pool", key))
}

// names lists the databases whose names are LIKE pattern.
func (s *postgresServer) names(ctx context.Context, pattern string) ([]string, error) {
	rows, err := s.admin.QueryContext(ctx, `SELECT datname FROM pg_database WHERE datname LIKE $1 ORDER BY datname`, pattern)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var names []string
	for rows.Next() {
		var name string
		if err := rows.Scan(&name); err != nil {
			return nil, err
		}
		names = append(names, name)
	}
	return names, rows.Err()
}

func (s *postgresServer) claim(ctx context.Context, name string) (string, string, bool, error) {
	held := shelfSibling(name, "held")
	if ok, err := s.locks().take(ctx, held); err != nil || !ok {
		return "", "", false, err
	}
	q := postgresEngine.dialect.QuoteIdent
	if _, err := s.admin.ExecContext(ctx, "ALTER DATABASE "+q(name)+" RENAME TO "+q(held)); err != nil {
		s.locks().release(context.WithoutCancel(ctx), held)
		if isMissingDatabase(err) {
			return "", "", false, nil // another binary claimed it
		}
		return "", "", false, err
	}
	dsn, err := postgresDSN(s.base, held)
	return held, dsn, err == nil, err
}

func (s *postgresServer) cloneClaimed(ctx context.Context, tpl, key string) (string, string, error) {
	held := newShelfName("held", key, time.Now())
	if _, err := s.locks().take(ctx, held); err != nil {
		return "", "", err
	}
	dsn, err := s.clone(ctx, tpl, held)
	if err != nil {
		s.locks().release(context.WithoutCancel(ctx), held)
	}
	return held, dsn, err
}

func (s *postgresServer) unclaim(ctx context.Context, held string) error {
	q := postgresEngine.dialect.QuoteIdent
	// RENAME waits up to 5s for the sessions of the closed handle to end.
	_, err := s.admin.ExecContext(ctx, "ALTER DATABASE "+q(held)+" RENAME TO "+q(shelfSibling(held, "pool")))
	if err == nil {
		s.locks().release(ctx, held)
	}
	return err
}

func (s *postgresServer) keep(ctx context.Context, held string) (string, error) {
	name := newDatabaseName(time.Now())
	q := postgresEngine.dialect.QuoteIdent
	if _, err := s.admin.ExecContext(ctx, "ALTER DATABASE "+q(held)+" RENAME TO "+q(name)); err != nil {
		return held, err
	}
	s.locks().release(ctx, held)
	return name, nil
}

// sweepShelf drops the held clones whose lock is free (their binary
// died: a live one holds the lock of each until it dropped it) and the
// clones that stayed on the shelf for shelfMaxAge.
func (s *postgresServer) sweepShelf(ctx context.Context, now time.Time) {
	held, _ := s.names(ctx, `hoist\_test\_held\_%`)
	for _, name := range held {
		var free bool
		// One statement, so one session: the lock is taken and released
		// at once when free.
		err := s.admin.QueryRowContext(ctx, "SELECT pg_try_advisory_lock($1) AND pg_advisory_unlock($1)", cloneLockID(name)).Scan(&free)
		if err == nil && free {
			_ = s.drop(ctx, name)
		}
	}
	pooled, _ := s.names(ctx, `hoist\_test\_pool\_%`)
	for _, name := range pooled {
		if shelfExpired(name, now) {
			_ = s.drop(ctx, name)
		}
	}
}

func (s *postgresServer) namesLike(ctx context.Context, pattern string) []string {
	names, _ := s.names(ctx, pattern)
	return names
}

func (s *postgresServer) lockFree(ctx context.Context, name string) bool {
	var free bool
	// One statement, so one session, as in sweepShelf.
	err := s.admin.QueryRowContext(ctx, "SELECT pg_try_advisory_lock($1) AND pg_advisory_unlock($1)", cloneLockID(name)).Scan(&free)
	return err == nil && free
}
