package sdk

import (
	"context"
	"fmt"

	"github.com/hoistdb/hoist/dialect"
)

// WithDurableCommits makes every migration's commit wait for its flush to
// disk, as the database's own settings say, instead of the default:
// hoist's migration connection commits without that wait where the
// engine can lose a recent commit in a power failure but never keep half
// of one. A migration commits together with its history row, so one
// whose commit is lost is pending again at the next boot and applied
// then; and the first later commit that waits for the disk (the
// application's first write) makes every migration before it durable
// too. Waiting costs most of a migration's time on a small database.
//
// Give this option when a migration must be on disk the moment [Migrator.Up]
// returns, for example because something outside the database acts on
// it before the application writes anything.
//
// On PostgreSQL the default is SET LOCAL synchronous_commit = off in each
// migration's transaction; on SQLite in WAL mode, synchronous=NORMAL on
// the lock's connection while the lock is held, restored afterwards (a
// database in a rollback-journal mode is left at its own level). MySQL
// and MariaDB set the equivalent (innodb_flush_log_at_trx_commit) only
// for the whole server, which hoist leaves alone: there commits are as
// durable as the server is configured, with or without this option.
func WithDurableCommits() Option {
	return func(c *config) error {
		c.durableCommits = true
		return nil
	}
}

// durableScripter is a Scripter whose migration prologue leaves the
// commit's wait for the disk alone.
type durableScripter struct {
	dialect.Scripter
	prologue string
}

func (s durableScripter) MigrationPrologue() string { return s.prologue }

// setDurability records whether commits must wait for the disk; with
// durable set, a dialect that relaxes commits in its migration prologue
// gets the durable one.
func (m *Migrator) setDurability(durable bool) {
	m.durableCommits = durable
	if !durable || m.scripter == nil {
		return
	}
	if dc, ok := m.dialect.(dialect.DurableCommits); ok {
		m.scripter = durableScripter{Scripter: m.scripter, prologue: dc.DurableMigrationPrologue()}
	}
}

// relaxCommits lets the commits on the lock's connection stop waiting for
// the disk, where the lock can do that (dialect.RelaxedCommits) and the
// application did not ask for durable commits. The lock's Release puts
// the connection's setting back.
func (m *Migrator) relaxCommits(ctx context.Context, lock dialect.Lock) error {
	rc, ok := lock.(dialect.RelaxedCommits)
	if !ok || m.durableCommits {
		return nil
	}
	if err := rc.RelaxCommits(ctx); err != nil {
		return fmt.Errorf("hoist: preparing the connection of %s: %w", lock, err)
	}
	return nil
}
