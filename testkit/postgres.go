package testkit

import (
	"context"
	"database/sql"
	"fmt"
	"net/url"
	"os"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/hoistdb/hoist/dialect/postgres"
)

var postgresEngine = engine{
	title:   "PostgreSQL",
	driver:  "pgx",
	dialect: postgres.New(),
	env:     "HOIST_TEST_POSTGRES_URL",
	example: "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable",
}

// Postgres returns a new, empty PostgreSQL database that is dropped when
// the test ends (kept and logged when it failed or HOIST_TEST_KEEP=1).
// The server is HOIST_TEST_POSTGRES_URL, a postgres:// URL or a
// key=value connection string; without it the test is skipped, or fails
// under HOIST_TEST_REQUIRE=1. The database is dropped WITH (FORCE), so
// connections a test leaves open do not keep it alive.
func Postgres(t testing.TB) *DB {
	t.Helper()
	srv, err := connectPostgres()
	return open(t, postgresEngine, srv, err)
}

// connectPostgres connects to the configured server once per test binary.
var connectPostgres = sync.OnceValues(func() (server, error) {
	base := os.Getenv(postgresEngine.env)
	if base == "" {
		return nil, errNotConfigured
	}
	if _, err := postgresDSN(base, "postgres"); err != nil {
		return nil, err
	}
	admin, err := sql.Open(postgresEngine.driver, base)
	if err != nil {
		return nil, err
	}
	admin.SetMaxOpenConns(4)
	ctx, cancel := context.WithTimeout(context.Background(), setupTimeout)
	defer cancel()
	if err := admin.PingContext(ctx); err != nil {
		admin.Close()
		return nil, fmt.Errorf("connect to %s: %w", redactPostgres(base), err)
	}
	return &postgresServer{admin: admin, base: base}, nil
})

type postgresServer struct {
	admin *sql.DB
	base  string
}

func (s *postgresServer) create(ctx context.Context, name string) (string, error) {
	if _, err := s.admin.ExecContext(ctx, "CREATE DATABASE "+postgresEngine.dialect.QuoteIdent(name)); err != nil {
		return "", err
	}
	return postgresDSN(s.base, name)
}

func (s *postgresServer) drop(ctx context.Context, name string) error {
	_, err := s.admin.ExecContext(ctx, "DROP DATABASE IF EXISTS "+postgresEngine.dialect.QuoteIdent(name)+" WITH (FORCE)")
	return err
}

func (s *postgresServer) redact(dsn string) string { return redactPostgres(dsn) }

// postgresDSN returns base pointed at database name. base is a URL or a
// key=value connection string, as libpq and pgx accept.
func postgresDSN(base, name string) (string, error) {
	if strings.HasPrefix(base, "postgres://") || strings.HasPrefix(base, "postgresql://") {
		u, err := url.Parse(base)
		if err != nil {
			return "", fmt.Errorf("%s is not a valid URL: %w", postgresEngine.env, err)
		}
		u.Path = "/" + name
		u.RawPath = ""
		return u.String(), nil
	}
	if !strings.Contains(base, "=") {
		return "", fmt.Errorf("%s is neither a postgres:// URL nor a key=value connection string", postgresEngine.env)
	}
	// A later keyword wins over an earlier one.
	return base + " dbname=" + name, nil
}

var postgresPassword = regexp.MustCompile(`(password\s*=\s*)('(?:[^'\\]|\\.)*'|\S+)`)

func redactPostgres(dsn string) string {
	if u, err := url.Parse(dsn); err == nil && u.Scheme != "" {
		if _, ok := u.User.Password(); ok {
			u.User = url.UserPassword(u.User.Username(), "xxxxx")
		}
		q := u.Query()
		if q.Has("password") {
			q.Set("password", "xxxxx")
			u.RawQuery = q.Encode()
		}
		return u.String()
	}
	return postgresPassword.ReplaceAllString(dsn, "${1}xxxxx")
}
