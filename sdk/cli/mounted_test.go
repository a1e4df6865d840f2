package cli_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/spf13/cobra"

	"github.com/hoistdb/hoist/sdk"
	"github.com/hoistdb/hoist/sdk/cli"
	"github.com/hoistdb/hoist/testkit"
)

// appMigrations are an application's compiled-in migrations: one SQL
// file and one Go migration.
func appMigrations() []sdk.Option {
	files := fstest.MapFS{"0001_create_widgets.sql": {Data: []byte(
		"-- +hoist up\nCREATE TABLE widgets (id INTEGER PRIMARY KEY, name VARCHAR(50));\n-- +hoist down\nDROP TABLE widgets;\n")}}
	fill := sdk.GoMigration(2, "fill_widgets",
		func(ctx context.Context, tx sdk.Tx) error {
			_, err := tx.ExecContext(ctx, "INSERT INTO widgets (id, name) VALUES (1, 'sprocket')")
			return err
		},
		func(ctx context.Context, tx sdk.Tx) error {
			_, err := tx.ExecContext(ctx, "DELETE FROM widgets")
			return err
		})
	return []sdk.Option{sdk.WithFS(files), sdk.WithMigrations(fill)}
}

var quiet = sdk.WithLogger(slog.New(slog.NewTextHandler(io.Discard, nil)))

// execute runs one command of a fresh tree in process.
func execute(t *testing.T, build func() (*cobra.Command, error), transcript *strings.Builder, args ...string) (stdout string, code int) {
	t.Helper()
	root, err := build()
	if err != nil {
		t.Fatal(err)
	}
	var out, errb bytes.Buffer
	root.SetArgs(args)
	root.SetOut(&out)
	root.SetErr(&errb)
	code = cli.Execute(t.Context(), root)
	if transcript != nil {
		transcript.WriteString("$ myapp " + strings.Join(args, " ") + "\n" + out.String() + errb.String())
	}
	if code != 0 {
		t.Errorf("myapp %s: exit %d\n%s%s", strings.Join(args, " "), code, &out, &errb)
	}
	return out.String(), code
}

// TestMounted mounts the commands in an application with cli.Command,
// whose Migrator has a Go migration, and runs them in process.
func TestMounted(t *testing.T) {
	eachEngine(t, func(t *testing.T, db *testkit.DB, _ string) {
		m, err := sdk.New(db.DB, db.Dialect, append(appMigrations(), quiet)...)
		if err != nil {
			t.Fatal(err)
		}
		build := func() (*cobra.Command, error) { return cli.Command(m, cli.WithName("myapp")) }
		var tr strings.Builder
		execute(t, build, &tr, "migrate", "--dry-run")
		execute(t, build, &tr, "migrate", "--to", "1", "--dry-run")
		execute(t, build, &tr, "migrate")
		execute(t, build, &tr, "migrate:status")
		out, _ := execute(t, build, nil, "status", "--json")
		var st struct {
			Executed []struct {
				Version int64  `json:"version"`
				File    string `json:"file"`
			} `json:"executed"`
		}
		if err := json.Unmarshal([]byte(out), &st); err != nil || len(st.Executed) != 2 || st.Executed[1].File != "" {
			t.Errorf("status --json: the Go migration should be executed, without a file: %v\n%s", err, out)
		}
		var name string
		if err := db.DB.QueryRowContext(t.Context(), "SELECT name FROM widgets WHERE id = 1").Scan(&name); err != nil || name != "sprocket" {
			t.Errorf("the Go migration did not run: %q, %v", name, err)
		}
		execute(t, build, &tr, "migrate:rollback", "--dry-run")
		execute(t, build, &tr, "down", "--step", "1")
		execute(t, build, &tr, "migrate", "2")
		execute(t, build, &tr, "migrate:rollback", "--to", "1", "--dry-run")
		execute(t, build, &tr, "migrate:rollback", "--to", "2", "--dry-run")
		execute(t, build, &tr, "migrate:rollback", "--to", "0")
		golden(t, "mounted", normalize(tr.String()))

		help, _ := execute(t, build, nil, "migrate", "--help")
		for _, absent := range []string{"--database-url", "--create-database", "--table"} {
			if strings.Contains(help, absent) {
				t.Errorf("the mounted migrate has %s, which the application's Migrator decides:\n%s", absent, help)
			}
		}
	})
}

// TestFactory builds the tree over a Factory that uses the resolved
// configuration with compiled-in migrations, as an application that
// wants the command's settings does.
func TestFactory(t *testing.T) {
	t.Parallel()
	db := testkit.SQLite(t)
	dbURL := sqliteURL(t, db.DSN)
	calls := 0
	factory := func(ctx context.Context, cfg *cli.Config) (*sdk.Migrator, error) {
		calls++
		if cfg.Table != "app_migrations" {
			t.Errorf("cfg.Table = %q, want the flag's app_migrations", cfg.Table)
		}
		conn, src, err := cfg.Open(ctx)
		if err != nil {
			return nil, err
		}
		return sdk.New(conn, src.Dialect, append(cfg.Options(), appMigrations()...)...)
	}
	build := func() (*cobra.Command, error) { return cli.New(factory, cli.WithName("myapp")) }
	var tr strings.Builder
	execute(t, build, &tr, "migrate", "--database-url", dbURL, "--table", "app_migrations")
	execute(t, build, &tr, "history", "--database-url", dbURL, "--table", "app_migrations")
	execute(t, build, nil, "make:migration", "--migrations", t.TempDir(), "x") // no database: no factory call
	if calls != 2 {
		t.Errorf("the factory was called %d times, want 2", calls)
	}
	got := normalize(tr.String())
	for _, want := range []string{"up   1 create_widgets (DURATION)\n", "up   2 fill_widgets (DURATION)\n",
		"migrated 2 migrations in batch 1", "2 rows in app_migrations"} {
		if !strings.Contains(got, want) {
			t.Errorf("output lacks %q:\n%s", want, got)
		}
	}
}
