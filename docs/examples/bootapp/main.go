// Command bootapp is an application that migrates its own database when it
// starts: its migrations and seeders are compiled in with embed.FS, and
// hoist applies them under a lock, so any number of copies may start at
// once.
//
//	go run ./docs/examples/bootapp                       # SQLite file in the temp directory
//	DATABASE_URL=postgres://postgres@127.0.0.1:5432/app go run ./docs/examples/bootapp
//	DATABASE_URL=mysql://root:@127.0.0.1:3306/app go run ./docs/examples/bootapp
package main

import (
	"context"
	"database/sql"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"

	_ "github.com/go-sql-driver/mysql"
	_ "github.com/jackc/pgx/v5/stdlib"
	_ "modernc.org/sqlite"

	"github.com/hoistdb/hoist/docs/examples/bootapp/migrations"
	"github.com/hoistdb/hoist/docs/examples/bootapp/seeds"
	"github.com/hoistdb/hoist/sdk"
	"github.com/hoistdb/hoist/sdk/cli"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Getenv("DATABASE_URL"), os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "bootapp:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, databaseURL string, out io.Writer) error {
	src, err := database(databaseURL, out)
	if err != nil {
		return fmt.Errorf("DATABASE_URL: %w", err)
	}
	db, err := sql.Open(src.Driver, src.DSN)
	if err != nil {
		return err
	}
	defer db.Close()

	// The few lines an application adds to its main.
	m, err := sdk.New(db, src.Dialect,
		sdk.WithFS(migrations.FS),
		sdk.WithMigrations(migrations.Backfill),
		sdk.WithSeedFS(seeds.FS),
		sdk.WithLockTimeout(time.Minute),
	)
	if err != nil {
		return err
	}
	res, err := m.Up(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintln(out, res)
	if _, err := m.Seed(ctx); err != nil {
		return err
	}

	st, err := m.Status(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintln(out, st)
	var users int
	if err := db.QueryRowContext(ctx, "SELECT COUNT(*) FROM users").Scan(&users); err != nil {
		return err
	}
	fmt.Fprintf(out, "ready: %d user(s); the application would serve requests now\n", users)
	return nil
}

// database reads DATABASE_URL (postgres://, mysql://, sqlite:) the way the
// hoist command does; without one it uses a SQLite file in the temporary
// directory, in WAL mode so readers do not block the migrating writer.
func database(raw string, out io.Writer) (*cli.DataSource, error) {
	if raw == "" {
		path := filepath.Join(os.TempDir(), "hoist-bootapp.db")
		fmt.Fprintln(out, "database: sqlite:"+path+" (set DATABASE_URL for PostgreSQL or MySQL)")
		raw = "sqlite:" + path + "?_pragma=journal_mode(WAL)&_pragma=foreign_keys(1)"
	}
	return cli.ParseURL(raw)
}
