package testkit

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/go-sql-driver/mysql"
)

// MySQL's shelf: MySQL and MariaDB cannot rename a database, so a clone
// keeps its name hoist_test_pool_… for life, and an empty database
// beside it, hoist_test_rdy_…, says that it is complete and on the
// shelf. A binary holds the named lock (GET_LOCK) of a clone while it
// makes it and while it holds it; it claims a clone on the shelf by
// taking its lock and then dropping its marker, which only one DROP can
// do. A clone without a marker whose lock is free was being made or used
// by a binary that died.

// locks returns the connection that holds the binary's clone locks.
func (s *mysqlServer) locks() *lockConn {
	s.lockOnce.Do(func() {
		s.lockConn = &lockConn{
			open: func() (*sql.DB, error) {
				connector, err := mysql.NewConnector(s.cfg)
				if err != nil {
					return nil, err
				}
				return sql.OpenDB(connector), nil
			},
			lock:   "SELECT GET_LOCK(?, 0)",
			unlock: "SELECT RELEASE_LOCK(?)",
			arg:    func(name string) any { return name },
		}
	})
	return s.lockConn
}

func (s *mysqlServer) shelve(ctx context.Context, tpl, key string) error {
	name, _, err := s.cloneClaimed(ctx, tpl, key)
	if err != nil {
		return err
	}
	if err := s.unclaim(ctx, name); err != nil {
		_ = s.drop(context.WithoutCancel(ctx), name)
		return err
	}
	return nil
}

func (s *mysqlServer) shelved(ctx context.Context, key string) ([]string, error) {
	markers := s.list(ctx, shelfPattern("rdy", key))
	names := make([]string, 0, len(markers))
	for _, m := range markers {
		names = append(names, shelfSibling(m, "pool"))
	}
	return names, nil
}

func (s *mysqlServer) claim(ctx context.Context, name string) (string, string, bool, error) {
	if ok, err := s.locks().take(ctx, name); err != nil || !ok {
		return "", "", false, err
	}
	if _, err := s.admin.ExecContext(ctx, "DROP DATABASE "+quoteIdent(shelfSibling(name, "rdy"))); err != nil {
		s.locks().release(context.WithoutCancel(ctx), name)
		var me *mysql.MySQLError
		if errors.As(err, &me) && me.Number == 1008 { // no such database: claimed by another binary
			return "", "", false, nil
		}
		return "", "", false, err
	}
	return name, s.dsn(name), true, nil
}

func (s *mysqlServer) cloneClaimed(ctx context.Context, tpl, key string) (string, string, error) {
	name := newShelfName("pool", key, time.Now())
	if _, err := s.locks().take(ctx, name); err != nil {
		return "", "", err
	}
	dsn, err := s.clone(ctx, tpl, name) // drops what it made when it fails
	if err != nil {
		s.locks().release(context.WithoutCancel(ctx), name)
	}
	return name, dsn, err
}

func (s *mysqlServer) unclaim(ctx context.Context, name string) error {
	if _, err := s.admin.ExecContext(ctx, "CREATE DATABASE "+quoteIdent(shelfSibling(name, "rdy"))); err != nil {
		return err
	}
	s.locks().release(ctx, name)
	return nil
}

func (s *mysqlServer) keep(ctx context.Context, name string) (string, error) {
	if _, err := s.admin.ExecContext(ctx, "CREATE DATABASE "+quoteIdent(shelfSibling(name, "kpt"))); err != nil {
		return name, err
	}
	s.locks().release(ctx, name)
	return name, nil
}

// dropClone drops a clone and its markers, and releases its lock.
func (s *mysqlServer) dropClone(ctx context.Context, name string) error {
	if _, err := s.admin.ExecContext(ctx, "DROP DATABASE IF EXISTS "+quoteIdent(name)); err != nil {
		return err
	}
	for _, kind := range []string{"rdy", "kpt"} {
		if _, err := s.admin.ExecContext(ctx, "DROP DATABASE IF EXISTS "+quoteIdent(shelfSibling(name, kind))); err != nil {
			return err
		}
	}
	s.locks().release(ctx, name)
	return nil
}

// sweepShelf drops the clones without a marker whose lock is free (their
// binary died while making or holding them), clones shelved for more
// than shelfMaxAge or kept for more than a day, and markers left without their clone. It takes each
// lock on a connection of its own, so that it sees this binary's locks
// as taken, and holds it while it drops.
func (s *mysqlServer) sweepShelf(ctx context.Context, now time.Time) {
	conn, err := s.admin.Conn(ctx)
	if err != nil {
		return
	}
	defer conn.Close()
	has := func(pattern string) map[string]bool {
		set := map[string]bool{}
		for _, n := range s.list(ctx, pattern) {
			set[shelfSibling(n, "pool")] = true
		}
		return set
	}
	clones, ready, kept := has(`hoist\_test\_pool\_%`), has(`hoist\_test\_rdy\_%`), has(`hoist\_test\_kpt\_%`)
	for name := range clones {
		expired := shelfExpired(name, now)
		if kept[name] {
			expired = shelfOlderThan(name, now, databaseMaxAge)
		}
		if (ready[name] || kept[name]) && !expired {
			continue
		}
		var got sql.NullInt64
		if conn.QueryRowContext(ctx, "SELECT GET_LOCK(?, 0)", name).Scan(&got) != nil || got.Int64 != 1 {
			continue // made or held by a live binary
		}
		// Under the lock, nobody claims it or finishes it.
		if len(s.list(ctx, shelfSibling(name, "rdy"))) == 0 || expired {
			_ = s.dropClone(ctx, name)
		}
		_, _ = conn.ExecContext(ctx, "DO RELEASE_LOCK(?)", name)
	}
	for name := range ready {
		if !clones[name] {
			_, _ = s.admin.ExecContext(ctx, "DROP DATABASE IF EXISTS "+quoteIdent(shelfSibling(name, "rdy")))
		}
	}
	for name := range kept {
		if !clones[name] {
			_, _ = s.admin.ExecContext(ctx, "DROP DATABASE IF EXISTS "+quoteIdent(shelfSibling(name, "kpt")))
		}
	}
}

func (s *mysqlServer) namesLike(ctx context.Context, pattern string) []string {
	return s.list(ctx, pattern)
}

func (s *mysqlServer) lockFree(ctx context.Context, name string) bool {
	var free sql.NullInt64
	err := s.admin.QueryRowContext(ctx, "SELECT IS_FREE_LOCK(?)", name).Scan(&free)
	return err == nil && free.Int64 == 1
}
