// Package cli is hoist's command tree: the commands of the standalone
// hoist binary, which an application can also mount in its own binary so
// that `myapp migrate:status` runs with the migrations compiled into it.
//
// # Two ways to build the tree
//
// [Command] takes the application's own [sdk.Migrator], with its Go
// migrations and embedded files, and is the shortest way to add the
// commands to an application:
//
//	m, err := sdk.New(db, postgres.New(), sdk.WithFS(migrations.FS), sdk.WithMigrations(migrations.Backfill))
//	...
//	if len(os.Args) > 1 { // myapp migrate, myapp migrate:status, ...
//		root, err := cli.Command(m, cli.WithName("myapp"))
//		...
//		os.Exit(cli.Execute(ctx, root))
//	}
//
// [New] takes a [Factory] instead, which builds the Migrator from the
// [Config] that the command resolved from its flags, the environment and
// hoist.yaml. The hoist command is New([FromFiles]): it opens the
// configured database URL and reads the SQL files of the migrations and
// seeds directories from disk. An application that wants the same
// settings (--database-url, --table, ...) with its compiled-in sources
// writes a Factory of its own around [Config.Open] and [Config.Options].
//
// # Fleets
//
// With [WithFleet], migrate and migrate:status take --tenants PATTERN
// (or the fleet section of hoist.yaml) and work on every tenant that
// matches (a PostgreSQL schema or database, a MySQL/MariaDB database, a
// SQLite file), through the [sdk.Fleet] a [FleetFactory] builds: the
// hoist command is New(FromFiles, WithFleet([FleetFromFiles])), and an
// application passes a FleetFactory over its own database and sources.
// A run prints a line per tenant, a summary, and exits with status 1
// listing the failed tenants with their errors; docs/fleets.md.
//
// [Execute] runs a tree, prints an error as one message and returns the
// exit status: 0 ok, 1 failure, 2 usage (a wrong command, flag, argument
// or setting).
//
// # Commands
//
// init, make:migration (new), make:seeder, make:model, make:factory,
// migrate (migrate:run, up), migrate:rollback (down), migrate:redo,
// migrate:status (status), migrate:history (history), migrate:repair,
// validate and seed. The reading commands print a table, or JSON with
// --json; commands that migrate print a line per migration with its
// duration as it finishes. docs/command.md describes every command, flag,
// setting, JSON field and exit status.
//
// # Databases
//
// [ParseURL] turns postgres://, postgresql://, mysql:// and sqlite: URLs
// into a database/sql driver name, DSN and hoist dialect. This package
// imports no driver: the program links the ones it needs (the hoist
// command links pgx, go-sql-driver/mysql and modernc.org/sqlite).
// Passwords never appear in the commands' output or errors.
package cli
