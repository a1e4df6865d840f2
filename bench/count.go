package main

import (
	"context"
	"database/sql/driver"
	"errors"
	"fmt"
	"os"
	"sync/atomic"
	"time"
)

// class is a kind of call a tool makes into the driver.
type class int

const (
	clsQuery     class = iota // a query on the connection
	clsExec                   // an exec on the connection
	clsPrepare                // preparing a statement (a round trip on MySQL and PostgreSQL)
	clsStmtExec               // executing a prepared statement
	clsStmtQuery              // querying with a prepared statement
	clsBegin                  // starting a transaction
	clsCommit                 // committing one
	clsRollback               // rolling one back
	clsPing                   // a ping (sql.DB.Ping, Conn.PingContext)
	clsConnect                // opening a connection: timed, not a statement
	numClasses
)

var classNames = [numClasses]string{"query", "exec", "prepare", "stmt exec", "stmt query", "begin", "commit", "rollback", "ping", "connect"}

// stats counts the statements a tool sends and the time spent inside the
// driver for each class of call. Every call that reaches the server counts
// as one statement: a query or exec, a prepare and each execution of the
// prepared statement, BEGIN, COMMIT, ROLLBACK and a ping. A call the driver
// refuses with driver.ErrSkip (go-sql-driver/mysql does this for an exec
// with arguments unless interpolateParams=true, and database/sql then
// prepares the statement instead) is not counted.
type stats struct {
	n [numClasses]atomic.Int64
	d [numClasses]atomic.Int64 // nanoseconds
}

// traceStatements, set by -trace, prints every counted statement.
var traceStatements bool

func (s *stats) add(c class, start time.Time, err error, q string) {
	if errors.Is(err, driver.ErrSkip) {
		return
	}
	s.n[c].Add(1)
	s.d[c].Add(int64(time.Since(start)))
	if traceStatements {
		fmt.Fprintf(os.Stderr, "  %-10s %8s  %.120q\n", classNames[c], time.Since(start).Round(time.Microsecond), q)
	}
}

// snapshot is a stats value frozen after a run.
type snapshot struct {
	N [numClasses]int64
	D [numClasses]time.Duration
}

func (s *stats) snapshot() snapshot {
	var out snapshot
	for c := range numClasses {
		out.N[c] = s.n[c].Load()
		out.D[c] = time.Duration(s.d[c].Load())
	}
	return out
}

// Statements is the total number of statements sent.
func (s snapshot) Statements() int64 {
	var t int64
	for c, n := range s.N {
		if class(c) != clsConnect {
			t += n
		}
	}
	return t
}

// countingConnector wraps a driver.Connector so that every statement sent
// through its connections is counted and timed in s.
type countingConnector struct {
	driver.Connector
	s *stats
}

func (c countingConnector) Connect(ctx context.Context) (driver.Conn, error) {
	start := time.Now()
	conn, err := c.Connector.Connect(ctx)
	c.s.add(clsConnect, start, err, "connect")
	if err != nil {
		return nil, err
	}
	return &countingConn{Conn: conn, s: c.s}, nil
}

type countingConn struct {
	driver.Conn
	s *stats
}

var (
	_ driver.ExecerContext      = (*countingConn)(nil)
	_ driver.QueryerContext     = (*countingConn)(nil)
	_ driver.ConnPrepareContext = (*countingConn)(nil)
	_ driver.ConnBeginTx        = (*countingConn)(nil)
	_ driver.Pinger             = (*countingConn)(nil)
	_ driver.SessionResetter    = (*countingConn)(nil)
	_ driver.Validator          = (*countingConn)(nil)
	_ driver.NamedValueChecker  = (*countingConn)(nil)
)

func (c *countingConn) QueryContext(ctx context.Context, q string, args []driver.NamedValue) (driver.Rows, error) {
	qc, ok := c.Conn.(driver.QueryerContext)
	if !ok {
		return nil, driver.ErrSkip
	}
	start := time.Now()
	rows, err := qc.QueryContext(ctx, q, args)
	c.s.add(clsQuery, start, err, q)
	return rows, err
}

func (c *countingConn) ExecContext(ctx context.Context, q string, args []driver.NamedValue) (driver.Result, error) {
	ec, ok := c.Conn.(driver.ExecerContext)
	if !ok {
		return nil, driver.ErrSkip
	}
	start := time.Now()
	res, err := ec.ExecContext(ctx, q, args)
	c.s.add(clsExec, start, err, q)
	return res, err
}

func (c *countingConn) PrepareContext(ctx context.Context, q string) (driver.Stmt, error) {
	start := time.Now()
	var (
		st  driver.Stmt
		err error
	)
	if pc, ok := c.Conn.(driver.ConnPrepareContext); ok {
		st, err = pc.PrepareContext(ctx, q)
	} else {
		st, err = c.Conn.Prepare(q)
	}
	c.s.add(clsPrepare, start, err, q)
	if err != nil {
		return nil, err
	}
	return &countingStmt{Stmt: st, conn: c, q: q}, nil
}

func (c *countingConn) Prepare(q string) (driver.Stmt, error) {
	return c.PrepareContext(context.Background(), q)
}

func (c *countingConn) BeginTx(ctx context.Context, opts driver.TxOptions) (driver.Tx, error) {
	start := time.Now()
	var (
		tx  driver.Tx
		err error
	)
	if bc, ok := c.Conn.(driver.ConnBeginTx); ok {
		tx, err = bc.BeginTx(ctx, opts)
	} else {
		tx, err = c.Conn.Begin() //nolint:staticcheck // drivers without BeginTx
	}
	c.s.add(clsBegin, start, err, "BEGIN")
	if err != nil {
		return nil, err
	}
	return countingTx{tx: tx, s: c.s}, nil
}

func (c *countingConn) Begin() (driver.Tx, error) {
	return c.BeginTx(context.Background(), driver.TxOptions{})
}

func (c *countingConn) Ping(ctx context.Context) error {
	p, ok := c.Conn.(driver.Pinger)
	if !ok {
		return nil // what database/sql does for a driver without Pinger
	}
	start := time.Now()
	err := p.Ping(ctx)
	c.s.add(clsPing, start, err, "ping")
	return err
}

func (c *countingConn) CheckNamedValue(v *driver.NamedValue) error {
	if nc, ok := c.Conn.(driver.NamedValueChecker); ok {
		return nc.CheckNamedValue(v)
	}
	return driver.ErrSkip
}

func (c *countingConn) ResetSession(ctx context.Context) error {
	if r, ok := c.Conn.(driver.SessionResetter); ok {
		return r.ResetSession(ctx)
	}
	return nil
}

func (c *countingConn) IsValid() bool {
	if v, ok := c.Conn.(driver.Validator); ok {
		return v.IsValid()
	}
	return true
}

type countingTx struct {
	tx driver.Tx
	s  *stats
}

func (t countingTx) Commit() error {
	start := time.Now()
	err := t.tx.Commit()
	t.s.add(clsCommit, start, err, "COMMIT")
	return err
}

func (t countingTx) Rollback() error {
	start := time.Now()
	err := t.tx.Rollback()
	t.s.add(clsRollback, start, err, "ROLLBACK")
	return err
}

type countingStmt struct {
	driver.Stmt
	conn *countingConn
	q    string
}

var (
	_ driver.StmtExecContext   = (*countingStmt)(nil)
	_ driver.StmtQueryContext  = (*countingStmt)(nil)
	_ driver.NamedValueChecker = (*countingStmt)(nil)
)

func (s *countingStmt) ExecContext(ctx context.Context, args []driver.NamedValue) (driver.Result, error) {
	start := time.Now()
	var (
		res driver.Result
		err error
	)
	if ec, ok := s.Stmt.(driver.StmtExecContext); ok {
		res, err = ec.ExecContext(ctx, args)
	} else {
		var vals []driver.Value
		if vals, err = values(args); err == nil {
			res, err = s.Stmt.Exec(vals) //nolint:staticcheck // drivers without StmtExecContext
		}
	}
	s.conn.s.add(clsStmtExec, start, err, s.q)
	return res, err
}

func (s *countingStmt) QueryContext(ctx context.Context, args []driver.NamedValue) (driver.Rows, error) {
	start := time.Now()
	var (
		rows driver.Rows
		err  error
	)
	if qc, ok := s.Stmt.(driver.StmtQueryContext); ok {
		rows, err = qc.QueryContext(ctx, args)
	} else {
		var vals []driver.Value
		if vals, err = values(args); err == nil {
			rows, err = s.Stmt.Query(vals) //nolint:staticcheck // drivers without StmtQueryContext
		}
	}
	s.conn.s.add(clsStmtQuery, start, err, s.q)
	return rows, err
}

// CheckNamedValue asks what database/sql would have asked without the
// wrapper: the statement's checker, else the connection's, then the
// statement's column converter. (database/sql asks only the statement
// when the statement has a checker, and the wrapper always has one.)
func (s *countingStmt) CheckNamedValue(v *driver.NamedValue) error {
	if nc, ok := s.Stmt.(driver.NamedValueChecker); ok {
		return nc.CheckNamedValue(v)
	}
	err := s.conn.CheckNamedValue(v)
	if !errors.Is(err, driver.ErrSkip) {
		return err
	}
	if cc, ok := s.Stmt.(driver.ColumnConverter); ok && v.Ordinal > 0 { //nolint:staticcheck // old drivers
		conv, err := cc.ColumnConverter(v.Ordinal - 1).ConvertValue(v.Value)
		if err != nil {
			return err
		}
		v.Value = conv
		return nil
	}
	return driver.ErrSkip
}

func values(args []driver.NamedValue) ([]driver.Value, error) {
	out := make([]driver.Value, len(args))
	for i, a := range args {
		if a.Name != "" {
			return nil, errors.New("bench: named arguments need a driver with StmtExecContext")
		}
		out[i] = a.Value
	}
	return out, nil
}
