package main

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strconv"
	"strings"
	"syscall"
)

// floorTool is hand-written database/sql doing the least possible: one
// SELECT of the applied versions (CREATE TABLE IF NOT EXISTS only when
// that SELECT fails), then per migration BEGIN, its statement, the insert
// of its version as a literal (no prepare) and COMMIT. With lock set, for
// the concurrent start, it first takes the engine's blocking lock on one
// connection: pg_advisory_lock, GET_LOCK, or flock(2) beside the SQLite
// file.
type floorTool struct{ lock bool }

func (floorTool) name() string        { return "floor" }
func (floorTool) format() format      { return formatPairs }
func (floorTool) dsn(t target) string { return t.dsn }

const floorTable = "floor_versions"

// floorQuerier is what the floor runs on: the pool, or the lock's
// connection.
type floorQuerier interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	BeginTx(ctx context.Context, opts *sql.TxOptions) (*sql.Tx, error)
}

// floorFiles maps version to the base name of the pair ("00001_create_t_1").
func floorFiles(fsys fs.FS) ([]int64, map[int64]string, error) {
	entries, err := fs.ReadDir(fsys, ".")
	if err != nil {
		return nil, nil, err
	}
	var versions []int64
	names := map[int64]string{}
	for _, e := range entries {
		base, ok := strings.CutSuffix(e.Name(), ".up.sql")
		if !ok {
			continue
		}
		num, _, _ := strings.Cut(base, "_")
		v, err := strconv.ParseInt(num, 10, 64)
		if err != nil {
			return nil, nil, fmt.Errorf("%s: %w", e.Name(), err)
		}
		versions = append(versions, v)
		names[v] = base
	}
	return versions, names, nil // ReadDir sorts by name, and the names are zero-padded
}

func floorApplied(ctx context.Context, q floorQuerier) (map[int64]bool, error) {
	rows, err := q.QueryContext(ctx, "SELECT version FROM "+floorTable)
	if err != nil {
		if _, cerr := q.ExecContext(ctx, "CREATE TABLE IF NOT EXISTS "+floorTable+" (version BIGINT PRIMARY KEY)"); cerr != nil {
			return nil, errors.Join(err, cerr)
		}
		return map[int64]bool{}, nil
	}
	defer rows.Close()
	applied := map[int64]bool{}
	for rows.Next() {
		var v int64
		if err := rows.Scan(&v); err != nil {
			return nil, err
		}
		applied[v] = true
	}
	return applied, rows.Err()
}

func floorStep(ctx context.Context, q floorQuerier, body, record string) error {
	tx, err := q.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, body); err != nil {
		_ = tx.Rollback()
		return err
	}
	if _, err := tx.ExecContext(ctx, record); err != nil {
		_ = tx.Rollback()
		return err
	}
	return tx.Commit()
}

func readStatement(fsys fs.FS, file string) (string, error) {
	b, err := fs.ReadFile(fsys, file)
	if err != nil {
		return "", err
	}
	return strings.TrimSuffix(strings.TrimSpace(string(b)), ";"), nil
}

func (f floorTool) up(ctx context.Context, db *sql.DB, t target, fsys fs.FS) (int, func(), error) {
	versions, names, err := floorFiles(fsys)
	if err != nil {
		return 0, noop, err
	}
	var q floorQuerier = db
	if f.lock {
		conn, unlock, err := floorLock(ctx, db, t)
		if err != nil {
			return 0, noop, err
		}
		defer unlock()
		q = conn
	}
	applied, err := floorApplied(ctx, q)
	if err != nil {
		return 0, noop, err
	}
	n := 0
	for _, v := range versions {
		if applied[v] {
			continue
		}
		body, err := readStatement(fsys, names[v]+".up.sql")
		if err != nil {
			return n, noop, err
		}
		if err := floorStep(ctx, q, body, fmt.Sprintf("INSERT INTO %s (version) VALUES (%d)", floorTable, v)); err != nil {
			return n, noop, fmt.Errorf("migration %d: %w", v, err)
		}
		n++
	}
	return n, noop, nil
}

func (floorTool) rollback(ctx context.Context, db *sql.DB, _ target, fsys fs.FS, _, steps int) (func(), error) {
	versions, names, err := floorFiles(fsys)
	if err != nil {
		return noop, err
	}
	applied, err := floorApplied(ctx, db)
	if err != nil {
		return noop, err
	}
	for i := len(versions) - 1; i >= 0 && steps > 0; i-- {
		v := versions[i]
		if !applied[v] {
			continue
		}
		body, err := readStatement(fsys, names[v]+".down.sql")
		if err != nil {
			return noop, err
		}
		if err := floorStep(ctx, db, body, fmt.Sprintf("DELETE FROM %s WHERE version = %d", floorTable, v)); err != nil {
			return noop, fmt.Errorf("migration %d: %w", v, err)
		}
		steps--
	}
	return noop, nil
}

func (floorTool) history(ctx context.Context, db *sql.DB, _ target, _ int) (map[int64]int, string, error) {
	return countVersions(ctx, db, "SELECT version, 1 = 1 FROM "+floorTable)
}

// floorLock takes the floor's migration lock, waiting as long as it takes,
// and returns the connection to migrate on and the function that releases
// the lock. On SQLite the lock is flock(2) on a file beside the database,
// since SQLite has no lock that outlives a transaction.
func floorLock(ctx context.Context, db *sql.DB, t target) (*sql.Conn, func(), error) {
	conn, err := db.Conn(ctx)
	if err != nil {
		return nil, nil, err
	}
	switch t.kind {
	case postgresKind:
		if _, err := conn.ExecContext(ctx, "SELECT pg_advisory_lock(7243)"); err != nil {
			conn.Close()
			return nil, nil, err
		}
		return conn, func() {
			_, _ = conn.ExecContext(context.WithoutCancel(ctx), "SELECT pg_advisory_unlock(7243)")
			conn.Close()
		}, nil
	case mysqlKind:
		var ok sql.NullInt64
		if err := conn.QueryRowContext(ctx, "SELECT GET_LOCK(CONCAT('floor:', DATABASE()), 300)").Scan(&ok); err != nil || ok.Int64 != 1 {
			conn.Close()
			return nil, nil, fmt.Errorf("GET_LOCK: %v (result %v)", err, ok)
		}
		return conn, func() {
			_, _ = conn.ExecContext(context.WithoutCancel(ctx), "DO RELEASE_LOCK(CONCAT('floor:', DATABASE()))")
			conn.Close()
		}, nil
	}
	path, err := sqlitePath(t.dsn)
	if err != nil {
		conn.Close()
		return nil, nil, err
	}
	f, err := os.OpenFile(path+".floor.lock", os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		conn.Close()
		return nil, nil, err
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX); err != nil {
		f.Close()
		conn.Close()
		return nil, nil, err
	}
	return conn, func() {
		conn.Close()
		_ = syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
		f.Close()
	}, nil
}
