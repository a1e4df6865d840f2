package testkit

import (
	"strings"
	"testing"
	"time"
)

func TestPostgresDSN(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, base, want string
	}{
		{"url", "postgres://u:p@h:5432/postgres?sslmode=disable", "postgres://u:p@h:5432/hoist_test_x?sslmode=disable"},
		{"url_without_database", "postgresql://h", "postgresql://h/hoist_test_x"},
		{"key_value", "host=h user=u", "host=h user=u dbname=hoist_test_x"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := postgresDSN(tt.base, "hoist_test_x")
			if err != nil {
				t.Fatal(err)
			}
			if got != tt.want {
				t.Errorf("postgresDSN(%q) = %q, want %q", tt.base, got, tt.want)
			}
		})
	}
	if _, err := postgresDSN("localhost", "x"); err == nil {
		t.Error("postgresDSN(\"localhost\") succeeded, want an error")
	}
}

func TestRedactPostgres(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, in, want string
	}{
		{"url", "postgres://u:s3cret@h/db", "postgres://u:xxxxx@h/db"},
		{"url_without_password", "postgres://u@h/db", "postgres://u@h/db"},
		{"url_password_param", "postgres://u@h/db?password=s3cret", "postgres://u@h/db?password=xxxxx"},
		{"key_value", "host=h password=s3cret user=u", "host=h password=xxxxx user=u"},
		{"key_value_quoted", "host=h password='s3 cr\\'et' user=u", "host=h password=xxxxx user=u"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := redactPostgres(tt.in); got != tt.want {
				t.Errorf("redactPostgres(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestParseMySQLURL(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, in                        string
		user, passwd, net, addr, dbName string
	}{
		{"url", "mysql://root:@127.0.0.1:3306/test", "root", "", "tcp", "127.0.0.1:3306", "test"},
		{"url_default_port", "mysql://app:p%40ss@db/", "app", "p@ss", "tcp", "db:3306", ""},
		{"url_ipv6", "mysql://root@[::1]/x", "root", "", "tcp", "[::1]:3306", "x"},
		{"dsn", "root:@tcp(127.0.0.1:3306)/", "root", "", "tcp", "127.0.0.1:3306", ""},
		{"dsn_socket", "root@unix(/run/mysqld/mysqld.sock)/test", "root", "", "unix", "/run/mysqld/mysqld.sock", "test"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			cfg, err := parseMySQLURL(tt.in)
			if err != nil {
				t.Fatal(err)
			}
			if cfg.User != tt.user || cfg.Passwd != tt.passwd || cfg.Net != tt.net || cfg.Addr != tt.addr || cfg.DBName != tt.dbName {
				t.Errorf("parseMySQLURL(%q) = user %q passwd %q net %q addr %q db %q, want %q %q %q %q %q",
					tt.in, cfg.User, cfg.Passwd, cfg.Net, cfg.Addr, cfg.DBName, tt.user, tt.passwd, tt.net, tt.addr, tt.dbName)
			}
		})
	}

	t.Run("url_params", func(t *testing.T) {
		t.Parallel()
		cfg, err := parseMySQLURL("mysql://root@h/?timeout=3s&charset=utf8mb4")
		if err != nil {
			t.Fatal(err)
		}
		if cfg.Timeout != 3*time.Second {
			t.Errorf("Timeout = %s, want 3s", cfg.Timeout)
		}
		if !strings.Contains(cfg.FormatDSN(), "charset=utf8mb4") {
			t.Errorf("FormatDSN() = %q, want charset kept", cfg.FormatDSN())
		}
	})
}

func TestRedactMySQL(t *testing.T) {
	t.Parallel()
	if got, want := redactMySQL("app:s3cret@tcp(db:3306)/x?timeout=10s"), "app:xxxxx@tcp(db:3306)/x?timeout=10s"; got != want {
		t.Errorf("redactMySQL = %q, want %q", got, want)
	}
	if got, want := redactMySQL("root@tcp(db:3306)/x"), "root@tcp(db:3306)/x"; got != want {
		t.Errorf("redactMySQL = %q, want %q", got, want)
	}
}

func TestSQLiteDSNEscapes(t *testing.T) {
	t.Parallel()
	got := sqliteDSN("/tmp/a?b#c%d/test.db")
	want := "file:/tmp/a%3fb%23c%25d/test.db?_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)"
	if got != want {
		t.Errorf("sqliteDSN = %q, want %q", got, want)
	}
}
