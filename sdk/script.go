package sdk

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"
)

// Scripts: where the dialect is a [dialect.Scripter] (PostgreSQL), a SQL
// migration's statements and its history change go to the server as one
// string in one round trip. When a script fails, the server has skipped
// the rest of it, so nothing tells which statement failed; the engine
// then replays the statements one by one in a transaction that it rolls
// back, to report the failed statement, its line and the driver's error
// as a [*MigrationError]. Failures are rare; round trips are not. The
// replay never runs Go code again: in a single-transaction batch, once a
// Go migration has run, each script runs under a savepoint and only the
// failed migration is replayed, from there.

// errReplayed rolls back a replay that found nothing wrong.
var errReplayed = errors.New("hoist: replay done")

// runScript applies one SQL migration as BEGIN, prologue, statements,
// history change, COMMIT.
func (m *Migrator) runScript(ctx context.Context, conn *sql.Conn, mig *Migration, dir Direction, batch int) error {
	var b strings.Builder
	b.WriteString("BEGIN;\n")
	if p := m.scripter.MigrationPrologue(); p != "" {
		b.WriteString(p)
		b.WriteString(";\n")
	}
	m.writeScript(&b, mig, dir, batch)
	b.WriteString("COMMIT")
	_, err := conn.ExecContext(ctx, b.String())
	if err == nil {
		return nil
	}
	// The failed statement left the transaction block open and aborted.
	rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), releaseTimeout)
	defer cancel()
	if _, rerr := conn.ExecContext(rctx, "ROLLBACK"); rerr != nil {
		return errors.Join(m.scriptError(mig, dir, err), fmt.Errorf("hoist: sending ROLLBACK after the failure: %w", rerr))
	}
	return m.locate(ctx, conn, nil, mig, dir, batch, err)
}

// writeScript appends a SQL migration's statements and history change.
func (m *Migrator) writeScript(b *strings.Builder, mig *Migration, dir Direction, batch int) {
	for _, st := range mig.step(dir).statements() {
		writeStatement(b, st.SQL)
	}
	at := dbTime(time.Now())
	if dir == Up {
		b.WriteString(m.scripter.InsertHistoryScript(m.table, mig.Version, mig.Name, mig.Checksum, batch, at))
	} else {
		b.WriteString(m.scripter.DeleteHistoryScript(m.table, mig.Version))
	}
	b.WriteString(";\n")
	if !m.noEvents {
		// The event rides in the same script and transaction (events.go).
		b.WriteString(m.eventSQL(runEvent(dir), mig.Version, mig.Name, batch, at, m.scriptElapsedExpr()))
		b.WriteString(";\n")
	}
}

// writeStatement appends one statement and the semicolon that ends it.
// A statement block keeps its text as written, so its last line may end
// in a -- comment; the semicolon then goes on a line of its own, where
// the comment cannot swallow it (and with it the boundary to the next
// statement).
func writeStatement(b *strings.Builder, sql string) {
	b.WriteString(sql)
	if strings.Contains(sql[strings.LastIndexByte(sql, '\n')+1:], "--") {
		b.WriteByte('\n')
	}
	b.WriteString(";\n")
}

// locate finds the statement of mig that made its script fail: in a
// transaction it rolls back, it applies before (migrations that ran
// earlier in the same transaction) and then mig statement by statement.
func (m *Migrator) locate(ctx context.Context, conn *sql.Conn, before []*Migration, mig *Migration, dir Direction, batch int, scriptErr error) error {
	if stopped(ctx) != nil {
		return m.scriptError(mig, dir, scriptErr)
	}
	_, err := m.inTx(ctx, conn, func(tx *sql.Tx) (int, error) {
		for _, p := range before {
			if err := m.upInTx(ctx, tx, p, batch, false); err != nil {
				return 0, err
			}
		}
		if _, err := m.execStep(ctx, tx, mig, dir, mig.step(dir)); err != nil {
			return 0, err
		}
		return 0, errReplayed
	})
	var me *MigrationError
	if errors.As(err, &me) && me.Version == mig.Version {
		return me
	}
	if errors.Is(err, errReplayed) {
		// Every statement passed alone: the failure was in the history
		// change, the commit, or something that differs between a run
		// and its replay (a deadlock, a lock timeout).
		return m.scriptError(mig, dir, fmt.Errorf("%w (no statement of %s failed when run again one by one: "+
			"the failure came from the history change, the commit or a transient conflict)", scriptErr, mig.step(dir).file()))
	}
	return m.scriptError(mig, dir, scriptErr)
}

func (m *Migrator) scriptError(mig *Migration, dir Direction, err error) *MigrationError {
	return &MigrationError{Version: mig.Version, Name: mig.Name, Direction: dir, File: mig.step(dir).file(), Err: err}
}

// upInTx applies mig and its history row inside tx, as one script where
// the dialect allows it. With guard, the script runs under a savepoint:
// if it fails, the transaction goes back to the savepoint and replays
// mig alone statement by statement, to name the failed statement without
// running again what ran before it in tx (see applyUpSingle).
func (m *Migrator) upInTx(ctx context.Context, tx Tx, mig *Migration, batch int, guard bool) error {
	if m.scripter == nil || mig.up.fn != nil {
		_, err := m.stepInTx(ctx, tx, mig, Up, batch, time.Now())
		return err
	}
	var b strings.Builder
	if guard {
		b.WriteString("SAVEPOINT " + locateSavepoint + ";\n")
	}
	m.writeScript(&b, mig, Up, batch)
	if guard {
		b.WriteString("RELEASE SAVEPOINT " + locateSavepoint)
	}
	_, err := tx.ExecContext(ctx, b.String())
	if err == nil || !guard || ctx.Err() != nil {
		if err != nil {
			return m.scriptError(mig, Up, err)
		}
		return nil
	}
	if _, rerr := tx.ExecContext(ctx, "ROLLBACK TO SAVEPOINT "+locateSavepoint); rerr != nil {
		return errors.Join(m.scriptError(mig, Up, err), fmt.Errorf("hoist: rolling back to a savepoint: %w", rerr))
	}
	if _, rerr := m.execStep(ctx, tx, mig, Up, mig.up); rerr != nil {
		return rerr
	}
	return m.scriptError(mig, Up, fmt.Errorf("%w (no statement of %s failed when run again one by one: "+
		"the failure came from the history change or a transient conflict)", err, mig.up.file()))
}

// locateSavepoint is the savepoint that upInTx rolls back to.
const locateSavepoint = "hoist_locate"

// applyUpSingle applies pending in one transaction ([WithSingleTransaction]).
func (m *Migrator) applyUpSingle(ctx context.Context, conn *sql.Conn, h *history, pending []*Migration, res *Result) error {
	// planUp has refused a pending migration that must run outside a
	// transaction (checkSingleTx).
	batch := h.lastBatch() + 1
	var (
		applied []Applied
		failed  = -1
		// guard is set once a Go migration has run in the transaction:
		// from then on a failed script cannot be located by replaying
		// the batch, which would run the Go code again, so each script
		// runs under a savepoint instead (see upInTx). Before that the
		// batch is plain SQL, and a replay costs nothing until something
		// fails.
		guard bool
	)
	_, err := m.inTx(ctx, conn, func(tx *sql.Tx) (int, error) {
		for i, mig := range pending {
			start := time.Now()
			m.emit(ctx, Event{Kind: EventMigrating, Migration: Applied{Version: mig.Version, Name: mig.Name, File: mig.up.file(), Direction: Up}})
			if err := m.upInTx(ctx, tx, mig, batch, guard); err != nil {
				failed = i
				return 0, err
			}
			guard = guard || mig.up.fn != nil
			applied = append(applied, Applied{Version: mig.Version, Name: mig.Name, File: mig.up.file(), Direction: Up, Duration: time.Since(start)})
		}
		return 0, nil
	})
	if err != nil {
		var me *MigrationError
		if failed >= 0 && !guard && m.scripter != nil && pending[failed].up.fn == nil && errors.As(err, &me) && me.Line == 0 {
			err = m.locate(ctx, conn, pending[:failed], pending[failed], Up, batch, me.Err)
		}
		return err
	}
	res.Batch, res.Applied = batch, applied
	for _, a := range applied {
		m.logRun(ctx, a)
	}
	m.logger.LogAttrs(ctx, slog.LevelInfo, "hoist: committed migrations in one transaction", slog.Int("migrations", len(applied)))
	return nil
}
