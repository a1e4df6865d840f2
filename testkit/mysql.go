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

var mysqlEngine = &engine{
	name:    "mysql",
	title:   "MySQL",
	driver:  "mysql",
	dialect: hoistmysql.New(),
	env:     "HOIST_TEST_MYSQL_URL",
	example: "mysql://root:@127.0.0.1:3306/",
	install: "mariadb-install-db and mariadbd, e.g. apt install mariadb-server",
}

// mysqlDialTimeout is the dial timeout of the DSNs MySQL returns, unless
// HOIST_TEST_MYSQL_URL sets one.
const mysqlDialTimeout = 10 * time.Second

// MySQL returns a new, empty MySQL or MariaDB database (utf8mb4) that is
// dropped when the test ends (kept and logged when it failed or
// HOIST_TEST_KEEP=1). The server is found once per test binary, as the
// package documentation says: HOIST_TEST_MYSQL_URL, either a URL
// (mysql://user:password@host:3306/?param=value) or a go-sql-driver DSN
// (user:password@tcp(host:3306)/?param=value), a Docker container, or
// local server binaries; without any the test is skipped, or fails under
// HOIST_TEST_REQUIRE=1.
//
// The returned DSN is in go-sql-driver form. It keeps the parameters of
// HOIST_TEST_MYSQL_URL, always sets parseTime=true, so that DATETIME and
// TIMESTAMP columns scan into time.Time fields (applications need it in
// their own DSNs for the same reason), and has a 10s dial timeout unless
// the variable sets one.
func MySQL(t testing.TB, opts ...Option) *DB {
	t.Helper()
	return open(t, mysqlEngine, resolveMySQL, opts)
}

// resolveMySQL finds the server once per test binary.
var resolveMySQL = sync.OnceValues(func() (server, error) {
	return resolveChain(mysqlEngine, []step{
		{provider: providerEnv, try: mysqlFromEnv, timeout: setupTimeout},
		{provider: providerDocker, try: mysqlFromDocker, timeout: dockerStartTimeout},
		{provider: providerLocal, try: mysqlFromLocal, timeout: localStartTimeout},
	})
})

// mysqlFromEnv connects to HOIST_TEST_MYSQL_URL and drops what earlier
// test binaries left there.
func mysqlFromEnv(ctx context.Context) (server, error) {
	env := os.Getenv(mysqlEngine.env)
	if env == "" {
		return nil, reject("%s is not set", mysqlEngine.env)
	}
	cfg, err := parseMySQLURL(env)
	if err != nil {
		return nil, err
	}
	srv, err := connectMySQL(ctx, cfg, mysqlEngine.env+" ("+redactMySQL(cfg.FormatDSN())+")")
	if err != nil {
		return nil, err
	}
	sweepInBackground(srv.sweep, srv.sweepShelf)
	return srv, nil
}

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
	admin *sql.DB       // no default database; CREATE and DROP DATABASE
	cfg   *mysql.Config // what the DSNs of new databases start from
	// cloner runs the statements of clones, several per round trip.
	cloner  *sql.DB
	version string
	lim     *limiter
	schemas sync.Map // template name → *mysqlSchemaEntry
	from    string   // the provider, for where
	// temporary is set for the servers that testkit started.
	temporary bool

	lockOnce sync.Once
	lockConn *lockConn // see locks
}

// connectMySQL connects to the server cfg names and reads what testkit
// needs to know about it.
// connectTemporaryMySQL connects to a server that testkit started (a
// container or local binaries) and ends with the test binary.
func connectTemporaryMySQL(ctx context.Context, base, from string) (server, error) {
	cfg, err := parseMySQLURL(base)
	if err != nil {
		return nil, err
	}
	srv, err := connectMySQL(ctx, cfg, from)
	if err != nil {
		return nil, err
	}
	srv.temporary = true
	return srv, nil
}

func connectMySQL(ctx context.Context, cfg *mysql.Config, from string) (*mysqlServer, error) {
	cfg = cfg.Clone()
	// Models generated for the application (make:model) have time.Time
	// fields, which go-sql-driver scans only with parseTime.
	cfg.ParseTime = true
	if cfg.Timeout == 0 {
		cfg.Timeout = mysqlDialTimeout
	}
	admin := cfg.Clone()
	admin.DBName = ""
	connector, err := mysql.NewConnector(admin)
	if err != nil {
		return nil, err
	}
	srv := &mysqlServer{admin: sql.OpenDB(connector), cfg: cfg, from: from}
	srv.admin.SetMaxOpenConns(4)
	var maxConns int
	if err := srv.admin.QueryRowContext(ctx, "SELECT VERSION(), @@max_connections").Scan(&srv.version, &maxConns); err != nil {
		srv.admin.Close()
		return nil, fmt.Errorf("connect to %s: %w", redactMySQL(admin.FormatDSN()), err)
	}
	multi := admin.Clone()
	multi.MultiStatements = true
	connector, err = mysql.NewConnector(multi)
	if err != nil {
		srv.admin.Close()
		return nil, err
	}
	srv.cloner = sql.OpenDB(connector)
	srv.cloner.SetMaxOpenConns(4)
	srv.lim = newLimiter(slotsFor(maxConns))
	return srv, nil
}

func (s *mysqlServer) create(ctx context.Context, name string) (string, error) {
	if _, err := s.admin.ExecContext(ctx, "CREATE DATABASE "+mysqlEngine.dialect.QuoteIdent(name)+" CHARACTER SET utf8mb4"); err != nil {
		return "", err
	}
	return s.dsn(name), nil
}

// dsn returns the DSN of database name.
func (s *mysqlServer) dsn(name string) string {
	cfg := s.cfg.Clone()
	cfg.DBName = name
	return cfg.FormatDSN()
}

func (s *mysqlServer) drop(ctx context.Context, name string) error {
	if !ours(name) {
		return fmt.Errorf("refusing to drop %q: not a testkit database", name)
	}
	if shelfKind(name) != "" {
		return s.dropClone(ctx, shelfSibling(name, "pool"))
	}
	_, err := s.admin.ExecContext(ctx, "DROP DATABASE IF EXISTS "+mysqlEngine.dialect.QuoteIdent(name))
	return err
}

func (s *mysqlServer) redact(dsn string) string { return redactMySQL(dsn) }

func (s *mysqlServer) limiter() *limiter { return s.lim }

func (s *mysqlServer) templates() templateStore { return s }

func (s *mysqlServer) disposable() bool { return s.temporary }

func (s *mysqlServer) where() string { return s.from + ", " + s.version }

// sweep drops the databases and templates of earlier test binaries that
// outlived their maximum age, ignoring failures.
func (s *mysqlServer) sweep(ctx context.Context, now time.Time) {
	for _, name := range s.list(ctx, `hoist\_test\_%`) {
		if expired(name, now) {
			_ = s.drop(ctx, name)
		}
	}
}

// list returns the databases whose names are LIKE pattern, newest first
// among templates of one key.
func (s *mysqlServer) list(ctx context.Context, pattern string) []string {
	rows, err := s.admin.QueryContext(ctx, "SELECT SCHEMA_NAME FROM information_schema.SCHEMATA WHERE SCHEMA_NAME LIKE ? ORDER BY SCHEMA_NAME DESC", pattern)
	if err != nil {
		return nil
	}
	defer rows.Close()
	var names []string
	for rows.Next() {
		var name string
		if rows.Scan(&name) == nil {
			names = append(names, name)
		}
	}
	return names
}

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

// Templates: MySQL and MariaDB can neither copy nor rename a database.
// A template is migrated under its final name, so one that a killed test
// binary left half-built is told apart by its history table: findTemplate
// drops it. A clone replays the template's schema and copies its rows
// (mysql_clone.go).

func (s *mysqlServer) serverVersion(context.Context) (string, error) {
	return "mysql " + s.version, nil
}

// lockTemplate takes GET_LOCK on a connection of its own.
func (s *mysqlServer) lockTemplate(ctx context.Context, key string) (func(), error) {
	connector, err := mysql.NewConnector(s.cfg)
	if err != nil {
		return nil, err
	}
	db := sql.OpenDB(connector)
	conn, err := db.Conn(ctx)
	name := "hoist_test_tpl_" + key[:16]
	timeout := int(templateBuildTimeout / time.Second)
	var got sql.NullInt64
	if err == nil {
		err = conn.QueryRowContext(ctx, "SELECT GET_LOCK(?, ?)", name, timeout).Scan(&got)
	}
	if err == nil && got.Int64 != 1 {
		err = fmt.Errorf("GET_LOCK(%s) timed out after %ds", name, timeout)
	}
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("take the template lock: %w", err)
	}
	return func() {
		ctx, cancel := context.WithTimeout(context.Background(), setupTimeout)
		defer cancel()
		// Ending the session releases the lock too, should this fail.
		_, _ = conn.ExecContext(ctx, "DO RELEASE_LOCK(?)", name)
		conn.Close()
		db.Close()
	}, nil
}

func (s *mysqlServer) findTemplate(ctx context.Context, key string, complete func(context.Context, string) (bool, error)) (string, bool, error) {
	for _, name := range s.list(ctx, templatePattern(key)) {
		ok, err := complete(ctx, s.dsn(name))
		if err != nil {
			return "", false, fmt.Errorf("check template %s: %w", name, err)
		}
		if ok {
			return name, true, nil
		}
		// Half built by a test binary that died: we hold the lock, so
		// nobody is building it now.
		if err := s.drop(ctx, name); err != nil {
			return "", false, err
		}
	}
	return "", false, nil
}

func (s *mysqlServer) buildTemplate(ctx context.Context, key string) (name, dsn string, err error) {
	name = newTemplateName(key, time.Now())
	dsn, err = s.create(ctx, name)
	return name, dsn, err
}

func (s *mysqlServer) sealTemplate(_ context.Context, _, build string) (string, error) {
	return build, nil
}
