package dialect

import "context"

// Commits that need not wait for the disk.
//
// A migration commits together with its history row, so a migration
// whose commit is lost in a power failure is lost whole, and is simply
// pending again at the next boot. Where the engine can lose the most
// recent commits but never keep a later one without an earlier one, or
// half of one, waiting for each migration's flush to disk protects
// nothing a migrator needs, and costs most of a migration's time on a
// small database. The engine therefore relaxes that wait for a run
// unless the application asks it not to (sdk.WithDurableCommits).

// RelaxedCommits is an optional ability of a [Lock] whose connection can
// commit without waiting for the flush to disk, for as long as the lock
// is held (SQLite in WAL mode, with synchronous=NORMAL). The engine calls
// RelaxCommits once the lock is taken, unless the application asked for
// durable commits; Release then puts back what RelaxCommits changed,
// before the connection returns to the application's pool, and fails if
// it cannot (the engine then closes the connection instead).
type RelaxedCommits interface {
	// RelaxCommits makes later commits on the lock's connection stop
	// waiting for the disk, where that cannot leave the database
	// inconsistent after a power failure, and does nothing otherwise.
	// It must be called while the lock is held.
	RelaxCommits(ctx context.Context) error
}

// DurableCommits is an optional ability of a [Dialect] whose
// [Scripter.MigrationPrologue] relaxes the wait for the disk at each
// migration's commit (PostgreSQL's synchronous_commit = off). The engine
// uses DurableMigrationPrologue instead when the application asked for
// durable commits.
type DurableCommits interface {
	// DurableMigrationPrologue is MigrationPrologue without what relaxes
	// the commit, or "".
	DurableMigrationPrologue() string
}
