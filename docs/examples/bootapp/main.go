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
	"net/url"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/go-sql-driver/mysql"
	_ "github.com/jackc/pgx/v5/stdlib"
	_ "modernc.org/sqlite"

	"github.com/hoistdb/hoist/dialect"
	hoistmysql "github.com/hoistdb/hoist/dialect/mysql"
	"github.com/hoistdb/hoist/dialect/postgres"
	"github.com/hoistdb/hoist/dialect/sqlite"
	"github.com/hoistdb/hoist/docs/examples/bootapp/migrations"
	"github.com/hoistdb/hoist/docs/examples/bootapp/seeds"
	"github.com/hoistdb/hoist/sdk"
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
	driver, dsn, d, err := database(databaseURL, out)
	if err != nil {
		return err
	}
	db, err := sql.Open(driver, dsn)
	if err != nil {
		return err
	}
	defer db.Close()

	// The few lines an application adds to its main.
	m, err := sdk.New(db, d,
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

// database picks the driver and dialect from DATABASE_URL; without one it
// uses a SQLite file in the temporary directory.
func database(raw string, out io.Writer) (driver, dsn string, d dialect.Dialect, err error) {
	switch {
	case raw == "":
		path := filepath.Join(os.TempDir(), "hoist-bootapp.db")
		fmt.Fprintln(out, "database: sqlite:"+path+" (set DATABASE_URL for PostgreSQL or MySQL)")
		return "sqlite", sqliteDSN(path), sqlite.New(), nil
	case strings.HasPrefix(raw, "sqlite:"):
		path := strings.TrimPrefix(strings.TrimPrefix(raw, "sqlite:"), "//")
		return "sqlite", sqliteDSN(path), sqlite.New(), nil
	case strings.HasPrefix(raw, "postgres://"), strings.HasPrefix(raw, "postgresql://"):
		return "pgx", raw, postgres.New(), nil
	case strings.HasPrefix(raw, "mysql://"):
		u, err := url.Parse(raw)
		if err != nil {
			return "", "", nil, fmt.Errorf("DATABASE_URL: %w", err)
		}
		cfg := mysql.NewConfig()
		cfg.User = u.User.Username()
		cfg.Passwd, _ = u.User.Password()
		cfg.Net, cfg.Addr, cfg.DBName = "tcp", u.Host, strings.TrimPrefix(u.Path, "/")
		return "mysql", cfg.FormatDSN(), hoistmysql.New(), nil
	}
	return "", "", nil, fmt.Errorf("DATABASE_URL: unknown scheme in %q; use postgres://, mysql:// or sqlite:", redact(raw))
}

// sqliteDSN waits for other connections instead of failing at once, and
// uses WAL so readers do not block the migrating writer.
func sqliteDSN(path string) string {
	return "file:" + path + "?_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)&_pragma=foreign_keys(1)"
}

func redact(raw string) string {
	if u, err := url.Parse(raw); err == nil {
		return u.Redacted()
	}
	return "(unparsable)"
}
