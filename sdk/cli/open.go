package cli

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/hoistdb/hoist/sdk"
)

// FromFiles is the [Factory] of the hoist command: it opens
// cfg.DatabaseURL with [Config.Open] and reads the SQL migrations in
// cfg.Migrations and the SQL seeds in cfg.Seeds from disk, with
// os.DirFS, at every command. A directory that does not exist, or holds
// no .sql file, is no source. Go migrations cannot be read from disk:
// mount the commands in the application for those (see [Command]).
func FromFiles(ctx context.Context, cfg *Config) (*sdk.Migrator, error) {
	opts, err := fileSources(cfg, true)
	if err != nil {
		return nil, err
	}
	db, d, err := cfg.Open(ctx)
	if err != nil {
		return nil, err
	}
	if cfg.cmd != nil {
		cfg.cmd.warnGoMigrations()
	}
	return sdk.New(db, d.Dialect, append(cfg.Options(), opts...)...)
}

// fileSources returns the options that read the SQL migrations in
// cfg.Migrations and, with seeds, the SQL seeds in cfg.Seeds. Broken
// migration files are left out for a command that only reads, and
// refused otherwise.
func fileSources(cfg *Config, seeds bool) ([]sdk.Option, error) {
	var opts []sdk.Option
	has, err := hasSQL(cfg.Migrations)
	if err != nil {
		return nil, err
	}
	if has {
		fsys, broken, err := readMigrationFiles(cfg.Migrations)
		if err != nil && (cfg.cmd == nil || broken == nil) {
			return nil, fmt.Errorf("reading %s: %w", cfg.Migrations, err)
		}
		if err != nil && !cfg.cmd.readOnly {
			return nil, cfg.cmd.refuseBroken(broken)
		}
		if cfg.cmd != nil {
			cfg.cmd.broken = broken
		}
		if has, err := hasSQLIn(fsys); err != nil {
			return nil, err
		} else if has {
			opts = append(opts, sdk.WithFS(fsys))
		}
	}
	if !seeds {
		return opts, nil
	}
	if has, err := hasSQL(cfg.Seeds); err != nil {
		return nil, err
	} else if has {
		opts = append(opts, sdk.WithSeedFS(os.DirFS(cfg.Seeds)))
	}
	return opts, nil
}

// hasSQL reports whether dir holds a .sql file; a missing dir holds none.
func hasSQL(dir string) (bool, error) {
	entries, err := os.ReadDir(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	return anySQL(entries), nil
}

// hasSQLIn reports whether fsys's top directory holds a .sql file.
func hasSQLIn(fsys fs.FS) (bool, error) {
	entries, err := fs.ReadDir(fsys, ".")
	if err != nil {
		return false, err
	}
	return anySQL(entries), nil
}

func anySQL(entries []fs.DirEntry) bool {
	for _, e := range entries {
		if !e.IsDir() && strings.HasSuffix(e.Name(), ".sql") && !strings.HasPrefix(e.Name(), ".") {
			return true
		}
	}
	return false
}

// driverImports says which import registers each engine's driver.
var driverImports = map[string]string{
	"postgres": "github.com/jackc/pgx/v5/stdlib",
	"mysql":    "github.com/go-sql-driver/mysql",
	"sqlite":   "modernc.org/sqlite",
}

// openDB opens dsn with d's driver and pings it.
func openDB(ctx context.Context, d *DataSource, dsn string) (*sql.DB, error) {
	if !slices.Contains(sql.Drivers(), d.Driver) {
		return nil, fmt.Errorf("this program has no database/sql driver %q for %s: import _ %q", d.Driver, d, driverImports[d.Engine])
	}
	if d.Engine == "sqlite" {
		if _, err := os.Stat(filepath.Dir(d.Database)); err != nil {
			return nil, fmt.Errorf("cannot open %s: directory %s does not exist (migrate --create-database creates it)", d, filepath.Dir(d.Database))
		}
	}
	db, err := sql.Open(d.Driver, dsn)
	if err != nil {
		return nil, fmt.Errorf("cannot open %s: %w", d, err)
	}
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		hint := ""
		if missingDatabase(err) {
			hint = " (migrate --create-database creates it)"
		}
		return nil, fmt.Errorf("cannot connect to %s: %w%s", d, err, hint)
	}
	return db, nil
}

// missingDatabase recognises "database does not exist" from pgx
// (SQLSTATE 3D000) and go-sql-driver (error 1049).
func missingDatabase(err error) bool {
	s := err.Error()
	return strings.Contains(s, "SQLSTATE 3D000") || strings.Contains(s, "Error 1049")
}

// createDatabase creates d's database when it does not exist and reports
// whether it did. For SQLite, whose file appears when it is first
// opened, it creates the file's directory.
func createDatabase(ctx context.Context, d *DataSource) (bool, error) {
	if d.Engine == "sqlite" {
		dir := filepath.Dir(d.Database)
		if _, err := os.Stat(dir); err == nil {
			return false, nil
		}
		return true, os.MkdirAll(dir, 0o755)
	}
	if d.Database == "" {
		return false, usagef("the database URL %s names no database to create", d)
	}
	admin, err := openDB(ctx, d, d.admin)
	if err != nil {
		return false, err
	}
	defer admin.Close()
	if exists, err := serverHasDatabase(ctx, admin, d); err != nil || exists {
		return false, err
	}
	if _, err := admin.ExecContext(ctx, "CREATE DATABASE "+d.Dialect.QuoteIdent(d.Database)); err != nil {
		return false, fmt.Errorf("creating database %s: %w", d.Database, err)
	}
	return true, nil
}

// serverHasDatabase reports whether the server that admin is connected
// to lists d's database in its catalogue.
func serverHasDatabase(ctx context.Context, admin *sql.DB, d *DataSource) (bool, error) {
	exists := "SELECT COUNT(*) FROM pg_database WHERE datname = $1"
	if d.Engine == "mysql" {
		exists = "SELECT COUNT(*) FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = ?"
	}
	var n int
	if err := admin.QueryRowContext(ctx, exists, d.Database).Scan(&n); err != nil {
		return false, fmt.Errorf("looking for database %s: %w", d.Database, err)
	}
	return n > 0, nil
}
