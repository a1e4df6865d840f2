package cli

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"path/filepath"
	"strings"

	"github.com/hoistdb/hoist/dialect"
	"github.com/hoistdb/hoist/dialect/mysql"
	"github.com/hoistdb/hoist/dialect/postgres"
	"github.com/hoistdb/hoist/dialect/sqlite"
)

// DataSource is a database URL resolved into what database/sql and the
// engine need. [ParseURL] builds it.
type DataSource struct {
	// Engine is "postgres", "mysql" or "sqlite".
	Engine string
	// Driver is the database/sql driver name the hoist command links for
	// the engine: "pgx" (github.com/jackc/pgx/v5/stdlib), "mysql"
	// (github.com/go-sql-driver/mysql) or "sqlite" (modernc.org/sqlite).
	Driver string
	// DSN is what sql.Open(Driver, DSN) takes. It holds the password.
	DSN string
	// Dialect is the hoist dialect of the engine.
	Dialect dialect.Dialect
	// Database is the database name, or for SQLite the file's path.
	Database string

	host     string // host:port as the URL gives it; "" for SQLite
	redacted string
	secrets  []string // every spelling of the password, for scrubbing
	admin    string   // DSN of the server without the database, for creating it
	// dsnFor is the DSN of another database of the same server (for
	// SQLite, of another file), with the URL's user and parameters: the
	// targets of a fleet of databases.
	dsnFor func(database string) string
}

// String returns the URL with its password masked, fit for messages.
func (d *DataSource) String() string { return d.redacted }

// target names the database a command is about to work on: engine,
// host, database and the URL with its password masked. It is printed
// before a command touches the database, so that an operator sees a
// wrong target before anything happens to it.
func (d *DataSource) target() string {
	if d.Engine == "sqlite" {
		return fmt.Sprintf("target: sqlite file %s (%s)", d.Database, d.redacted)
	}
	host := d.host
	if host == "" {
		host = "localhost"
	}
	return fmt.Sprintf("target: %s database %s on %s (%s)", d.Engine, d.Database, host, d.redacted)
}

// fleetTarget is target for a fleet of tenants matching pattern: the
// schemas of the database, the databases of the server, or the files.
func (d *DataSource) fleetTarget(pattern, kind string) string {
	switch {
	case d.Engine == "postgres" && kind == "databases":
		return fmt.Sprintf("target: postgres databases %s on %s, listed through %s (%s)", pattern, d.host, d.Database, d.redacted)
	case d.Engine == "sqlite":
		return fmt.Sprintf("target: sqlite files %s (%s)", sqliteFleetPattern(d, pattern), d.redacted)
	case d.Engine == "mysql":
		return fmt.Sprintf("target: mysql databases %s on %s, listed through %s (%s)", pattern, d.host, d.Database, d.redacted)
	}
	return strings.Replace(d.target(), "target: postgres database ", "target: postgres schemas "+pattern+" of database ", 1)
}

// connectTimeout bounds connecting to a server unless the URL says
// otherwise, so an unreachable server fails in seconds, not minutes.
const connectTimeout = 10

// ParseURL resolves a database URL; its scheme picks the engine:
//
//	postgres://user:pass@host:5432/db?sslmode=disable   (also postgresql://)
//	mysql://user:pass@host:3306/db?tls=true             (MySQL 8, MariaDB 10.6+)
//	sqlite:path/to/app.db   sqlite:///abs/app.db         (also sqlite://path)
//
// PostgreSQL URLs go to pgx as they are, with connect_timeout=10 and
// application_name=hoist added when absent. A mysql:// URL becomes
// go-sql-driver's user:pass@tcp(host:3306)/db?params form (port 3306 when
// absent, with timeout=10s and connectionAttributes=program_name:hoist
// added when absent). The names let an operator see hoist as the holder
// of the migration lock. A SQLite path becomes a file: URI with
// _pragma=busy_timeout(10000) added when the URL sets no busy_timeout, so
// that a command waits for the application's writers instead of failing.
//
// Errors never quote the password.
func ParseURL(raw string) (*DataSource, error) {
	raw = strings.TrimSpace(raw)
	if raw == "" {
		return nil, errors.New("no database URL")
	}
	scheme, rest, ok := strings.Cut(raw, ":")
	if !ok || !validScheme(scheme) {
		return nil, unknownScheme(raw, "")
	}
	switch strings.ToLower(scheme) {
	case "postgres", "postgresql":
		return parsePostgres(raw)
	case "mysql":
		return parseMySQL(raw)
	case "sqlite", "sqlite3":
		return parseSQLite(raw, rest)
	}
	return nil, unknownScheme(raw, scheme)
}

func validScheme(s string) bool {
	if s == "" {
		return false
	}
	for i, c := range s {
		letter := 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z'
		if !letter && (i == 0 || !('0' <= c && c <= '9' || c == '+' || c == '-' || c == '.')) {
			return false
		}
	}
	return true
}

// unknownScheme names the scheme only: the rest may hold a password.
func unknownScheme(raw, scheme string) error {
	const known = "use postgres://, postgresql://, mysql://, sqlite:path or sqlite://path"
	if strings.Contains(raw, "@tcp(") || strings.Contains(raw, "@unix(") {
		return fmt.Errorf("the database URL looks like a go-sql-driver DSN, which is not a URL: write mysql://user:pass@host:3306/db instead")
	}
	if scheme == "" {
		return fmt.Errorf("the database URL has no scheme; %s", known)
	}
	return fmt.Errorf("unknown database URL scheme %q; %s", scheme+":", known)
}

// parseURL is url.Parse without the URL in its errors.
func parseURL(raw string) (*url.URL, error) {
	u, err := url.Parse(raw)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return nil, fmt.Errorf("the database URL is not a valid URL: %v", err)
	}
	return u, nil
}

func parsePostgres(raw string) (*DataSource, error) {
	u, err := parseURL(raw)
	if err != nil {
		return nil, err
	}
	q := u.Query()
	if q.Get("connect_timeout") == "" {
		q.Set("connect_timeout", fmt.Sprint(connectTimeout))
	}
	// An operator waiting for the lock sees "pid 4711 (hoist)" as its
	// holder rather than a bare pid.
	if q.Get("application_name") == "" {
		q.Set("application_name", "hoist")
	}
	u.RawQuery = q.Encode()
	d := &DataSource{
		Engine:   "postgres",
		Driver:   "pgx",
		DSN:      u.String(),
		Dialect:  postgres.New(),
		Database: strings.TrimPrefix(u.Path, "/"),
		host:     u.Host,
	}
	admin := *u
	admin.Path, admin.RawPath = "/postgres", ""
	d.admin = admin.String()
	d.dsnFor = func(database string) string {
		other := *u
		other.Path, other.RawPath = "/"+database, ""
		return other.String()
	}
	d.redacted, d.secrets = redactURL(raw)
	return d, nil
}

func parseMySQL(raw string) (*DataSource, error) {
	u, err := parseURL(raw)
	if err != nil {
		return nil, err
	}
	if u.Opaque != "" {
		return nil, errors.New("the database URL is not mysql://user:pass@host:3306/db")
	}
	d := &DataSource{
		Engine:   "mysql",
		Driver:   "mysql",
		Dialect:  mysql.New(),
		Database: strings.TrimPrefix(u.Path, "/"),
		host:     u.Host,
	}
	d.DSN = mysqlDSN(u, d.Database)
	d.admin = mysqlDSN(u, "")
	d.dsnFor = func(database string) string { return mysqlDSN(u, database) }
	d.redacted, d.secrets = redactURL(raw)
	return d, nil
}

// mysqlDSN writes go-sql-driver's [user[:password]@]tcp(host:port)/db?params
// for u. The driver finds the database after the last slash and decodes it
// and the parameter values, so they are encoded here.
func mysqlDSN(u *url.URL, database string) string {
	var b strings.Builder
	if u.User != nil {
		b.WriteString(u.User.Username())
		if p, ok := u.User.Password(); ok {
			b.WriteString(":" + p)
		}
		b.WriteString("@")
	}
	host := u.Hostname()
	if host == "" {
		host = "127.0.0.1"
	}
	port := u.Port()
	if port == "" {
		port = "3306"
	}
	b.WriteString("tcp(" + net.JoinHostPort(host, port) + ")/" + url.PathEscape(database))
	q := u.RawQuery
	if !hasParam(q, "timeout") {
		q = joinQuery(q, fmt.Sprintf("timeout=%ds", connectTimeout))
	}
	if !hasParam(q, "connectionAttributes") {
		q = joinQuery(q, "connectionAttributes=program_name:hoist")
	}
	b.WriteString("?" + strings.ReplaceAll(q, "/", "%2F"))
	return b.String()
}

func parseSQLite(raw, rest string) (*DataSource, error) {
	rest = strings.TrimPrefix(rest, "//")
	path, query, _ := strings.Cut(rest, "?")
	path, err := url.PathUnescape(path)
	if err != nil {
		return nil, fmt.Errorf("the database URL's path is not valid: %v", err)
	}
	if path == "" {
		return nil, errors.New("the database URL names no SQLite file: write sqlite:path/to/app.db")
	}
	if !strings.Contains(query, "busy_timeout") {
		query = joinQuery(query, "_pragma=busy_timeout(10000)")
	}
	dsnFor := func(path string) string { return "file:" + sqliteURIPath.Replace(filepath.ToSlash(path)) + "?" + query }
	return &DataSource{
		Engine:   "sqlite",
		Driver:   "sqlite",
		DSN:      dsnFor(path),
		Dialect:  sqlite.New(),
		Database: path,
		redacted: raw,
		dsnFor:   dsnFor,
	}, nil
}

// sqliteURIPath escapes what would end or change the path of a file: URI.
var sqliteURIPath = strings.NewReplacer("%", "%25", "?", "%3f", "#", "%23")

func hasParam(query, key string) bool {
	for p := range strings.SplitSeq(query, "&") {
		if p == key || strings.HasPrefix(p, key+"=") {
			return true
		}
	}
	return false
}

func joinQuery(q, p string) string {
	if q == "" {
		return p
	}
	return q + "&" + p
}

// passwordParams are query parameters that carry a password.
var passwordParams = []string{"password", "passwd", "pass", "sslpassword"}

// redactURL masks the password of u and of its password parameters, and
// returns every spelling of them for scrubbing messages.
func redactURL(raw string) (string, []string) {
	u, err := url.Parse(raw)
	if err != nil {
		return "(unparsable URL)", nil
	}
	var secrets []string
	add := func(s string) {
		if s != "" {
			secrets = append(secrets, s, url.QueryEscape(s), url.PathEscape(s))
		}
	}
	if p, ok := u.User.Password(); ok {
		add(p)
	}
	q := u.Query()
	masked := false
	for _, k := range passwordParams {
		if v := q.Get(k); v != "" {
			add(v)
			q.Set(k, "xxxxx")
			masked = true
		}
	}
	if masked {
		u.RawQuery = q.Encode()
	}
	return u.Redacted(), secrets
}

// rebase makes a relative SQLite path in raw relative to dir instead of
// the working directory: a database_url in hoist.yaml is read relative to
// the file. Other URLs are returned as they are.
func rebase(raw, dir string) string {
	scheme, rest, ok := strings.Cut(raw, ":")
	if !ok || (strings.ToLower(scheme) != "sqlite" && strings.ToLower(scheme) != "sqlite3") {
		return raw
	}
	slashes := ""
	if strings.HasPrefix(rest, "//") {
		slashes, rest = "//", rest[2:]
	}
	if rest == "" || strings.HasPrefix(rest, "/") || strings.HasPrefix(rest, ":") || filepath.IsAbs(rest) {
		return raw
	}
	return scheme + ":" + slashes + filepath.ToSlash(filepath.Join(dir, rest))
}
