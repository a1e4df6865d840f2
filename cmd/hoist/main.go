// Command hoist migrates and seeds PostgreSQL, MySQL/MariaDB and SQLite
// databases from SQL files on disk, and writes new migration, seeder,
// model and factory files. It is the command tree of package
// github.com/hoistdb/hoist/sdk/cli over cli.FromFiles, linked with the
// three database drivers; applications mount the same tree in their own
// binary to run their compiled-in migrations.
//
//	hoist init
//	hoist make:migration create users table
//	DATABASE_URL=postgres://app@localhost:5432/app hoist migrate
//	hoist migrate:status --exit-code
//
// See docs/command.md for every command, flag, variable and exit status.
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime/debug"
	"syscall"

	_ "github.com/go-sql-driver/mysql" // registers "mysql"
	_ "github.com/jackc/pgx/v5/stdlib" // registers "pgx"
	_ "modernc.org/sqlite"             // registers "sqlite"

	"github.com/hoistdb/hoist/sdk/cli"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	// The first signal cancels the command, which then waits for the
	// server's verdict on a running migration; a second one kills the
	// process at once, as it would without NotifyContext.
	context.AfterFunc(ctx, stop)
	code := run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// run runs the command line args and returns the exit status.
func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	root, err := cli.New(cli.FromFiles, cli.WithFleet(cli.FleetFromFiles), cli.WithVersion(version()))
	if err != nil {
		fmt.Fprintln(stderr, "hoist:", err)
		return cli.ExitFailure
	}
	root.SetArgs(args)
	root.SetIn(stdin)
	root.SetOut(stdout)
	root.SetErr(stderr)
	return cli.Execute(ctx, root)
}

// version is the module version the binary was built from, such as
// v0.3.0 for `go install github.com/hoistdb/hoist/cmd/hoist@v0.3.0`.
func version() string {
	if info, ok := debug.ReadBuildInfo(); ok && info.Main.Version != "" {
		return info.Main.Version
	}
	return "(devel)"
}
