package cli_test

import (
	"context"
	"database/sql"
	"fmt"
	"log"
	"log/slog"
	"os"
	"path/filepath"
	"testing/fstest"

	_ "modernc.org/sqlite"

	"github.com/hoistdb/hoist/dialect/postgres"
	"github.com/hoistdb/hoist/dialect/sqlite"
	"github.com/hoistdb/hoist/sdk"
	"github.com/hoistdb/hoist/sdk/cli"
)

// migrationsFS stands in for the application's embed.FS.
var migrationsFS = fstest.MapFS{
	"0001_create_users.sql": {Data: []byte("-- +hoist up\nCREATE TABLE users (id INTEGER PRIMARY KEY);\n-- +hoist down\nDROP TABLE users;\n")},
}

// An application mounts the commands over its own Migrator, so that
// `myapp migrate:status` sees its compiled-in migrations, Go ones too.
func ExampleCommand() {
	dir, err := os.MkdirTemp("", "hoist-example")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	db, err := sql.Open("sqlite", "file:"+filepath.Join(dir, "app.db"))
	if err != nil {
		log.Fatal(err)
	}
	defer db.Close()

	seedAdmin := sdk.GoMigration(2, "seed_admin",
		func(ctx context.Context, tx sdk.Tx) error {
			_, err := tx.ExecContext(ctx, "INSERT INTO users (id) VALUES (1)")
			return err
		}, nil)
	m, err := sdk.New(db, sqlite.New(), sdk.WithFS(migrationsFS), sdk.WithMigrations(seedAdmin),
		sdk.WithLogger(slog.New(slog.DiscardHandler)))
	if err != nil {
		log.Fatal(err)
	}

	root, err := cli.Command(m, cli.WithName("myapp"))
	if err != nil {
		log.Fatal(err)
	}
	root.SetArgs([]string{"migrate:status"}) // in main: os.Args[1:], the default
	if code := cli.Execute(context.Background(), root); code != cli.ExitOK {
		os.Exit(code)
	}
	// Output:
	// VERSION  NAME          STATE    BATCH  APPLIED AT (UTC)  TIME
	// 1        create_users  pending
	// 2        seed_admin    pending
	// 0 applied, 2 pending
}

// The hoist command is the tree over FromFiles; an application that wants
// the same settings (--database-url, DATABASE_URL, hoist.yaml, ...) with
// its compiled-in migrations passes a Factory of its own.
func ExampleNew() {
	factory := func(ctx context.Context, cfg *cli.Config) (*sdk.Migrator, error) {
		db, src, err := cfg.Open(ctx) // closed when the command ends
		if err != nil {
			return nil, err
		}
		return sdk.New(db, src.Dialect, append(cfg.Options(), sdk.WithFS(migrationsFS))...)
	}
	root, err := cli.New(factory, cli.WithName("myapp"))
	if err != nil {
		log.Fatal(err)
	}
	dir, err := os.MkdirTemp("", "hoist-example")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	root.SetArgs([]string{"migrate:status", "--database-url", "sqlite:" + filepath.Join(dir, "app.db")})
	os.Exit(cli.Execute(context.Background(), root))
}

// An application with a schema per tenant mounts the commands with a
// FleetFactory, so that `myapp migrate --tenants 'tenant_*'` and
// `myapp migrate:status --tenants 'tenant_*'` work on its tenants with its
// compiled-in migrations. The command passes the pattern and its options
// (--concurrency, --on-failure, its progress lines).
func ExampleWithFleet() {
	db, err := sql.Open("pgx", os.Getenv("DATABASE_URL"))
	if err != nil {
		log.Fatal(err)
	}
	m, err := sdk.New(db, postgres.New(), sdk.WithFS(migrationsFS))
	if err != nil {
		log.Fatal(err)
	}
	fleet := func(ctx context.Context, cfg *cli.Config, pattern string, opts ...sdk.FleetOption) (*sdk.Fleet, error) {
		return sdk.NewFleet(db, postgres.New(), sdk.TargetPattern(pattern),
			append(opts, sdk.WithTargetOptions(sdk.WithFS(migrationsFS)))...)
	}
	root, err := cli.Command(m, cli.WithName("myapp"), cli.WithFleet(fleet))
	if err != nil {
		log.Fatal(err)
	}
	os.Exit(cli.Execute(context.Background(), root))
}

func ExampleParseURL() {
	d, err := cli.ParseURL("mysql://app:secret@db.internal/shop?tls=true")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(d.Engine, d.Driver)
	fmt.Println(d.DSN) // for sql.Open(d.Driver, d.DSN)
	fmt.Println(d)     // for messages
	// Output:
	// mysql mysql
	// app:secret@tcp(db.internal:3306)/shop?tls=true&timeout=10s&connectionAttributes=program_name:hoist
	// mysql://app:xxxxx@db.internal/shop?tls=true
}
