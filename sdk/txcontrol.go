package sdk

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	"github.com/hoistdb/hoist/embedfs"
)

// Files with their own transaction. golang-migrate runs a file as it is,
// without a transaction of its own, so its users write BEGIN; ...
// COMMIT; into the files that need one. Inside hoist's transaction such a
// file's COMMIT would commit hoist's transaction half way (and the
// history row after it would no longer go with the migration), and
// replaying the file to locate a failure would run committed statements
// again. So a SQL migration in which a statement begins or ends a
// transaction runs as golang-migrate ran it: outside a transaction of
// hoist's, statement by statement, like a no-transaction migration. A
// failure after something of it may have committed is recorded as
// failed (dirty); one inside its own transaction, with nothing
// committed, leaves it pending (see leaveOwnTransaction).

// ownTransaction returns the first statement of f, up or down, that
// begins or ends a transaction, and the file that holds it.
func ownTransaction(f *embedfs.Migration) (file string, st embedfs.Statement, ok bool) {
	if st, ok := firstTransactionControl(f.Up.Statements); ok {
		return f.Up.File, st, true
	}
	if f.Down != nil {
		if st, ok := firstTransactionControl(f.Down.Statements); ok {
			return f.Down.File, st, true
		}
	}
	return "", embedfs.Statement{}, false
}

func firstTransactionControl(stmts []embedfs.Statement) (embedfs.Statement, bool) {
	for _, st := range stmts {
		if controlsTransaction(st.SQL) {
			return st, true
		}
	}
	return embedfs.Statement{}, false
}

// controlsTransaction reports whether stmt begins, commits or rolls back
// a transaction, on any of the engines: BEGIN (but not MariaDB's
// compound BEGIN NOT ATOMIC), START TRANSACTION, COMMIT, END, ROLLBACK
// (but not ROLLBACK TO a savepoint), ABORT and PREPARE TRANSACTION.
// Savepoints nest inside hoist's transaction, so SAVEPOINT and RELEASE
// do not count.
func controlsTransaction(stmt string) bool {
	w := words(stmt, 3)
	if len(w) == 0 {
		return false
	}
	next := func(i int) string {
		if i < len(w) {
			return w[i]
		}
		return ""
	}
	switch w[0] {
	case "COMMIT", "ABORT":
		return true
	case "START", "PREPARE":
		return next(1) == "TRANSACTION"
	case "END":
		switch next(1) {
		case "", "TRANSACTION", "WORK":
			return true
		}
	case "BEGIN":
		switch next(1) {
		case "", "TRANSACTION", "WORK", "ISOLATION", "READ", "DEFERRABLE", "DEFERRED", "IMMEDIATE", "EXCLUSIVE":
			return true
		case "NOT":
			return next(2) == "DEFERRABLE"
		}
	case "ROLLBACK":
		switch next(1) {
		case "TO":
			return false
		case "TRANSACTION", "WORK":
			return next(2) != "TO"
		}
		return true
	}
	return false
}

// words returns up to n leading words of stmt in upper case, skipping
// comments (a statement block keeps the comments it starts with).
func words(stmt string, n int) []string {
	var out []string
	for i := 0; i < len(stmt) && len(out) < n; {
		switch c := stmt[i]; {
		case strings.HasPrefix(stmt[i:], "--"), c == '#':
			j := strings.IndexByte(stmt[i:], '\n')
			if j < 0 {
				return out
			}
			i += j + 1
		case strings.HasPrefix(stmt[i:], "/*") && !strings.HasPrefix(stmt[i:], "/*!"):
			j := strings.Index(stmt[i+2:], "*/")
			if j < 0 {
				return out
			}
			i += j + 4
		case 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || c == '_':
			j := i
			for j < len(stmt) && (isWordByte(stmt[j])) {
				j++
			}
			out = append(out, strings.ToUpper(stmt[i:j]))
			i = j
		case c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v':
			i++
		default:
			return out // punctuation: the words that matter are over
		}
	}
	return out
}

func isWordByte(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || c == '_' || '0' <= c && c <= '9'
}

// ownTransactionNote explains, in a refusal, why mig cannot run inside
// hoist's transaction when that is because of its own.
func ownTransactionNote(mig *Migration) string {
	if mig.ownTx == "" {
		return ""
	}
	return " (it has its own transaction: " + mig.ownTx + ")"
}

// leaveOwnTransaction rolls back what a migration with its own
// transaction left open when it failed after done statements of s, so
// that the failed row is recorded, and the connection goes back to the
// pool, outside it; the error of a ROLLBACK with no transaction open
// (SQLite says so) means nothing. It returns done, or 0 when none of the
// statements that ran can have committed (they all ran inside the file's
// own transaction, which is now rolled back): the migration then left
// nothing behind and is pending again, not dirty.
func (m *Migrator) leaveOwnTransaction(ctx context.Context, conn *sql.Conn, mig *Migration, s step, done int) int {
	if mig.ownTx == "" {
		return done
	}
	rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), releaseTimeout)
	defer cancel()
	_, _ = conn.ExecContext(rctx, "ROLLBACK")
	if m.mayHaveCommitted(s.statements(), done) {
		return done
	}
	return 0
}

// mayHaveCommitted reports whether the first done of stmts, which ran
// one by one in this order, or the statement that failed after them, can
// have committed: a COMMIT, a statement that succeeded outside the file's
// own transaction (the session commits it at once), or one the engine
// commits implicitly inside it (MySQL's DDL, which commits what came
// before it even when it fails).
func (m *Migrator) mayHaveCommitted(stmts []embedfs.Statement, done int) bool {
	implicit := func(stmt string) bool {
		return !m.dialect.TransactionalDDL() && (m.implicit == nil || m.implicit.CommitsImplicitly(stmt))
	}
	inside := false
	for i, st := range stmts {
		if i >= done {
			return inside && implicit(st.SQL) // the failed statement
		}
		w := words(st.SQL, 1)
		switch {
		case controlsTransaction(st.SQL) && (w[0] == "BEGIN" || w[0] == "START"):
			inside = true
		case controlsTransaction(st.SQL) && (w[0] == "ROLLBACK" || w[0] == "ABORT"):
			inside = false
		case controlsTransaction(st.SQL), !inside, implicit(st.SQL):
			return true
		}
	}
	return false
}

// setOwnTransaction marks m, read from f, as a migration that runs
// outside hoist's transaction because it has its own. A section that
// begins a transaction and does not end it is refused: run outside
// hoist's transaction, its statements and hoist's history change would
// stay uncommitted on the lock's connection, which is closed (and the
// transaction rolled back) when the lock is released, after Up has
// reported the migration applied.
func setOwnTransaction(m *Migration, f *embedfs.Migration) error {
	file, st, ok := ownTransaction(f)
	if !ok {
		return nil
	}
	m.NoTransaction = true
	m.ownTx = fmt.Sprintf("%s at %s:%d", words(st.SQL, 1)[0], file, st.Line)
	sections := []*embedfs.Section{&f.Up}
	if f.Down != nil {
		sections = append(sections, f.Down)
	}
	for _, sec := range sections {
		if open, ok := openTransaction(sec.Statements); ok {
			return fmt.Errorf("hoist: %s:%d: %s begins a transaction that the %s section never ends: "+
				"add COMMIT at its end, or remove the BEGIN and let hoist run the migration in a transaction of its own",
				sec.File, open.Line, words(open.SQL, 1)[0], sectionName(f, sec))
		}
	}
	return nil
}

// openTransaction returns the statement that begins the transaction
// stmts leave open at their end, if any.
func openTransaction(stmts []embedfs.Statement) (embedfs.Statement, bool) {
	var open *embedfs.Statement
	for i, st := range stmts {
		if !controlsTransaction(st.SQL) {
			continue
		}
		switch words(st.SQL, 1)[0] {
		case "BEGIN", "START":
			open = &stmts[i]
		default: // COMMIT, END, ROLLBACK, ABORT, PREPARE TRANSACTION end it
			open = nil
		}
	}
	if open == nil {
		return embedfs.Statement{}, false
	}
	return *open, true
}

func sectionName(f *embedfs.Migration, sec *embedfs.Section) string {
	if sec == &f.Up {
		return "up"
	}
	return "down"
}
