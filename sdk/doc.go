// Package sdk is hoist's engine: it applies migrations that are compiled
// into the application, at boot, under a database lock, so that any number
// of replicas may start at once and every migration still runs exactly
// once.
//
// # Getting started
//
// Put the SQL migrations in a package of their own and embed them:
//
//	package migrations
//
//	//go:embed *.sql
//	var FS embed.FS
//
// and migrate in main, before serving:
//
//	m, err := sdk.New(db, postgres.New(), sdk.WithFS(migrations.FS))
//	if err != nil {
//		return err // a malformed file or a duplicate version fails here
//	}
//	if _, err := m.Up(ctx); err != nil {
//		return err
//	}
//
// # Sources
//
// [WithFS] reads SQL migrations in hoist's own format, golang-migrate's
// .up.sql/.down.sql pairs and goose files, mixed in one directory (see
// package embedfs for the formats). [WithMigrations] adds migrations
// written in Go ([GoMigration]), which are values, not entries in a global
// registry. [WithSeedFS] and [WithSeeders] do the same for seeders.
//
// # Boot protocol
//
// [Migrator.Up] reads the history table in one query; when nothing is
// pending it returns without taking the lock. Otherwise it takes the
// migration lock on one dedicated connection (PostgreSQL advisory lock,
// MySQL GET_LOCK, an OS file lock beside a SQLite file), reads the history
// again and applies each pending migration together with its history row
// in one transaction. The lock is released on the same connection, also on
// error, panic and cancellation. Everything runs on that connection, so
// db.SetMaxOpenConns(1) works. A second connection, where the pool allows
// one, is used only when the context ends during a migration: to ask the
// server to cancel it (PostgreSQL, MySQL/MariaDB), and to find out what
// became of it ([MigrationError].Outcome).
//
// Each statement of a migration waits at most [WithDDLLockTimeout] for a
// lock that another session holds, so that a long transaction of the
// running application cannot make its queries queue behind a waiting
// ALTER TABLE; a migration that gave up and left nothing behind is tried
// again ([WithDDLRetries]), and in the end fails with [ErrDDLLockTimeout]
// naming the session in the way.
//
// # Batches and rollback
//
// Each Up that applies something records one batch. [Migrator.Rollback]
// undoes the last batch, or a number of steps; [Migrator.RollbackTo]
// undoes everything above a version; [Migrator.Redo] undoes and reapplies
// the newest migration. [Migrator.Plan] and RollbackOptions.DryRun show
// what would run, SQL included.
//
// # Errors
//
// Conditions a caller branches on are sentinel errors, tested with
// errors.Is: [ErrLockTimeout], [ErrChecksumMismatch], [ErrOutOfOrder],
// [ErrIrreversible], [ErrDirty], [ErrNoMigrations]. A failed statement is
// a [*MigrationError], found with errors.As, that names the version, the
// file and line, the statement and the driver's message.
//
// On MySQL and MariaDB, DDL commits implicitly, so a migration that fails
// half way leaves part of its changes behind. hoist records such a
// migration as running before it starts and as failed when it fails, and
// later runs stop with ErrDirty until an operator has put the schema
// right and called [Migrator.Repair] (or marked the migration applied).
// A kill or a panic half way leaves the running row, with the same
// effect. PostgreSQL and SQLite roll the whole migration back and record
// nothing, as MySQL does for a migration of DML only.
package sdk
