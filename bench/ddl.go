package main

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
)

// ddlTool is no migrator at all: the migrations' up statements alone,
// one exec each, with no history and no lock, and all in one transaction
// where the engine's DDL is transactional (PostgreSQL, SQLite: so no
// commit per statement either), in autocommit on MySQL, which commits
// every DDL statement anyway. It is what the server's DDL costs, which no
// migrator can go below, and it runs in the fresh apply only. Its ratio
// to goose is the best a migrator could do against goose on the machine:
// where it is above a target, no client reaches the target there.
type ddlTool struct{}

func (ddlTool) name() string        { return "ddl" }
func (ddlTool) format() format      { return formatPairs }
func (ddlTool) dsn(t target) string { return t.dsn }

func (ddlTool) up(ctx context.Context, db *sql.DB, t target, fsys fs.FS) (int, func(), error) {
	versions, names, err := floorFiles(fsys)
	if err != nil {
		return 0, noop, err
	}
	var q interface {
		ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	} = db
	var tx *sql.Tx
	if t.kind != mysqlKind {
		if tx, err = db.BeginTx(ctx, nil); err != nil {
			return 0, noop, err
		}
		defer tx.Rollback()
		q = tx
	}
	for _, v := range versions {
		body, err := readStatement(fsys, names[v]+".up.sql")
		if err != nil {
			return 0, noop, err
		}
		if _, err := q.ExecContext(ctx, body); err != nil {
			return 0, noop, fmt.Errorf("migration %d: %w", v, err)
		}
	}
	if tx != nil {
		if err := tx.Commit(); err != nil {
			return 0, noop, err
		}
	}
	return len(versions), noop, nil
}

var errDDLOnly = errors.New("ddl keeps no history, so it runs in the fresh apply only")

func (ddlTool) rollback(context.Context, *sql.DB, target, fs.FS, int, int) (func(), error) {
	return noop, errDDLOnly
}

// history is nil: the tables, which verify counts, are all the record
// the statements leave.
func (ddlTool) history(context.Context, *sql.DB, target, int) (map[int64]int, string, error) {
	return nil, "", nil
}
