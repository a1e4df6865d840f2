package sdk

import (
	"context"
	"database/sql"
	"errors"
	"log/slog"
	"sync"
	"time"

	"github.com/hoistdb/hoist/dialect"
)

// Cancellation: a driver whose context is cancelled in the middle of a
// statement closes the connection without telling the server (pgx sets a
// deadline on the socket; go-sql-driver/mysql closes it), and the server
// goes on to run the migration and commit it while the caller hears that
// it failed. Where the dialect is a [dialect.Canceler], the engine instead
// runs each migration on a context that is not cancelled and, when the
// caller's context ends, asks the server over another connection of the
// pool to cancel the migration's statement; then the statement returns
// with the server's verdict, and the engine stops before the next one.
// Only when that request cannot be sent does the engine fall back on the
// driver dropping the connection; outcome.go then finds out what
// happened.

// cancelTimeout bounds the cancel request, which needs a connection of
// the pool besides the migration's.
const cancelTimeout = 5 * time.Second

// session is the migration lock's connection as the server knows it.
type session struct {
	canceler dialect.Canceler
	id       string
}

type sessionKey struct{}

// callerKey holds the caller's context inside a watched one.
type callerKey struct{}

// startSession asks the server for the id of the lock's session (and,
// on PostgreSQL, to watch for a vanished client) and returns ctx carrying
// it. Without an id, migrations are cancelled as before, by the driver;
// a failure is logged, not returned, because the migrations can still
// run, and a broken connection fails the next step anyway.
func (m *Migrator) startSession(ctx context.Context, conn *sql.Conn) context.Context {
	c, ok := m.dialect.(dialect.Canceler)
	if !ok {
		return ctx
	}
	var id string
	rows, err := conn.QueryContext(ctx, c.BackendID())
	if err == nil {
		defer rows.Close()
		var cols []string
		if cols, err = rows.Columns(); err == nil && rows.Next() {
			vals := make([]any, len(cols))
			for i := range vals {
				vals[i] = new(sql.RawBytes)
			}
			if err = rows.Scan(vals...); err == nil {
				id = string(*vals[0].(*sql.RawBytes))
			}
		} else if err == nil {
			err = rows.Err()
		}
	}
	if err != nil || id == "" {
		if ctx.Err() != nil {
			return ctx // the run stops at its next step anyway
		}
		m.logger.LogAttrs(ctx, slog.LevelWarn, "hoist: could not ask the migration session for its id; a cancelled migration will drop its connection instead of being cancelled by the server",
			slog.Any("error", err))
		return ctx
	}
	return context.WithValue(ctx, sessionKey{}, &session{canceler: c, id: id})
}

// endSession undoes what startSession set on the session.
func (m *Migrator) endSession(ctx context.Context, conn *sql.Conn) {
	s, _ := ctx.Value(sessionKey{}).(*session)
	if s == nil || s.canceler.ResetSession() == "" {
		return
	}
	rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), releaseTimeout)
	defer cancel()
	// A connection given up after a lost session has nothing to reset.
	if _, err := conn.ExecContext(rctx, s.canceler.ResetSession()); err != nil && !errors.Is(err, sql.ErrConnDone) {
		m.logger.LogAttrs(rctx, slog.LevelWarn, "hoist: resetting the migration session failed", slog.Any("error", err))
	}
}

// cancelReport is what the watcher of one migration did.
type cancelReport struct {
	requested bool  // the caller's context ended while the migration ran
	err       error // the cancel request failed: the driver dropped the connection instead
}

// watch returns the context to run one migration on: not cancelled with
// ctx, but cancelled by the server when ctx ends (see above). stop ends
// the watch, waits for a cancel request in flight, and reports; calling
// it again reports the same. Without
// a session id, or with a pool of one connection, which leaves none for
// the request, watch returns ctx itself.
func (m *Migrator) watch(ctx context.Context) (context.Context, func() cancelReport) {
	s, _ := ctx.Value(sessionKey{}).(*session)
	if s == nil || m.db.Stats().MaxOpenConnections == 1 {
		return ctx, func() cancelReport { return cancelReport{requested: ctx.Err() != nil} }
	}
	wctx, drop := context.WithCancel(context.WithValue(context.WithoutCancel(ctx), callerKey{}, ctx))
	var (
		rep  cancelReport
		stop = make(chan struct{})
		done = make(chan struct{})
	)
	go func() {
		defer close(done)
		select {
		case <-stop:
			return
		case <-ctx.Done():
		}
		rep.requested = true
		cctx, cancel := context.WithTimeout(wctx, cancelTimeout)
		defer cancel()
		if _, err := m.db.ExecContext(cctx, s.canceler.CancelBackend(s.id)); err != nil {
			rep.err = err
			m.logger.LogAttrs(cctx, slog.LevelWarn, "hoist: asking the server to cancel the migration failed; dropping its connection instead",
				slog.String("session", s.id), slog.Any("error", err))
			drop()
		}
	}()
	stopOnce := sync.OnceValue(func() cancelReport {
		close(stop)
		<-done
		drop()
		return rep
	})
	return wctx, stopOnce
}

// caller returns the caller's context of a watched context, or ctx.
func caller(ctx context.Context) context.Context {
	if c, ok := ctx.Value(callerKey{}).(context.Context); ok {
		return c
	}
	return ctx
}

// stopped returns the cause of the caller's context if it has ended.
func stopped(ctx context.Context) error {
	c := caller(ctx)
	if c.Err() != nil {
		return context.Cause(c)
	}
	return nil
}

// watchedTx is the Tx a migration's statements run on under watch: a
// statement is not sent once the caller's context has ended (the server
// cancels only the statement it runs, and MySQL's interrupted SLEEP() is
// not even an error), and a statement in flight is left to the server's
// verdict, whatever context a Go migration passes: every statement is
// sent with the watched context, which carries the caller's values and
// ends only when the cancel request could not be sent.
type watchedTx struct {
	Tx
	watch, caller context.Context
}

// watched returns q as a watchedTx when ctx is watched.
func watched(ctx context.Context, q Tx) Tx {
	c := caller(ctx)
	if c == ctx {
		return q
	}
	return &watchedTx{Tx: q, watch: ctx, caller: c}
}

// bind is the context to send a statement with: the caller's when it
// has ended, which database/sql refuses before sending anything.
func (w *watchedTx) bind(context.Context) context.Context {
	if w.caller.Err() != nil {
		return w.caller
	}
	return w.watch
}

func (w *watchedTx) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	return w.Tx.ExecContext(w.bind(ctx), query, args...)
}

func (w *watchedTx) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	return w.Tx.QueryContext(w.bind(ctx), query, args...)
}

func (w *watchedTx) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	return w.Tx.QueryRowContext(w.bind(ctx), query, args...)
}
