package testkit

import (
	"context"
	"database/sql/driver"
	"errors"
	"fmt"
	"reflect"
	"strconv"
	"sync"
	"testing"

	"github.com/hoistdb/hoist/dialect"
)

// pinned is one real connection of a MigratedTx test, inside the test's
// transaction. Every connection of the test's *sql.DB is a txConn on it,
// so whatever the test runs through database/sql runs in that
// transaction; mu lets one call at a time reach the real connection.
type pinned struct {
	mu      sync.Mutex
	conn    driver.Conn
	dialect dialect.Dialect
	t       testing.TB
	// savepoints numbers the savepoints that BeginTx opens.
	savepoints int
	// session is set once the test sent a statement that may leave
	// state in a MySQL session beyond its transaction (sessionState).
	session bool
}

// exec runs a statement without arguments on the real connection.
func (p *pinned) exec(ctx context.Context, query string) error {
	e, ok := p.conn.(driver.ExecerContext)
	if !ok {
		return fmt.Errorf("the %s driver cannot execute statements directly", p.dialect.Name())
	}
	_, err := e.ExecContext(ctx, query, nil)
	return err
}

// check refuses a statement that would end the test's transaction: it
// fails the test, naming the statement (the application may swallow the
// error), and returns the error instead of sending it.
func (p *pinned) check(query string) error {
	if !p.session && p.dialect.Name() == "mysql" && sessionState(query) {
		p.mu.Lock()
		p.session = true
		p.mu.Unlock()
	}
	stmt, why := txEnding(p.dialect, query)
	if stmt == "" {
		return nil
	}
	err := fmt.Errorf("testkit: MigratedTx: refused %q: %s, and what the test wrote would stay in the database that every MigratedTx test of this migration set shares; "+
		"use testkit.Migrated for a test that commits or changes the schema", stmt, why)
	p.t.Errorf("%v", err)
	return err
}

// txConnector hands database/sql a txConn on one pinned connection each
// time it asks for a connection.
type txConnector struct{ p *pinned }

func (c txConnector) Connect(context.Context) (driver.Conn, error) { return &txConn{p: c.p}, nil }
func (c txConnector) Driver() driver.Driver                        { return txDriver{} }

type txDriver struct{}

func (txDriver) Open(string) (driver.Conn, error) {
	return nil, errors.New("testkit: a MigratedTx database cannot be opened by name")
}

// txConn is a connection of a MigratedTx test's *sql.DB. Closing it
// leaves the pinned connection open; BeginTx opens a savepoint.
type txConn struct{ p *pinned }

var (
	_ driver.ConnPrepareContext = (*txConn)(nil)
	_ driver.ConnBeginTx        = (*txConn)(nil)
	_ driver.ExecerContext      = (*txConn)(nil)
	_ driver.QueryerContext     = (*txConn)(nil)
	_ driver.NamedValueChecker  = (*txConn)(nil)
	_ driver.SessionResetter    = (*txConn)(nil)
	_ driver.Validator          = (*txConn)(nil)
)

func (c *txConn) Prepare(query string) (driver.Stmt, error) {
	return c.PrepareContext(context.Background(), query)
}

func (c *txConn) PrepareContext(ctx context.Context, query string) (driver.Stmt, error) {
	if err := c.p.check(query); err != nil {
		return nil, err
	}
	c.p.mu.Lock()
	defer c.p.mu.Unlock()
	var s driver.Stmt
	var err error
	if pc, ok := c.p.conn.(driver.ConnPrepareContext); ok {
		s, err = pc.PrepareContext(ctx, query)
	} else {
		s, err = c.p.conn.Prepare(query)
	}
	if err != nil {
		return nil, err
	}
	return &txStmt{p: c.p, s: s}, nil
}

func (c *txConn) Close() error { return nil }

func (c *txConn) Begin() (driver.Tx, error) {
	return c.BeginTx(context.Background(), driver.TxOptions{})
}

// BeginTx opens a savepoint in the test's transaction: the application's
// Commit releases it and its Rollback rolls back to it. Isolation levels
// and read-only are the outer transaction's.
func (c *txConn) BeginTx(ctx context.Context, _ driver.TxOptions) (driver.Tx, error) {
	c.p.mu.Lock()
	defer c.p.mu.Unlock()
	c.p.savepoints++
	name := "hoist_testkit_" + strconv.Itoa(c.p.savepoints)
	if err := c.p.exec(ctx, "SAVEPOINT "+name); err != nil {
		return nil, err
	}
	return &txSavepoint{p: c.p, name: name}, nil
}

func (c *txConn) ExecContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Result, error) {
	if err := c.p.check(query); err != nil {
		return nil, err
	}
	e, ok := c.p.conn.(driver.ExecerContext)
	if !ok {
		return nil, driver.ErrSkip
	}
	c.p.mu.Lock()
	defer c.p.mu.Unlock()
	return e.ExecContext(ctx, query, args)
}

func (c *txConn) QueryContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Rows, error) {
	if err := c.p.check(query); err != nil {
		return nil, err
	}
	q, ok := c.p.conn.(driver.QueryerContext)
	if !ok {
		return nil, driver.ErrSkip
	}
	c.p.mu.Lock()
	defer c.p.mu.Unlock()
	rows, err := q.QueryContext(ctx, query, args)
	if err != nil {
		return nil, err
	}
	return &txRows{Rows: rows, p: c.p}, nil
}

func (c *txConn) CheckNamedValue(nv *driver.NamedValue) error {
	if ch, ok := c.p.conn.(driver.NamedValueChecker); ok {
		return ch.CheckNamedValue(nv)
	}
	return driver.ErrSkip
}

func (c *txConn) ResetSession(context.Context) error { return nil }
func (c *txConn) IsValid() bool                      { return true }

// txSavepoint is a transaction the application began inside the test's.
type txSavepoint struct {
	p    *pinned
	name string
}

func (s *txSavepoint) Commit() error {
	s.p.mu.Lock()
	defer s.p.mu.Unlock()
	return s.p.exec(context.Background(), "RELEASE SAVEPOINT "+s.name)
}

func (s *txSavepoint) Rollback() error {
	s.p.mu.Lock()
	defer s.p.mu.Unlock()
	if err := s.p.exec(context.Background(), "ROLLBACK TO SAVEPOINT "+s.name); err != nil {
		return err
	}
	return s.p.exec(context.Background(), "RELEASE SAVEPOINT "+s.name)
}

// txStmt is a prepared statement on the pinned connection.
type txStmt struct {
	p *pinned
	s driver.Stmt
}

func (s *txStmt) Close() error {
	s.p.mu.Lock()
	defer s.p.mu.Unlock()
	return s.s.Close()
}

func (s *txStmt) NumInput() int { return s.s.NumInput() }

func (s *txStmt) Exec(args []driver.Value) (driver.Result, error) {
	s.p.mu.Lock()
	defer s.p.mu.Unlock()
	return s.s.Exec(args) //nolint:staticcheck // the driver's own fallback
}

func (s *txStmt) Query(args []driver.Value) (driver.Rows, error) {
	s.p.mu.Lock()
	defer s.p.mu.Unlock()
	rows, err := s.s.Query(args) //nolint:staticcheck // the driver's own fallback
	if err != nil {
		return nil, err
	}
	return &txRows{Rows: rows, p: s.p}, nil
}

func (s *txStmt) ExecContext(ctx context.Context, args []driver.NamedValue) (driver.Result, error) {
	e, ok := s.s.(driver.StmtExecContext)
	if !ok {
		return s.Exec(values(args))
	}
	s.p.mu.Lock()
	defer s.p.mu.Unlock()
	return e.ExecContext(ctx, args)
}

func (s *txStmt) QueryContext(ctx context.Context, args []driver.NamedValue) (driver.Rows, error) {
	q, ok := s.s.(driver.StmtQueryContext)
	if !ok {
		return s.Query(values(args))
	}
	s.p.mu.Lock()
	defer s.p.mu.Unlock()
	rows, err := q.QueryContext(ctx, args)
	if err != nil {
		return nil, err
	}
	return &txRows{Rows: rows, p: s.p}, nil
}

func (s *txStmt) CheckNamedValue(nv *driver.NamedValue) error {
	if ch, ok := s.s.(driver.NamedValueChecker); ok {
		return ch.CheckNamedValue(nv)
	}
	return driver.ErrSkip
}

// values drops the names of arguments, for a driver without context
// methods (database/sql has rejected names such a driver cannot take).
func values(args []driver.NamedValue) []driver.Value {
	out := make([]driver.Value, len(args))
	for i, a := range args {
		out[i] = a.Value
	}
	return out
}

// txRows reads rows under the pinned connection's lock, and passes on
// what the driver's rows say about their columns.
type txRows struct {
	driver.Rows
	p *pinned
}

func (r *txRows) Next(dest []driver.Value) error {
	r.p.mu.Lock()
	defer r.p.mu.Unlock()
	return r.Rows.Next(dest)
}

func (r *txRows) Close() error {
	r.p.mu.Lock()
	defer r.p.mu.Unlock()
	return r.Rows.Close()
}

func (r *txRows) ColumnTypeScanType(i int) reflect.Type {
	if c, ok := r.Rows.(driver.RowsColumnTypeScanType); ok {
		return c.ColumnTypeScanType(i)
	}
	return reflect.TypeFor[any]()
}

func (r *txRows) ColumnTypeDatabaseTypeName(i int) string {
	if c, ok := r.Rows.(driver.RowsColumnTypeDatabaseTypeName); ok {
		return c.ColumnTypeDatabaseTypeName(i)
	}
	return ""
}

func (r *txRows) ColumnTypeNullable(i int) (nullable, ok bool) {
	if c, ok := r.Rows.(driver.RowsColumnTypeNullable); ok {
		return c.ColumnTypeNullable(i)
	}
	return false, false
}

func (r *txRows) ColumnTypeLength(i int) (length int64, ok bool) {
	if c, ok := r.Rows.(driver.RowsColumnTypeLength); ok {
		return c.ColumnTypeLength(i)
	}
	return 0, false
}

func (r *txRows) ColumnTypePrecisionScale(i int) (precision, scale int64, ok bool) {
	if c, ok := r.Rows.(driver.RowsColumnTypePrecisionScale); ok {
		return c.ColumnTypePrecisionScale(i)
	}
	return 0, 0, false
}
