package testkit

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"runtime"
	"strings"
	"sync"
)

// MySQL and MariaDB have no CREATE DATABASE ... TEMPLATE. The fastest
// correct copy measured (see BenchmarkMigrated and docs/testing.md) is to
// read the template's schema once per test binary, as the server itself
// prints it (SHOW CREATE ...), and for every clone replay it, several
// statements per round trip, then copy the rows of the tables that have
// any (the history table, and whatever migrations inserted).

// mysqlSchema is a template's schema as statements, in replay order.
// cloneTarget in them stands for the quoted name of the new database,
// cloneSource for the template's.
type mysqlSchema struct {
	// setup is the session settings every connection of a clone starts
	// with.
	setup string
	// tables holds, per table or sequence, its CREATE statement and, when
	// it has rows, the INSERT ... SELECT that copies them. Tables are
	// independent of each other (foreign keys are not checked while
	// copying), so several connections replay them at once.
	tables [][]string
	// after holds what needs every table: sequence positions and views.
	after []string
	// single holds triggers, routines and events, whose bodies may hold
	// semicolons, one round trip each, with their own sql_mode. They come
	// after the rows, so that copying fires no trigger.
	single []string
}

type mysqlSchemaEntry struct {
	once   sync.Once
	schema *mysqlSchema
	err    error
}

// cloneSQLMode is the session sql_mode of schema reads and replays: no
// ANSI_QUOTES, so that SHOW CREATE quotes with backticks; no strict mode,
// so that whatever the template holds is accepted again; and
// NO_AUTO_VALUE_ON_ZERO, so that a copied 0 in an AUTO_INCREMENT column
// stays 0.
const cloneSQLMode = "NO_AUTO_VALUE_ON_ZERO"

// The placeholders of the schema's statements, which no SQL text the
// server prints holds.
const (
	cloneTarget = "\x00target\x00"
	cloneSource = "\x00source\x00"
)

func (s *mysqlServer) clone(ctx context.Context, tpl, name string) (dsn string, err error) {
	entry, _ := s.schemas.LoadOrStore(tpl, &mysqlSchemaEntry{})
	e := entry.(*mysqlSchemaEntry)
	e.once.Do(func() { e.schema, e.err = s.readSchema(ctx, tpl) })
	if e.err != nil {
		s.schemas.CompareAndDelete(tpl, e)
		return "", fmt.Errorf("read the schema of template %s: %w", tpl, e.err)
	}
	if _, err := s.create(ctx, name); err != nil {
		return "", err
	}
	defer func() {
		if err != nil {
			_ = s.drop(context.WithoutCancel(ctx), name)
		}
	}()
	q := mysqlEngine.dialect.QuoteIdent
	fill := strings.NewReplacer(cloneTarget, q(name), cloneSource, q(tpl))
	sc := e.schema

	// Replay the tables on up to cloneConns connections at once: most of
	// the time of a CREATE TABLE is the server's file work, which
	// overlaps.
	workers := min(cloneConns, max(len(sc.tables), 1))
	errs := make([]error, workers)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var stmts []string
			for i := w; i < len(sc.tables); i += workers {
				stmts = append(stmts, sc.tables[i]...)
			}
			errs[w] = s.replay(ctx, name, fill, append([]string{sc.setup}, stmts...), nil)
		}()
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return "", err
	}
	if err := s.replay(ctx, name, fill, append([]string{sc.setup}, sc.after...), sc.single); err != nil {
		return "", err
	}
	return s.dsn(name), nil
}

// cloneConns is how many connections a clone replays tables on, and
// cloneBatchSize how many statements it sends per round trip. Measured
// with BenchmarkMySQLClone on 2 cores: on a server in memory, 2
// connections took 40 ms where 1 took 50-55 ms and 4 or 8 no less than
// 2; on a server on disk, 2 took from 0 to 30% less than 1, depending on
// the series. Batching saves round trips, not DDL work.
var (
	cloneConns     = min(4, max(2, runtime.GOMAXPROCS(0)))
	cloneBatchSize = 64
)

// replay runs batch, several statements per round trip, then single, one
// at a time, on a connection of its own to database name.
func (s *mysqlServer) replay(ctx context.Context, name string, fill *strings.Replacer, batch, single []string) error {
	conn, err := s.cloner.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, "USE "+quoteIdent(name)); err != nil {
		return err
	}
	for i := 0; i < len(batch); i += cloneBatchSize {
		part := batch[i:min(i+cloneBatchSize, len(batch))]
		if _, err := conn.ExecContext(ctx, fill.Replace(strings.Join(part, ";\n"))); err != nil {
			return err
		}
	}
	for _, stmt := range single {
		if _, err := conn.ExecContext(ctx, fill.Replace(stmt)); err != nil {
			return err
		}
	}
	// The connection goes back to the pool: leave it as it was found.
	_, err = conn.ExecContext(ctx, "SET SESSION foreign_key_checks = 1, SESSION unique_checks = 1, NAMES utf8mb4")
	return err
}

// readSchema reads template tpl into statements that recreate it.
func (s *mysqlServer) readSchema(ctx context.Context, tpl string) (*mysqlSchema, error) {
	conn, err := s.admin.Conn(ctx)
	if err != nil {
		return nil, err
	}
	defer conn.Close()
	// Restore the pool's defaults when done.
	var mode string
	if err := conn.QueryRowContext(ctx, "SELECT @@SESSION.sql_mode").Scan(&mode); err != nil {
		return nil, err
	}
	if _, err := conn.ExecContext(ctx, "SET SESSION sql_mode = ?", cloneSQLMode); err != nil {
		return nil, err
	}
	defer conn.ExecContext(context.WithoutCancel(ctx), "SET SESSION sql_mode = ?", mode)

	r := &schemaReader{ctx: ctx, conn: conn, tpl: tpl}
	sc := &mysqlSchema{
		setup: "SET SESSION foreign_key_checks = 0, SESSION unique_checks = 0, SESSION sql_mode = " + quoteString(cloneSQLMode),
	}
	tables, err := r.strings(`SELECT TABLE_NAME, TABLE_TYPE FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? ORDER BY TABLE_NAME`, 2)
	if err != nil {
		return nil, err
	}
	var views, sequences []string
	for _, row := range tables {
		name, kind := row[0], row[1]
		switch kind {
		case "VIEW":
			views = append(views, name)
			continue
		case "SEQUENCE":
			sequences = append(sequences, name)
		}
		create, err := r.show("SHOW CREATE TABLE "+r.qualified(name), 1)
		if err != nil {
			return nil, err
		}
		stmts := []string{create[0]}
		if kind != "SEQUENCE" {
			copyStmt, err := r.copyRows(name)
			if err != nil {
				return nil, err
			}
			if copyStmt != "" {
				stmts = append(stmts, copyStmt)
			}
		}
		sc.tables = append(sc.tables, stmts)
	}
	for _, name := range sequences {
		var next int64
		if err := conn.QueryRowContext(ctx, "SELECT next_not_cached_value FROM "+r.qualified(name)).Scan(&next); err != nil {
			return nil, err
		}
		sc.after = append(sc.after, fmt.Sprintf("SELECT SETVAL(%s, %d, 0)", quoteIdent(name), next))
	}
	viewStmts, err := r.views(views)
	if err != nil {
		return nil, err
	}
	sc.after = append(sc.after, viewStmts...)

	if sc.single, err = r.programs(); err != nil {
		return nil, err
	}
	return sc, nil
}

// schemaReader reads one template's catalogue on one connection.
type schemaReader struct {
	ctx  context.Context
	conn *sql.Conn
	tpl  string
}

func (r *schemaReader) qualified(name string) string {
	return quoteIdent(r.tpl) + "." + quoteIdent(name)
}

// strings returns the rows of query, with the template's name as its one
// argument, as n strings each.
func (r *schemaReader) strings(query string, n int) ([][]string, error) {
	rows, err := r.conn.QueryContext(r.ctx, query, r.tpl)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out [][]string
	for rows.Next() {
		row := make([]string, n)
		ptrs := make([]any, n)
		for i := range row {
			ptrs[i] = &row[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			return nil, err
		}
		out = append(out, row)
	}
	return out, rows.Err()
}

// show runs a SHOW CREATE statement and returns the columns it names,
// by position, of its one row.
func (r *schemaReader) show(query string, cols ...int) ([]string, error) {
	rows, err := r.conn.QueryContext(r.ctx, query)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	names, err := rows.Columns()
	if err != nil {
		return nil, err
	}
	if !rows.Next() {
		if err := rows.Err(); err != nil {
			return nil, err
		}
		return nil, fmt.Errorf("%s: no row", query)
	}
	vals := make([]sql.NullString, len(names))
	ptrs := make([]any, len(names))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	if err := rows.Scan(ptrs...); err != nil {
		return nil, err
	}
	out := make([]string, len(cols))
	for i, c := range cols {
		out[i] = vals[c].String
	}
	return out, nil
}

// copyRows returns the statement that copies the rows of table, or ""
// when it has none. Generated columns are left for the server to compute.
func (r *schemaReader) copyRows(table string) (string, error) {
	var one int
	err := r.conn.QueryRowContext(r.ctx, "SELECT 1 FROM "+r.qualified(table)+" LIMIT 1").Scan(&one)
	if err == sql.ErrNoRows {
		return "", nil
	}
	if err != nil {
		return "", err
	}
	rows, err := r.conn.QueryContext(r.ctx, `SELECT COLUMN_NAME FROM information_schema.COLUMNS
		WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ? AND IS_GENERATED = 'NEVER' ORDER BY ORDINAL_POSITION`, r.tpl, table)
	if err != nil {
		return "", err
	}
	defer rows.Close()
	var cols []string
	for rows.Next() {
		var c string
		if err := rows.Scan(&c); err != nil {
			return "", err
		}
		cols = append(cols, quoteIdent(c))
	}
	if err := rows.Err(); err != nil {
		return "", err
	}
	list := strings.Join(cols, ", ")
	t := quoteIdent(table)
	return "INSERT INTO " + cloneTarget + "." + t + " (" + list + ") SELECT " + list + " FROM " + cloneSource + "." + t, nil
}

// views returns the CREATE VIEW statements of names, each after the views
// it reads from. SHOW CREATE VIEW qualifies every table with the
// template's name, which the clone's replaces.
func (r *schemaReader) views(names []string) ([]string, error) {
	defs := map[string]string{}
	for _, name := range names {
		v, err := r.show("SHOW CREATE VIEW "+r.qualified(name), 1)
		if err != nil {
			return nil, err
		}
		defs[name] = v[0]
	}
	from := quoteIdent(r.tpl) + "."
	var out []string
	done := map[string]bool{}
	// A view may read from views; order them so that each comes after
	// those it names. Names are matched as the server prints them.
	for len(done) < len(names) {
		progress := false
		for _, name := range names {
			if done[name] {
				continue
			}
			ready := true
			for _, other := range names {
				if other != name && !done[other] && strings.Contains(defs[name], from+quoteIdent(other)) {
					ready = false
					break
				}
			}
			if ready {
				out = append(out, strings.ReplaceAll(defs[name], from, cloneTarget+"."))
				done[name] = true
				progress = true
			}
		}
		if !progress {
			return nil, fmt.Errorf("the views of %s read from each other in a cycle", r.tpl)
		}
	}
	return out, nil
}

// programs returns the triggers, routines and events of the template,
// each a statement that sets the sql_mode and character set it was
// created under, then creates it.
func (r *schemaReader) programs() ([]string, error) {
	var out []string
	add := func(create, mode, charset, collation string) {
		out = append(out, fmt.Sprintf("SET SESSION sql_mode = %s, character_set_client = %s, collation_connection = %s",
			quoteString(mode), quoteString(charset), quoteString(collation)))
		out = append(out, create)
	}
	routines, err := r.strings(`SELECT ROUTINE_NAME, ROUTINE_TYPE FROM information_schema.ROUTINES WHERE ROUTINE_SCHEMA = ? ORDER BY ROUTINE_NAME`, 2)
	if err != nil {
		return nil, err
	}
	for _, rt := range routines {
		// Columns: name, sql_mode, Create ..., character_set_client, collation_connection.
		v, err := r.show("SHOW CREATE "+rt[1]+" "+r.qualified(rt[0]), 2, 1, 3, 4)
		if err != nil {
			return nil, err
		}
		add(v[0], v[1], v[2], v[3])
	}
	triggers, err := r.strings(`SELECT TRIGGER_NAME FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA = ? ORDER BY EVENT_OBJECT_TABLE, ACTION_ORDER`, 1)
	if err != nil {
		return nil, err
	}
	for _, tr := range triggers {
		v, err := r.show("SHOW CREATE TRIGGER "+r.qualified(tr[0]), 2, 1, 3, 4)
		if err != nil {
			return nil, err
		}
		add(v[0], v[1], v[2], v[3])
	}
	events, err := r.strings(`SELECT EVENT_NAME FROM information_schema.EVENTS WHERE EVENT_SCHEMA = ? ORDER BY EVENT_NAME`, 1)
	if err != nil {
		return nil, err
	}
	for _, ev := range events {
		// Columns: Event, sql_mode, time_zone, Create Event, character_set_client, collation_connection.
		v, err := r.show("SHOW CREATE EVENT "+r.qualified(ev[0]), 3, 1, 4, 5)
		if err != nil {
			return nil, err
		}
		add(v[0], v[1], v[2], v[3])
	}
	return out, nil
}

func quoteIdent(name string) string { return mysqlEngine.dialect.QuoteIdent(name) }

// quoteString quotes s as a MySQL string literal.
func quoteString(s string) string {
	return "'" + strings.NewReplacer(`\`, `\\`, `'`, `''`).Replace(s) + "'"
}
