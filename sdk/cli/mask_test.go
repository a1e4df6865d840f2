package cli_test

import (
	"net/url"
	"strings"
	"testing"

	"github.com/hoistdb/hoist/testkit"
)

// TestMaskedPassword: the password is masked where it stands as the
// password (the URL's password field, password=), and nothing else in the
// message changes, for a one-letter password, a password equal to the user
// name and one with URL-escaped characters; on the real servers.
func TestMaskedPassword(t *testing.T) {
	t.Parallel()
	pg, err := url.Parse(pgURL(t))
	if err != nil {
		t.Fatal(err)
	}
	my := mysqlHost(t)
	cases := []struct {
		name, url, secret string
		want              []string // in stderr, in this order
	}{
		{name: "one_letter", url: "postgres://app:e@127.0.0.1:1/shop?sslmode=disable", secret: "",
			want: []string{"target: postgres database shop on 127.0.0.1:1 (postgres://app:xxxxx@127.0.0.1:1/shop?sslmode=disable)",
				"hoist: cannot connect to postgres://app:xxxxx@127.0.0.1:1/shop?sslmode=disable: failed to connect to `user=app database=shop`",
				"connect: connection refused"}},
		{name: "same_as_user", url: "postgres://postgres:postgres@" + pg.Host + "/hoist_no_such_db?sslmode=disable", secret: ":postgres@",
			want: []string{"target: postgres database hoist_no_such_db on " + pg.Host + " (postgres://postgres:xxxxx@" + pg.Host + "/hoist_no_such_db?sslmode=disable)",
				"hoist: cannot connect to postgres://postgres:xxxxx@", "`user=postgres database=hoist_no_such_db`",
				`database "hoist_no_such_db" does not exist`, "(migrate --create-database creates it)"}},
		{name: "escaped", url: "mysql://root:p%40ss%2Fw%3Ard@" + my + "/mysql", secret: "p@ss",
			want: []string{"target: mysql database mysql on " + my + " (mysql://root:xxxxx@" + my + "/mysql)",
				"hoist: cannot connect to mysql://root:xxxxx@" + my + "/mysql: Error 1045 (28000): Access denied for user 'root'@"}},
		{name: "parameter", url: "postgres://app@127.0.0.1:1/shop?password=e&sslmode=disable", secret: "password=e",
			want: []string{"(postgres://app@127.0.0.1:1/shop?password=xxxxx&sslmode=disable)", "connection refused"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s := newSession(t, "DATABASE_URL="+tc.url)
			r := s.run("migrate:status")
			if r.code != 1 {
				t.Errorf("exit status %d, want 1\n%s", r.code, r)
			}
			rest := r.stderr
			for _, w := range tc.want {
				i := strings.Index(rest, w)
				if i < 0 {
					t.Errorf("the error output lacks %q (in order)\n%s", w, r)
					break
				}
				rest = rest[i+len(w):]
			}
			if tc.secret != "" && strings.Contains(r.stderr, tc.secret) {
				t.Errorf("the password was printed\n%s", r)
			}
			if strings.Count(r.stderr, "xxxxx") != 2 {
				t.Errorf("want the password masked twice (target and error), no more\n%s", r)
			}
		})
	}
}

// pgURL is a PostgreSQL URL of the test server.
func pgURL(t *testing.T) string { return testkit.Postgres(t).DSN }

// mysqlHost is the test server's MySQL host:port.
func mysqlHost(t *testing.T) string {
	u, err := url.Parse(mysqlURL(t, testkit.MySQL(t).DSN))
	if err != nil {
		t.Fatal(err)
	}
	return u.Host
}
