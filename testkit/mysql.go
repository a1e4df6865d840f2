package testkit

import (
	"context"
	"database/sql"
	"fmt"
	"net"
	"net/url"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-sql-driver/mysql"

	hoistmysql "github.com/hoistdb/hoist/dialect/mysql"
)

var mysqlEngine = engine{
	title:   "MySQL",
	driver:  "mysql",
	dialect: hoistmysql.New(),
	env:     "HOIST_TEST_MYSQL_URL",
	example: "mysql://root:@127.0.0.1:3306/",
}

// mysqlDialTimeout is the dial timeout of the DSNs MySQL returns, unless
// HOIST_TEST_MYSQL_URL sets one.
const mysqlDialTimeout = 10 * time.Second

// MySQL returns a new, empty MySQL or MariaDB database (utf8mb4) that is
// dropped when the test ends (kept and logged when it failed or
// HOIST_TEST_KEEP=1). The server is HOIST_TEST_MYSQL_URL, either a URL
// (mysql://user:password@host:3306/?param=value) or a go-sql-driver DSN
// (user:password@tcp(host:3306)/?param=value); without it the test is
// skipped, or fails under HOIST_TEST_REQUIRE=1.
//
// The returned DSN is in go-sql-driver form. It keeps the parameters of
// HOIST_TEST_MYSQL_URL, never sets parseTime, and has a 10s dial timeout
// unless the variable sets one.
func MySQL(t testing.TB) *DB {
	t.Helper()
	srv, err := connectMySQL()
	return open(t, mysqlEngine, srv, err)
}

// connectMySQL connects to the configured server once per test binary.
var connectMySQL = sync.OnceValues(func() (server, error) {
	env := os.Getenv(mysqlEngine.env)
	if env == "" {
		return nil, errNotConfigured
	}
	cfg, err := parseMySQLURL(env)
	if err != nil {
		return nil, err
	}
	cfg.ParseTime = false
	if cfg.Timeout == 0 {
		cfg.Timeout = mysqlDialTimeout
	}
	admin := cfg.Clone()
	admin.DBName = ""
	connector, err := mysql.NewConnector(admin)
	if err != nil {
		return nil, err
	}
	db := sql.OpenDB(connector)
	db.SetMaxOpenConns(4)
	ctx, cancel := context.WithTimeout(context.Background(), setupTimeout)
	defer cancel()
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("connect to %s: %w", redactMySQL(admin.FormatDSN()), err)
	}
	return &mysqlServer{admin: db, cfg: cfg}, nil
})

// parseMySQLURL reads a mysql:// URL or a go-sql-driver DSN.
func parseMySQLURL(s string) (*mysql.Config, error) {
	if !strings.HasPrefix(s, "mysql://") {
		cfg, err := mysql.ParseDSN(s)
		if err != nil {
			return nil, fmt.Errorf("%s is neither a mysql:// URL nor a go-sql-driver DSN: %w", mysqlEngine.env, err)
		}
		return cfg, nil
	}
	u, err := url.Parse(s)
	if err != nil {
		return nil, fmt.Errorf("%s is not a valid URL: %w", mysqlEngine.env, err)
	}
	host := u.Host
	if host == "" {
		host = "127.0.0.1"
	}
	if _, _, err := net.SplitHostPort(host); err != nil {
		host = net.JoinHostPort(strings.Trim(host, "[]"), "3306")
	}
	// Let the driver read the parameters, so that every one it knows works.
	cfg, err := mysql.ParseDSN("tcp(" + host + ")/" + strings.TrimPrefix(u.Path, "/") + "?" + u.RawQuery)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", mysqlEngine.env, err)
	}
	cfg.User = u.User.Username()
	cfg.Passwd, _ = u.User.Password()
	return cfg, nil
}

type mysqlServer struct {
	admin *sql.DB
	cfg   *mysql.Config // what the DSNs of new databases start from
}

func (s *mysqlServer) create(ctx context.Context, name string) (string, error) {
	if _, err := s.admin.ExecContext(ctx, "CREATE DATABASE "+mysqlEngine.dialect.QuoteIdent(name)+" CHARACTER SET utf8mb4"); err != nil {
		return "", err
	}
	cfg := s.cfg.Clone()
	cfg.DBName = name
	return cfg.FormatDSN(), nil
}

func (s *mysqlServer) drop(ctx context.Context, name string) error {
	_, err := s.admin.ExecContext(ctx, "DROP DATABASE IF EXISTS "+mysqlEngine.dialect.QuoteIdent(name))
	return err
}

func (s *mysqlServer) redact(dsn string) string { return redactMySQL(dsn) }

func redactMySQL(dsn string) string {
	cfg, err := mysql.ParseDSN(dsn)
	if err != nil {
		return "(unparsable DSN)"
	}
	if cfg.Passwd != "" {
		cfg.Passwd = "xxxxx"
	}
	return cfg.FormatDSN()
}
