package sdk

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"regexp"
	"slices"
	"strings"
	"sync/atomic"
	"time"

	"github.com/hoistdb/hoist/dialect"
)

// Lock-safe DDL. Engines queue lock requests: an ALTER TABLE that waits
// for a table lock behind a long transaction makes every later query on
// that table wait behind the ALTER, so a boot that migrates becomes an
// outage of the application it boots. hoist therefore bounds how long a
// migration's statements wait for a lock ([WithDDLLockTimeout]), and
// tries a migration that gave up again, after a growing pause, a bounded
// number of times ([WithDDLRetries]), as GitLab's with_lock_retries does.
// Between tries the table is free for the application's queries. Each
// retry is logged with the session that most likely held the lock.

// ErrDDLLockTimeout: a migration gave up waiting for a lock another
// session held, on every try ([WithDDLLockTimeout], [WithDDLRetries]).
// Nothing of it is left behind. Tested with errors.Is; the error is a
// [*MigrationError] whose message names the session that held the lock
// where the engine can tell.
var ErrDDLLockTimeout = errors.New("hoist: a migration timed out waiting for a lock")

// The pause before a retry starts at ddlBackoffMin and doubles up to
// ddlBackoffMax; each pause is jittered between half and all of it, so
// replicas and the blocking workload do not fall into step.
const (
	ddlBackoffMin = 500 * time.Millisecond
	ddlBackoffMax = 20 * time.Second
	// ddlBlockers is how many sessions are asked for after a timeout.
	ddlBlockers = 5
)

// lockWaitScripter adds the dialect's LocalLockWait to the prologue of
// every migration transaction while a run has switched it on: a
// statement of the same round trip, scoped to the transaction, that a
// transaction pooler cannot carry to another client. The switch is the
// run's, under the migration lock, so seeds and imports, which run
// under the same lock at other times, keep waiting as they did.
type lockWaitScripter struct {
	dialect.Scripter
	stmt string
	on   *atomic.Bool
}

func (s lockWaitScripter) MigrationPrologue() string {
	p := s.Scripter.MigrationPrologue()
	switch {
	case !s.on.Load():
		return p
	case p == "":
		return s.stmt
	}
	return p + ";\n" + s.stmt
}

// boundPrologue wraps m.scripter in a lockWaitScripter where the
// dialect bounds lock waits per transaction. New calls it once the
// scripter is final.
func (m *Migrator) boundPrologue() {
	lw, ok := m.dialect.(dialect.LockWaits)
	if d := m.ddl.lockTimeout(); ok && d > 0 && m.scripter != nil {
		if stmt := lw.LocalLockWait(d); stmt != "" {
			m.scripter = lockWaitScripter{Scripter: m.scripter, stmt: stmt, on: new(atomic.Bool)}
		}
	}
}

// ddlSession is the migration connection of one run, with the lock
// waits of its statements bounded: by the transaction prologue
// (lockWaitScripter), or else by the session's settings.
type ddlSession struct {
	m     *Migrator
	conn  *sql.Conn
	lw    dialect.LockWaits // nil when there is no bound
	d     time.Duration
	local *atomic.Bool                // the prologue's switch; nil when the session is bounded
	undo  func(context.Context) error // ends the bound; nil while unbounded
}

// boundLockWaits bounds the lock waits of migrations on conn for one run
// ([WithDDLLockTimeout]). The caller ends the bound when the run ends.
func (m *Migrator) boundLockWaits(ctx context.Context, conn *sql.Conn) (*ddlSession, error) {
	s := &ddlSession{m: m, conn: conn, d: m.ddl.lockTimeout()}
	if lw, ok := m.dialect.(dialect.LockWaits); ok && s.d > 0 {
		s.lw = lw
	}
	if w, ok := m.scripter.(lockWaitScripter); ok {
		s.local = w.on
	}
	return s, s.bound(ctx)
}

func (s *ddlSession) bound(ctx context.Context) error {
	if s.lw == nil || s.undo != nil {
		return nil
	}
	if s.local != nil {
		s.local.Store(true)
		s.undo = func(context.Context) error { s.local.Store(false); return nil }
		return nil
	}
	undo, err := s.lw.BoundLockWaits(ctx, s.conn, s.d)
	if err != nil {
		return fmt.Errorf("hoist: bounding lock waits of migrations to %s (WithDDLLockTimeout; 0 turns it off): %w", s.d, err)
	}
	s.undo = undo
	return nil
}

// unbound puts the session's own settings back, on a context that is not
// cancelled. If they cannot be put back, the connection is closed
// instead of returned to the pool, where the application would inherit
// a short lock timeout.
func (s *ddlSession) unbound(ctx context.Context) error {
	if s.undo == nil {
		return nil
	}
	rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), releaseTimeout)
	defer cancel()
	err := s.undo(rctx)
	s.undo = nil
	if err != nil {
		_ = s.conn.Raw(func(any) error { return driver.ErrBadConn })
		s.m.logger.LogAttrs(rctx, slog.LevelWarn, "hoist: putting back the session's lock wait settings failed; closed its connection instead",
			slog.Any("error", err))
	}
	return err
}

// restore ends the bound at the end of a run.
func (s *ddlSession) restore(ctx context.Context) { _ = s.unbound(ctx) }

// run is [Migrator.run] under the bound, tried again while it gives up
// waiting for a lock and leaves nothing behind.
//
// On an engine with transactional DDL, a migration without a
// transaction runs without the bound and is not tried again: that is
// where PostgreSQL's CREATE INDEX CONCURRENTLY goes, which waits for
// older transactions without holding up anyone's reads or writes, and
// which, cut short, leaves an invalid index behind that a retry would
// trip over.
func (s *ddlSession) run(ctx context.Context, mig *Migration, dir Direction, batch int) (Applied, error) {
	if s.undo != nil && mig.NoTransaction && s.m.dialect.TransactionalDDL() {
		if err := s.unbound(ctx); err != nil {
			return Applied{}, fmt.Errorf("hoist: lifting the bound on lock waits for migration %d, which runs without a transaction: %w", mig.Version, err)
		}
		a, err := s.m.run(ctx, s.conn, mig, dir, batch)
		if berr := s.bound(ctx); berr != nil && err == nil {
			// The migration is applied: say so, and go on unbounded
			// rather than fail a run that did what it was asked.
			s.m.logger.LogAttrs(ctx, slog.LevelWarn, "hoist: could not bound lock waits again; the rest of the run waits as the session says",
				slog.Int64("version", mig.Version), slog.Any("error", berr))
		}
		return a, err
	}
	var a Applied
	err := s.retry(ctx, migrationText([]*Migration{mig}, dir), func() (err error) {
		a, err = s.m.run(ctx, s.conn, mig, dir, batch)
		return err
	})
	return a, err
}

// retry runs fn, and again, up to the retry count, while it fails with
// a [*MigrationError] that is not dirty (nothing was left behind) and
// whose cause is a lock timeout. text is the SQL that fn runs, if
// known, to tell which blocking session matters.
func (s *ddlSession) retry(ctx context.Context, text string, fn func() error) error {
	m, lw, d := s.m, s.lw, s.d
	retries := m.ddl.retryCount()
	wait := ddlBackoffMin
	for try := 0; ; try++ {
		err := fn()
		var me *MigrationError
		if err == nil || s.undo == nil || !errors.As(err, &me) || me.Dirty || !lw.IsLockTimeout(err) {
			return err
		}
		blocker := m.describeBlockers(ctx, lw, s.conn, text)
		if try == retries {
			return m.ddlLockError(me, d, try+1, blocker)
		}
		pause := wait/2 + rand.N(wait/2+1)
		wait = min(2*wait, ddlBackoffMax)
		m.logger.LogAttrs(ctx, slog.LevelWarn, "hoist: a migration timed out waiting for a lock; retrying",
			slog.Int64("version", me.Version), slog.String("name", me.Name),
			slog.Int("retry", try+1), slog.Int("retries", retries),
			slog.Duration("lock_timeout", d), slog.Duration("pause", pause),
			slog.String("blocker", blocker), slog.Any("error", me.Err))
		t := time.NewTimer(pause)
		select {
		case <-ctx.Done():
			t.Stop()
			return fmt.Errorf("%w (stopped before trying it again: %w)", err, context.Cause(ctx))
		case <-t.C:
		}
	}
}

// ddlLockError is the error of a migration that gave up on its last try:
// a copy of its MigrationError that says so, names the blocker and the
// options to change, and matches ErrDDLLockTimeout.
func (m *Migrator) ddlLockError(me *MigrationError, d time.Duration, tries int, blocker string) error {
	out := *me
	out.Err = &ddlLockError{err: me.Err, timeout: d, tries: tries, blocker: blocker}
	return &out
}

type ddlLockError struct {
	err     error
	timeout time.Duration
	tries   int
	blocker string
}

func (e *ddlLockError) Error() string {
	return fmt.Sprintf("gave up waiting for a lock held by another session, %d %s after %s each; %s; "+
		"nothing of the migration is left behind: end that transaction, or allow longer waits with "+
		"WithDDLLockTimeout or more tries with WithDDLRetries (hoist --ddl-lock-wait, --ddl-retries), "+
		"then migrate again: %v",
		e.tries, plural(e.tries, "time", "times"), e.timeout, e.blocker, e.err)
}

func (e *ddlLockError) Unwrap() []error { return []error{ErrDDLLockTimeout, e.err} }

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// migrationText is the SQL of one direction of migrations, "" for Go.
func migrationText(migs []*Migration, dir Direction) string {
	var b strings.Builder
	for _, mig := range migs {
		for _, st := range mig.step(dir).statements() {
			b.WriteString(st.SQL)
			b.WriteByte('\n')
		}
	}
	return b.String()
}

// describeBlockers names the session that most likely held the lock: of
// the sessions in an open transaction that hold table locks, the oldest
// among those holding a table that text names, else the oldest of all.
func (m *Migrator) describeBlockers(ctx context.Context, lw dialect.LockWaits, conn *sql.Conn, text string) string {
	bs, err := lw.LockBlockers(ctx, conn, ddlBlockers)
	switch {
	case err != nil:
		return fmt.Sprintf("the session that held it is unknown (asking failed: %v)", err)
	case len(bs) == 0:
		return "the session that held it is unknown (" + m.dialect.Name() + " does not show it, or it has ended)"
	}
	rankBlockers(bs, text)
	s := "held by " + describeBlocker(bs[0])
	if n := len(bs) - 1; n > 0 {
		s += fmt.Sprintf(" (and %d other %s in an open transaction)", n, plural(n, "session", "sessions"))
	}
	return s
}

// rankBlockers moves the sessions that hold a table that text names
// ahead of the others, keeping the engine's order (oldest transaction
// first) within each group.
func rankBlockers(bs []dialect.Blocker, text string) {
	named := func(b dialect.Blocker) bool {
		return slices.ContainsFunc(b.Tables, func(t string) bool { return mentions(text, t) })
	}
	slices.SortStableFunc(bs, func(a, b dialect.Blocker) int {
		switch na, nb := named(a), named(b); {
		case na && !nb:
			return -1
		case nb && !na:
			return 1
		}
		return 0
	})
}

// mentions reports whether sql names table (its last part, unquoted) as
// a word, in any case.
func mentions(sql, table string) bool {
	table = strings.Trim(table[strings.LastIndexByte(table, '.')+1:], `"`+"`")
	if table == "" {
		return false
	}
	return regexp.MustCompile(`(?i)(^|[^A-Za-z0-9_$])` + regexp.QuoteMeta(table) + `($|[^A-Za-z0-9_$])`).MatchString(sql)
}

// describeBlocker spells one session: "pid 4711 (psql) from 10.0.0.3,
// idle in transaction for 12.3s since 2026-11-22T04:00:00Z, holding
// public.t, query: SELECT * FROM t".
func describeBlocker(b dialect.Blocker) string {
	var s strings.Builder
	s.WriteString(b.Session)
	if b.State != "" {
		s.WriteString(", " + b.State)
	}
	if b.Age > 0 {
		fmt.Fprintf(&s, " for %s", b.Age)
	}
	if !b.Since.IsZero() {
		s.WriteString(" since " + b.Since.UTC().Format(time.RFC3339))
	}
	if len(b.Tables) > 0 {
		s.WriteString(", holding " + strings.Join(b.Tables, ", "))
	}
	if b.Query != "" {
		s.WriteString(", query: " + abbreviate(b.Query, 200))
	}
	return s.String()
}
