package testkit

import (
	"cmp"
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/binary"
	"fmt"
	"net/url"
	"os"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hoistdb/hoist/dialect/postgres"
)

var postgresEngine = &engine{
	name:    "postgres",
	title:   "PostgreSQL",
	driver:  "pgx",
	dialect: postgres.New(),
	env:     "HOIST_TEST_POSTGRES_URL",
	example: "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable",
	install: "initdb and pg_ctl, e.g. apt install postgresql",
}

// Postgres returns a new, empty PostgreSQL database that is dropped when
// the test ends (kept and logged when it failed or HOIST_TEST_KEEP=1).
// The server is found once per test binary, as the package documentation
// says: HOIST_TEST_POSTGRES_URL, a Docker container, or local server
// binaries; without any the test is skipped, or fails under
// HOIST_TEST_REQUIRE=1. The database is dropped WITH (FORCE), so
// connections a test leaves open do not keep it alive.
func Postgres(t testing.TB, opts ...Option) *DB {
	t.Helper()
	return open(t, postgresEngine, resolvePostgres, opts)
}

// resolvePostgres finds the server once per test binary.
var resolvePostgres = sync.OnceValues(func() (server, error) {
	return resolveChain(postgresEngine, []step{
		{provider: providerEnv, try: postgresFromEnv, timeout: setupTimeout},
		{provider: providerDocker, try: postgresFromDocker, timeout: dockerStartTimeout},
		{provider: providerLocal, try: postgresFromLocal, timeout: localStartTimeout},
	})
})

// postgresFromEnv connects to HOIST_TEST_POSTGRES_URL and drops what
// earlier test binaries left there.
func postgresFromEnv(ctx context.Context) (server, error) {
	base := os.Getenv(postgresEngine.env)
	if base == "" {
		return nil, reject("%s is not set", postgresEngine.env)
	}
	srv, err := connectPostgres(ctx, base, postgresEngine.env+" ("+redactPostgres(base)+")")
	if err != nil {
		return nil, err
	}
	sweepInBackground(srv.sweep, srv.sweepShelf)
	return srv, nil
}

// postgresServer is a server on which testkit may create databases.
type postgresServer struct {
	admin *sql.DB // on the database named in base, for CREATE and DROP DATABASE
	base  string  // what the DSNs of new databases start from
	// versionNum is server_version_num, 150000 for 15.0.
	versionNum int
	version    string
	lim        *limiter
	from       string // the provider, for where
	// temporary is set for the servers that testkit started.
	temporary bool
	// strategy is the STRATEGY of CREATE DATABASE for clones, "" before
	// PostgreSQL 15; strategyWhy says why, for the test log.
	strategy, strategyWhy string

	lockOnce sync.Once
	lockConn *lockConn // see locks
}

// connectPostgres connects to the server base names and reads what
// testkit needs to know about it.
// connectTemporaryPostgres connects to a server that testkit started (a
// container or local binaries) and ends with the test binary.
func connectTemporaryPostgres(ctx context.Context, base, from string) (server, error) {
	srv, err := connectPostgres(ctx, base, from)
	if err != nil {
		return nil, err
	}
	srv.temporary = true
	return srv, nil
}

func connectPostgres(ctx context.Context, base, from string) (*postgresServer, error) {
	if _, err := postgresDSN(base, "postgres"); err != nil {
		return nil, err
	}
	admin, err := sql.Open(postgresEngine.driver, base)
	if err != nil {
		return nil, err
	}
	admin.SetMaxOpenConns(4)
	srv := &postgresServer{admin: admin, base: base, from: from}
	var maxConns int
	var fsync string
	err = admin.QueryRowContext(ctx, `SELECT current_setting('server_version_num')::int, current_setting('server_version'),
		current_setting('max_connections')::int - current_setting('superuser_reserved_connections')::int, current_setting('fsync')`).
		Scan(&srv.versionNum, &srv.version, &maxConns, &fsync)
	if err != nil {
		admin.Close()
		return nil, fmt.Errorf("connect to %s: %w", redactPostgres(base), err)
	}
	srv.lim = newLimiter(slotsFor(maxConns))
	srv.strategy, srv.strategyWhy = postgresStrategy(srv.versionNum, fsync)
	return srv, nil
}

func (s *postgresServer) create(ctx context.Context, name string) (string, error) {
	if _, err := s.admin.ExecContext(ctx, "CREATE DATABASE "+postgresEngine.dialect.QuoteIdent(name)); err != nil {
		return "", err
	}
	return postgresDSN(s.base, name)
}

func (s *postgresServer) drop(ctx context.Context, name string) error {
	if !ours(name) {
		return fmt.Errorf("refusing to drop %q: not a testkit database", name)
	}
	q := postgresEngine.dialect.QuoteIdent(name)
	if isTemplate(name) {
		if _, err := s.admin.ExecContext(ctx, "ALTER DATABASE "+q+" WITH IS_TEMPLATE false"); err != nil && !isMissingDatabase(err) {
			return err
		}
	}
	_, err := s.admin.ExecContext(ctx, "DROP DATABASE IF EXISTS "+q+" WITH (FORCE)")
	if err == nil && shelfKind(name) == "held" {
		s.locks().release(ctx, name)
	}
	return err
}

func (s *postgresServer) redact(dsn string) string { return redactPostgres(dsn) }

func (s *postgresServer) limiter() *limiter { return s.lim }

func (s *postgresServer) templates() templateStore { return s }

func (s *postgresServer) disposable() bool { return s.temporary }

func (s *postgresServer) where() string {
	return s.from + ", PostgreSQL " + s.version + "; " + s.strategyWhy
}

// sweep drops the databases and templates of earlier test binaries that
// outlived their maximum age. Failures are ignored: another binary may be
// sweeping at the same time, and a leftover does no harm until next time.
func (s *postgresServer) sweep(ctx context.Context, now time.Time) {
	rows, err := s.admin.QueryContext(ctx, `SELECT datname FROM pg_database WHERE datname LIKE 'hoist\_test\_%'`)
	if err != nil {
		return
	}
	var old []string
	for rows.Next() {
		var name string
		if rows.Scan(&name) == nil && expired(name, now) {
			old = append(old, name)
		}
	}
	rows.Close()
	for _, name := range old {
		_ = s.drop(ctx, name)
	}
}

// isMissingDatabase reports whether err says that the database does not
// exist (SQLSTATE 3D000).
func isMissingDatabase(err error) bool {
	return err != nil && strings.Contains(err.Error(), "3D000")
}

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

// Templates: a template is a database built by migrating a fresh one,
// closed to connections and renamed to its final name only once every
// migration ran, so that a template that exists is complete. A clone is
// CREATE DATABASE ... TEMPLATE, with the STRATEGY postgresStrategy picks
// for the server.

func (s *postgresServer) serverVersion(context.Context) (string, error) {
	return "postgres " + s.version, nil
}

// lockTemplate takes a session advisory lock derived from key (its
// first 16 hex digits, as in the template's name, so that sweepBuilds
// can take it from a name) on a connection of its own, shared with every
// test binary that uses the server. It does not come from the admin pool, which the holder still
// needs.
func (s *postgresServer) lockTemplate(ctx context.Context, key string) (func(), error) {
	sum := sha256.Sum256([]byte("hoist testkit template " + key[:16]))
	id := int64(binary.BigEndian.Uint64(sum[:8]))
	db, err := sql.Open(postgresEngine.driver, s.base)
	if err != nil {
		return nil, err
	}
	conn, err := db.Conn(ctx)
	if err == nil {
		_, err = conn.ExecContext(ctx, "SELECT pg_advisory_lock($1)", id)
	}
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("take the template lock: %w", err)
	}
	return func() {
		ctx, cancel := context.WithTimeout(context.Background(), setupTimeout)
		defer cancel()
		// Ending the session releases the lock too, should this fail.
		_, _ = conn.ExecContext(ctx, "SELECT pg_advisory_unlock($1)", id)
		conn.Close()
		db.Close()
	}, nil
}

func (s *postgresServer) findTemplate(ctx context.Context, key string, _ func(ctx context.Context, dsn string) (bool, error)) (string, bool, error) {
	var name string
	err := s.admin.QueryRowContext(ctx, `SELECT datname FROM pg_database WHERE datname LIKE $1 ORDER BY datname DESC LIMIT 1`,
		templatePattern(key)).Scan(&name)
	if err == sql.ErrNoRows {
		return "", false, nil
	}
	return name, err == nil, err
}

func (s *postgresServer) buildTemplate(ctx context.Context, _ string) (name, dsn string, err error) {
	name = newDatabaseName(time.Now())
	dsn, err = s.create(ctx, name)
	return name, dsn, err
}

// sealTemplate renames the migrated build, whose pool is closed, to the
// template's name and closes it to connections, so that no session can
// hold it open and make a clone fail.
func (s *postgresServer) sealTemplate(ctx context.Context, key, build string) (string, error) {
	name := newTemplateName(key, time.Now())
	q := postgresEngine.dialect.QuoteIdent
	// RENAME waits up to 5s for the build's sessions to finish closing.
	if _, err := s.admin.ExecContext(ctx, "ALTER DATABASE "+q(build)+" RENAME TO "+q(name)); err != nil {
		return "", err
	}
	if _, err := s.admin.ExecContext(ctx, "ALTER DATABASE "+q(name)+" WITH ALLOW_CONNECTIONS false IS_TEMPLATE true"); err != nil {
		return "", err
	}
	return name, nil
}

func (s *postgresServer) clone(ctx context.Context, tpl, name string) (string, error) {
	q := postgresEngine.dialect.QuoteIdent
	stmt := "CREATE DATABASE " + q(name) + " TEMPLATE " + q(tpl)
	if strategy := cmp.Or(postgresCloneStrategy, s.strategy); strategy != "" {
		stmt += " STRATEGY " + strategy
	}
	if _, err := s.admin.ExecContext(ctx, stmt); err != nil {
		return "", err
	}
	return postgresDSN(s.base, name)
}

// postgresCloneStrategy, when set, replaces the STRATEGY postgresStrategy
// picks, so that the benchmark can compare the two.
var postgresCloneStrategy = ""

// postgresStrategy picks how a server copies a template, from its
// version and its fsync setting, and says why. From PostgreSQL 15 on,
// CREATE DATABASE either copies the template's files and syncs them
// around two checkpoints (FILE_COPY), or copies it block by block
// through the WAL (WAL_LOG, the default). Measured with a 100-migration
// template (docs/testing.md): with fsync on, the syncs and checkpoints
// dominate and WAL_LOG is 2-3 times faster; with fsync off, as on the
// servers testkit starts, nothing is synced and FILE_COPY, which writes
// no WAL, is faster.
func postgresStrategy(versionNum int, fsync string) (strategy, why string) {
	switch {
	case versionNum < 150000:
		return "", "clones with CREATE DATABASE ... TEMPLATE (one strategy before PostgreSQL 15)"
	case fsync == "off":
		return "FILE_COPY", "clones with STRATEGY FILE_COPY (fsync is off: copying files syncs nothing)"
	default:
		return "WAL_LOG", "clones with STRATEGY WAL_LOG (fsync is on: FILE_COPY would sync every file and checkpoint twice)"
	}
}
