package cli_test

import (
	"strings"
	"testing"

	"github.com/go-sql-driver/mysql"

	"github.com/hoistdb/hoist/sdk/cli"
)

func TestParseURL(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name, url                              string
		engine, driver, dsn, database, display string
	}{
		{"postgres", "postgres://app:pw@db:5432/app?sslmode=disable", "postgres", "pgx",
			"postgres://app:pw@db:5432/app?application_name=hoist&connect_timeout=10&sslmode=disable", "app", "postgres://app:xxxxx@db:5432/app?sslmode=disable"},
		{"postgresql_with_timeout", "postgresql://app@db/app?connect_timeout=3", "postgres", "pgx",
			"postgresql://app@db/app?application_name=hoist&connect_timeout=3", "app", "postgresql://app@db/app?connect_timeout=3"},
		{"postgres_password_parameter", "postgres://app@db/app?password=pw", "postgres", "pgx",
			"postgres://app@db/app?application_name=hoist&connect_timeout=10&password=pw", "app", "postgres://app@db/app?password=xxxxx"},
		{"mysql", "mysql://app:pw@db:3306/app?tls=true", "mysql", "mysql",
			"app:pw@tcp(db:3306)/app?tls=true&timeout=10s&connectionAttributes=program_name:hoist", "app", "mysql://app:xxxxx@db:3306/app?tls=true"},
		{"mysql_default_port", "mysql://root@db/app", "mysql", "mysql",
			"root@tcp(db:3306)/app?timeout=10s&connectionAttributes=program_name:hoist", "app", "mysql://root@db/app"},
		{"mysql_no_host", "mysql:///app", "mysql", "mysql",
			"tcp(127.0.0.1:3306)/app?timeout=10s&connectionAttributes=program_name:hoist", "app", "mysql:///app"},
		{"mysql_ipv6", "mysql://u:p@[::1]:3307/app", "mysql", "mysql",
			"u:p@tcp([::1]:3307)/app?timeout=10s&connectionAttributes=program_name:hoist", "app", "mysql://u:xxxxx@[::1]:3307/app"},
		{"mysql_escaped_password", "mysql://u:p%40ss%2Fw%3Ard@db/app", "mysql", "mysql",
			"u:p@ss/w:rd@tcp(db:3306)/app?timeout=10s&connectionAttributes=program_name:hoist", "app", "mysql://u:xxxxx@db/app"},
		{"mysql_slash_in_parameter", "mysql://u@db/app?loc=Europe/Paris", "mysql", "mysql",
			"u@tcp(db:3306)/app?loc=Europe%2FParis&timeout=10s&connectionAttributes=program_name:hoist", "app", "mysql://u@db/app?loc=Europe/Paris"},
		{"sqlite_relative", "sqlite:data/app.db", "sqlite", "sqlite",
			"file:data/app.db?_pragma=busy_timeout(10000)", "data/app.db", "sqlite:data/app.db"},
		{"sqlite_slashes_relative", "sqlite://app.db", "sqlite", "sqlite",
			"file:app.db?_pragma=busy_timeout(10000)", "app.db", "sqlite://app.db"},
		{"sqlite_absolute", "sqlite:///var/lib/app.db", "sqlite", "sqlite",
			"file:/var/lib/app.db?_pragma=busy_timeout(10000)", "/var/lib/app.db", "sqlite:///var/lib/app.db"},
		{"sqlite_parameters", "sqlite:/tmp/a%3Fb.db?_pragma=foreign_keys(1)&_pragma=busy_timeout(500)", "sqlite", "sqlite",
			"file:/tmp/a%3fb.db?_pragma=foreign_keys(1)&_pragma=busy_timeout(500)", "/tmp/a?b.db", "sqlite:/tmp/a%3Fb.db?_pragma=foreign_keys(1)&_pragma=busy_timeout(500)"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			d, err := cli.ParseURL(tc.url)
			if err != nil {
				t.Fatal(err)
			}
			if d.Engine != tc.engine || d.Driver != tc.driver || d.DSN != tc.dsn || d.Database != tc.database || d.String() != tc.display {
				t.Errorf("ParseURL(%q) =\n  %s %s %q %q %q\nwant\n  %s %s %q %q %q", tc.url,
					d.Engine, d.Driver, d.DSN, d.Database, d.String(), tc.engine, tc.driver, tc.dsn, tc.database, tc.display)
			}
			if d.Dialect == nil || d.Dialect.Name() != tc.engine {
				t.Errorf("dialect %v for engine %s", d.Dialect, tc.engine)
			}
		})
	}
}

// TestMySQLDSN checks the go-sql-driver DSNs with the driver's own
// parser.
func TestMySQLDSN(t *testing.T) {
	t.Parallel()
	d, err := cli.ParseURL("mysql://app:p%40ss%2Fw%3Ard@db.example:3307/my%20db?tls=skip-verify&loc=Europe%2FParis&autocommit=1")
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := mysql.ParseDSN(d.DSN)
	if err != nil {
		t.Fatalf("go-sql-driver cannot read %q: %v", d.DSN, err)
	}
	if cfg.User != "app" || cfg.Passwd != "p@ss/w:rd" || cfg.Net != "tcp" || cfg.Addr != "db.example:3307" ||
		cfg.DBName != "my db" || cfg.TLSConfig != "skip-verify" || cfg.Loc.String() != "Europe/Paris" ||
		cfg.Params["autocommit"] != "1" || cfg.Timeout.String() != "10s" {
		t.Errorf("go-sql-driver reads %q as %+v", d.DSN, cfg)
	}
}

func TestParseURLErrors(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ url, want string }{
		{"", "no database URL"},
		{"app.db", "has no scheme"},
		{"oracle://scott:tiger@db/orcl", `unknown database URL scheme "oracle:"`},
		{"root:tiger@tcp(127.0.0.1:3306)/app", "go-sql-driver DSN"},
		{"postgres://scott:tiger@db:port/app", "not a valid URL"},
		{"sqlite:", "names no SQLite file"},
		{"mysql:scott:tiger@db/app", "not mysql://"},
	} {
		_, err := cli.ParseURL(tc.url)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("ParseURL(%q) = %v, want an error with %q", tc.url, err, tc.want)
		}
		if err != nil && strings.Contains(err.Error(), "tiger") {
			t.Errorf("ParseURL(%q): the error shows the password: %v", tc.url, err)
		}
	}
}
