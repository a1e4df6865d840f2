package main

import (
	"context"
	"crypto/rand"
	"database/sql"
	"database/sql/driver"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"strings"

	"github.com/go-sql-driver/mysql"
	"github.com/jackc/pgx/v5/stdlib"
	"modernc.org/sqlite"
)

// kind is a database engine.
type kind string

const (
	postgresKind kind = "postgres"
	mysqlKind    kind = "mysql"
	sqliteKind   kind = "sqlite"
)

var allKinds = []kind{postgresKind, mysqlKind, sqliteKind}

func (k kind) title() string {
	switch k {
	case postgresKind:
		return "PostgreSQL"
	case mysqlKind:
		return "MariaDB/MySQL"
	}
	return "SQLite"
}

// openDB opens dsn through a connector that counts into s. Like sql.Open,
// it connects to nothing yet.
func openDB(k kind, dsn string, s *stats) (*sql.DB, error) {
	var c driver.Connector
	switch k {
	case postgresKind:
		var err error
		if c, err = stdlib.GetDefaultDriver().(driver.DriverContext).OpenConnector(dsn); err != nil {
			return nil, err
		}
	case mysqlKind:
		cfg, err := mysql.ParseDSN(dsn)
		if err != nil {
			return nil, err
		}
		if c, err = mysql.NewConnector(cfg); err != nil {
			return nil, err
		}
	case sqliteKind:
		var err error
		if c, err = sqlite.NewConnector(dsn); err != nil {
			return nil, err
		}
	default:
		return nil, fmt.Errorf("unknown engine %q", k)
	}
	return sql.OpenDB(countingConnector{Connector: c, s: s}), nil
}

// server makes and removes fresh databases of one engine.
type server interface {
	kind() kind
	// create makes an empty database and returns its DSN.
	create(ctx context.Context, name string) (dsn string, err error)
	drop(ctx context.Context, name string) error
	// describe names the server's version and the settings that decide
	// what a commit costs.
	describe(ctx context.Context) string
	close() error
}

// newName returns a fresh database name with the bench_ prefix.
func newName(label string) string {
	var b [4]byte
	_, _ = rand.Read(b[:])
	return "bench_" + label + "_" + hex.EncodeToString(b[:])
}

// ---- PostgreSQL ----

type pgServer struct {
	admin *sql.DB
	base  *url.URL
}

func newPGServer(ctx context.Context, rawURL string) (*pgServer, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return nil, fmt.Errorf("HOIST_TEST_POSTGRES_URL: %w", err)
	}
	admin, err := sql.Open("pgx", rawURL)
	if err != nil {
		return nil, err
	}
	if err := admin.PingContext(ctx); err != nil {
		admin.Close()
		return nil, fmt.Errorf("connecting to PostgreSQL: %w", err)
	}
	return &pgServer{admin: admin, base: u}, nil
}

func (s *pgServer) kind() kind { return postgresKind }

// create makes the database, then asks for a checkpoint, so that the
// measured run starts with clean buffers instead of paying for the writes
// of the run before it and of CREATE DATABASE itself (which WAL-logs the
// whole template). A server that refuses CHECKPOINT (no superuser or
// pg_checkpoint role) is measured without it.
func (s *pgServer) create(ctx context.Context, name string) (string, error) {
	if _, err := s.admin.ExecContext(ctx, `CREATE DATABASE "`+name+`"`); err != nil {
		return "", err
	}
	_, _ = s.admin.ExecContext(ctx, "CHECKPOINT")
	u := *s.base
	u.Path = "/" + name
	return u.String(), nil
}

func (s *pgServer) drop(ctx context.Context, name string) error {
	_, err := s.admin.ExecContext(ctx, `DROP DATABASE IF EXISTS "`+name+`" WITH (FORCE)`)
	return err
}

func (s *pgServer) describe(ctx context.Context) string {
	var v, sc, fsync string
	_ = s.admin.QueryRowContext(ctx, "SHOW server_version").Scan(&v)
	_ = s.admin.QueryRowContext(ctx, "SHOW synchronous_commit").Scan(&sc)
	_ = s.admin.QueryRowContext(ctx, "SHOW fsync").Scan(&fsync)
	return fmt.Sprintf("PostgreSQL %s (synchronous_commit=%s, fsync=%s)", v, sc, fsync)
}

func (s *pgServer) close() error { return s.admin.Close() }

// ---- MySQL / MariaDB ----

type mysqlServer struct {
	admin *sql.DB
	cfg   *mysql.Config
}

// parseMySQL accepts mysql://user:pass@host:3306/db?param=value and
// go-sql-driver's own DSN form.
func parseMySQL(s string) (*mysql.Config, error) {
	if !strings.HasPrefix(s, "mysql://") {
		return mysql.ParseDSN(s)
	}
	u, err := url.Parse(s)
	if err != nil {
		return nil, err
	}
	host := u.Host
	if host == "" {
		host = "127.0.0.1"
	}
	if _, _, err := net.SplitHostPort(host); err != nil {
		host = net.JoinHostPort(strings.Trim(host, "[]"), "3306")
	}
	cfg, err := mysql.ParseDSN("tcp(" + host + ")/" + strings.TrimPrefix(u.Path, "/") + "?" + u.RawQuery)
	if err != nil {
		return nil, err
	}
	cfg.User = u.User.Username()
	cfg.Passwd, _ = u.User.Password()
	return cfg, nil
}

func newMySQLServer(ctx context.Context, raw string) (*mysqlServer, error) {
	cfg, err := parseMySQL(raw)
	if err != nil {
		return nil, fmt.Errorf("HOIST_TEST_MYSQL_URL: %w", err)
	}
	c, err := mysql.NewConnector(cfg)
	if err != nil {
		return nil, err
	}
	admin := sql.OpenDB(c)
	if err := admin.PingContext(ctx); err != nil {
		admin.Close()
		return nil, fmt.Errorf("connecting to MySQL: %w", err)
	}
	return &mysqlServer{admin: admin, cfg: cfg}, nil
}

func (s *mysqlServer) kind() kind { return mysqlKind }

func (s *mysqlServer) create(ctx context.Context, name string) (string, error) {
	if _, err := s.admin.ExecContext(ctx, "CREATE DATABASE `"+name+"` CHARACTER SET utf8mb4"); err != nil {
		return "", err
	}
	cfg := s.cfg.Clone()
	cfg.DBName = name
	return cfg.FormatDSN(), nil
}

func (s *mysqlServer) drop(ctx context.Context, name string) error {
	_, err := s.admin.ExecContext(ctx, "DROP DATABASE IF EXISTS `"+name+"`")
	return err
}

func (s *mysqlServer) describe(ctx context.Context) string {
	var v, flush, binlog string
	_ = s.admin.QueryRowContext(ctx, "SELECT VERSION()").Scan(&v)
	_ = s.admin.QueryRowContext(ctx, "SELECT @@innodb_flush_log_at_trx_commit").Scan(&flush)
	_ = s.admin.QueryRowContext(ctx, "SELECT @@log_bin").Scan(&binlog)
	return fmt.Sprintf("%s (innodb_flush_log_at_trx_commit=%s, log_bin=%s)", v, flush, binlog)
}

func (s *mysqlServer) close() error { return s.admin.Close() }

// ---- SQLite ----

// sqliteServer keeps each database file in a directory of its own under
// dir, so that the lock files beside it go with it.
type sqliteServer struct {
	dir string
}

func newSQLiteServer() (*sqliteServer, error) {
	dir, err := os.MkdirTemp("", "hoist-bench-")
	if err != nil {
		return nil, err
	}
	return &sqliteServer{dir: dir}, nil
}

func (s *sqliteServer) kind() kind { return sqliteKind }

// sqliteDSN is the DSN every tool gets: WAL, and a 10 s busy timeout, as
// recommended for a file that several processes open.
func sqliteDSN(path string) string {
	return "file:" + filepath.ToSlash(path) + "?_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)"
}

// create makes an empty database file already in WAL mode (which the file
// keeps), the counterpart of CREATE DATABASE on a server: the tools then
// boot on an existing, empty database, as they do on the servers.
func (s *sqliteServer) create(ctx context.Context, name string) (string, error) {
	d := filepath.Join(s.dir, name)
	if err := os.Mkdir(d, 0o755); err != nil {
		return "", err
	}
	dsn := sqliteDSN(filepath.Join(d, "app.db"))
	db, err := openDB(sqliteKind, dsn, &stats{})
	if err != nil {
		return "", err
	}
	defer db.Close()
	var mode string
	if err := db.QueryRowContext(ctx, "PRAGMA journal_mode").Scan(&mode); err != nil {
		return "", err
	}
	if mode != "wal" {
		return "", fmt.Errorf("journal_mode is %q, not wal", mode)
	}
	return dsn, nil
}

func (s *sqliteServer) drop(_ context.Context, name string) error {
	return os.RemoveAll(filepath.Join(s.dir, name))
}

func (s *sqliteServer) describe(ctx context.Context) string {
	name := newName("describe")
	dsn, err := s.create(ctx, name)
	if err != nil {
		return "SQLite (modernc.org/sqlite): " + err.Error()
	}
	defer s.drop(ctx, name)
	db, err := openDB(sqliteKind, dsn, &stats{})
	if err != nil {
		return "SQLite (modernc.org/sqlite): " + err.Error()
	}
	defer db.Close()
	var (
		v, mode string
		sync    int
	)
	_ = db.QueryRowContext(ctx, "SELECT sqlite_version()").Scan(&v)
	_ = db.QueryRowContext(ctx, "PRAGMA journal_mode").Scan(&mode)
	_ = db.QueryRowContext(ctx, "PRAGMA synchronous").Scan(&sync)
	return fmt.Sprintf("SQLite %s (modernc.org/sqlite, pure Go; a file created empty in WAL mode before each run; journal_mode=%s, synchronous=%d (FULL), busy_timeout=10000)", v, mode, sync)
}

func (s *sqliteServer) close() error { return os.RemoveAll(s.dir) }

// sqlitePath returns the database file of a DSN made by sqliteDSN.
func sqlitePath(dsn string) (string, error) {
	p, _, _ := strings.Cut(strings.TrimPrefix(dsn, "file:"), "?")
	if p == "" {
		return "", errors.New("no file in the SQLite DSN")
	}
	return p, nil
}
