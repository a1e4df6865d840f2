package sdk

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"strings"
	"time"
)

// Outcome is what became of a migration whose run was interrupted: the
// caller's context ended, or the connection was lost, so the error alone
// does not say whether the server committed it. The engine then asks the
// database, on a fresh connection when the migration's own is broken,
// and records the answer in [MigrationError].Outcome.
type Outcome int

const (
	// OutcomeNone: the run was not interrupted, and Err and Dirty say
	// what happened (a failed statement rolls its transaction back).
	OutcomeNone Outcome = iota
	// OutcomeRolledBack: the server rolled the migration's transaction
	// back; nothing changed, and the migration is still pending (or, for
	// a down, still applied).
	OutcomeRolledBack
	// OutcomeApplied: the server committed the migration, with its
	// history change, before the run was interrupted.
	OutcomeApplied
	// OutcomeUnknown: the engine could not find out; the history, read
	// with `hoist migrate:status` ([Migrator.Status]) once the
	// migration's session has ended, tells.
	OutcomeUnknown
)

func (o Outcome) String() string {
	switch o {
	case OutcomeRolledBack:
		return "rolled back"
	case OutcomeApplied:
		return "applied"
	case OutcomeUnknown:
		return "unknown"
	}
	return "none"
}

// clause is what [MigrationError.Error] says of the outcome.
func (o Outcome) clause() string {
	switch o {
	case OutcomeRolledBack:
		return "; it was rolled back, nothing changed"
	case OutcomeApplied:
		return "; it was applied: the server committed it before the run was interrupted"
	case OutcomeUnknown:
		return "; its outcome is unknown: check with `hoist migrate:status` (Migrator.Status)"
	}
	return ""
}

// outcomeTimeout bounds the search for an outcome: the wait for a lost
// session to end, which PostgreSQL's client check makes a fraction of a
// second, and the reading of the history.
const outcomeTimeout = 10 * time.Second

// settle finds out, after mig's run in one transaction failed, whether
// the failure was an interruption (the caller's context ended, or the
// connection was lost) and, if so, what the server did with the
// transaction, and records it in me. It needs the session id from
// startSession; without one (SQLite, whose driver interrupts the
// statement in process), the error stands as it is.
func (m *Migrator) settle(ctx context.Context, conn *sql.Conn, r *runMark, me *MigrationError, rep cancelReport) {
	mig, dir := r.mig, r.dir
	s, _ := ctx.Value(sessionKey{}).(*session)
	cause := stopped(ctx)
	lost := connLost(me.Err)
	if s == nil || me.Outcome != OutcomeNone || me.Dirty || (cause == nil && !rep.requested && !lost) {
		return
	}
	if cause != nil && !errors.Is(me.Err, cause) {
		me.Err = fmt.Errorf("%w: %w", cause, me.Err)
	}
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), outcomeTimeout)
	defer cancel()
	switch {
	case r.atomic():
		me.Outcome = m.outcome(sctx, conn, s, mig, dir)
	case lost:
		// A statement outside a transaction may have committed before
		// the connection broke, and the history would not say so.
		me.Outcome = OutcomeUnknown
	default:
		return
	}
	m.logger.LogAttrs(sctx, slog.LevelWarn, "hoist: migration interrupted",
		slog.Int64("version", mig.Version), slog.String("direction", string(dir)),
		slog.String("outcome", me.Outcome.String()), slog.Any("error", me.Err), slog.Any("cancel_request_error", rep.err))
}

// atomic reports whether r's run kept all its changes in its one
// transaction, so that its history row tells whether it happened: it ran
// in a transaction and, as far as the dirty-flag protocol followed it
// (dirty.go), no statement of it committed implicitly and no running row
// was written before it.
func (r *runMark) atomic() bool {
	return !r.outside && !r.written && !r.committed
}

// outcome asks the database what became of mig. On the migration's own
// session, if it still answers, a ROLLBACK ends whatever is left of the
// transaction and the history then says; a second ROLLBACK covers a
// cancel request that arrived late and interrupted the first. Otherwise
// the session may still be running the migration on the server, and
// commit it: the engine waits, on another connection, for the session to
// end before it reads the history.
func (m *Migrator) outcome(ctx context.Context, conn *sql.Conn, s *session, mig *Migration, dir Direction) Outcome {
	var q Tx = conn
	_, err := conn.ExecContext(ctx, "ROLLBACK")
	if err != nil && !connLost(err) {
		_, err = conn.ExecContext(ctx, "ROLLBACK")
	}
	if err != nil {
		// Give the broken connection up now, so that a pool of one
		// has a connection to ask with; releasing the lock on it would
		// fail anyway.
		_ = conn.Raw(func(any) error { return driver.ErrBadConn })
		if !m.ended(ctx, s) {
			return OutcomeUnknown
		}
		q = m.db
	}
	h, err := m.readHistory(ctx, q)
	if err != nil {
		m.logger.LogAttrs(ctx, slog.LevelWarn, "hoist: reading the history after an interrupted migration failed", slog.Any("error", err))
		return OutcomeUnknown
	}
	r, recorded := h.byVersion()[mig.Version]
	recorded = recorded && r.State == StateApplied
	if recorded == (dir == Up) {
		return OutcomeApplied
	}
	return OutcomeRolledBack
}

// ended waits until the session s is gone from the server, polling with
// the lock's backoff, and reports whether it saw it go before ctx ended.
func (m *Migrator) ended(ctx context.Context, s *session) bool {
	wait := lockPollMin
	for {
		var n int
		if err := m.db.QueryRowContext(ctx, s.canceler.BackendAlive(s.id)).Scan(&n); err != nil {
			m.logger.LogAttrs(ctx, slog.LevelWarn, "hoist: asking whether the migration session has ended failed",
				slog.String("session", s.id), slog.Any("error", err))
			return false
		}
		if n == 0 {
			return true
		}
		dl, _ := ctx.Deadline()
		if pause(ctx, &wait, time.Until(dl)) != nil || time.Until(dl) <= 0 {
			return false
		}
	}
}

// connLost reports whether err says the connection broke, which leaves
// the server's side of it unknown: database/sql's and the drivers' own
// errors, a network error, or a server that ended the session (SQLSTATE
// class 08, 57P01-57P03; MySQL's "connection was killed" and "lost
// connection").
func connLost(err error) bool {
	if err == nil {
		return false
	}
	var ne net.Error
	if errors.Is(err, driver.ErrBadConn) || errors.Is(err, sql.ErrConnDone) ||
		errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) || errors.As(err, &ne) {
		return true
	}
	var coded interface{ SQLState() string }
	if errors.As(err, &coded) {
		if st := coded.SQLState(); strings.HasPrefix(st, "08") || st == "57P01" || st == "57P02" || st == "57P03" {
			return true
		}
	}
	msg := err.Error()
	for _, s := range []string{"conn closed", "connection reset", "broken pipe", "unexpected EOF", "invalid connection",
		"Error 1927", "Error 2013", "Error 2006", "bad connection"} {
		if strings.Contains(msg, s) {
			return true
		}
	}
	return false
}
