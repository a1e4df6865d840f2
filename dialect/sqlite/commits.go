package sqlite

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/hoistdb/hoist/dialect"
)

// SQLite's synchronous levels, as PRAGMA synchronous reads them.
const (
	syncNormal = 1
)

var _ dialect.RelaxedCommits = (*fileLock)(nil)

// relaxQuery reads the journal mode and the synchronous level of the main
// database of the connection in one round trip.
const relaxQuery = "SELECT (SELECT journal_mode FROM pragma_journal_mode), (SELECT synchronous FROM pragma_synchronous)"

// RelaxCommits sets synchronous=NORMAL on the lock's connection when its
// main database is in WAL mode and the connection waits for more (FULL,
// the default, or EXTRA); Release puts the connection's own level back.
//
// In WAL mode with synchronous=NORMAL a commit appends to the WAL
// without an fsync; the WAL is synced before each checkpoint. A power
// failure can then lose the latest commits but never leaves a
// transaction half applied: the WAL's frames carry a running checksum,
// so recovery replays a prefix of the commits and stops at the first
// frame that did not reach the disk. What the database holds after the
// failure is what it held at an earlier commit, as if the migrator had
// been killed then, and a migration whose commit was lost is pending
// again at the next boot. Any commit that does wait for the disk later,
// such as the application's first write on a connection of its own,
// syncs the WAL with every migration before it.
//
// In the rollback-journal modes (DELETE, TRUNCATE, PERSIST) the level is
// left alone: there SQLite documents that synchronous=NORMAL can, on a
// power failure at the wrong moment, corrupt the database on some file
// systems, which no speed is worth. In-memory databases (journal_mode
// memory) have no disk to wait for.
func (l *fileLock) RelaxCommits(ctx context.Context) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if !l.held {
		return errors.New("sqlite: relax the commits under " + l.describe() + ": lock is not held")
	}
	if l.syncLevel != 0 {
		return nil
	}
	var (
		mode  string
		level int64
	)
	if err := l.conn.QueryRowContext(ctx, relaxQuery).Scan(&mode, &level); err != nil {
		return fmt.Errorf("sqlite: read journal_mode and synchronous: %w", err)
	}
	if !strings.EqualFold(mode, "wal") || level <= syncNormal {
		return nil
	}
	if _, err := l.conn.ExecContext(ctx, fmt.Sprintf("PRAGMA synchronous = %d", syncNormal)); err != nil {
		return fmt.Errorf("sqlite: set synchronous = NORMAL: %w", err)
	}
	l.syncLevel = level
	return nil
}

// restoreCommits gives the connection back the synchronous level that
// RelaxCommits found, if it changed it. SQLite refuses to change the
// level inside a transaction, so a connection that a migration left in
// one fails here, and the engine closes it rather than return it to the
// pool at NORMAL. l.mu must be held.
func (l *fileLock) restoreCommits(ctx context.Context) error {
	if l.syncLevel == 0 {
		return nil
	}
	level := l.syncLevel
	l.syncLevel = 0
	if _, err := l.conn.ExecContext(ctx, fmt.Sprintf("PRAGMA synchronous = %d", level)); err != nil {
		return fmt.Errorf("sqlite: restore synchronous = %d: %w", level, err)
	}
	return nil
}
