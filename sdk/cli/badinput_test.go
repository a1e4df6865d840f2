package cli_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// secret is the password of every URL in these tests; it must never be
// printed.
const secret = "s3cret-Pa55"

// TestBadInput runs the binary with wrong commands, settings and
// databases, and checks the exit status, the one-line message and that
// the password stays hidden.
func TestBadInput(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name  string
		args  []string
		env   []string
		files map[string]string
		code  int
		want  string // in the output, usually the message on stderr
	}{
		{name: "unknown_command", args: []string{"migrate:sideways"}, code: 2, want: `unknown command "migrate:sideways"`},
		{name: "unknown_flag", args: []string{"migrate", "--sideways"}, code: 2, want: "unknown flag: --sideways"},
		{name: "too_many_arguments", args: []string{"migrate", "a", "b"}, code: 2, want: "takes at most 1 argument"},
		{name: "step_and_to", args: []string{"migrate:rollback", "--step=1", "--to=3"}, code: 2, want: "--step or --to, not both"},
		{name: "no_database_url", args: []string{"migrate:status"}, code: 2, want: "no database URL"},
		{name: "unreachable_postgres", args: []string{"migrate:status"}, code: 1,
			env:  []string{"DATABASE_URL=postgres://app:" + secret + "@127.0.0.1:1/app?sslmode=disable"},
			want: "cannot connect to postgres://app:xxxxx@127.0.0.1:1/app"},
		{name: "unreachable_mysql", args: []string{"migrate"}, code: 1,
			env:  []string{"HOIST_DATABASE_URL=mysql://app:" + secret + "@127.0.0.1:1/app"},
			want: "cannot connect to mysql://app:xxxxx@127.0.0.1:1/app"},
		{name: "password_in_query", args: []string{"migrate:status", "--database-url", "postgres://app@127.0.0.1:1/app?password=" + secret}, code: 1,
			want: "password=xxxxx"},
		{name: "unknown_scheme", args: []string{"migrate:status"}, code: 2,
			env: []string{"DATABASE_URL=oracle://scott:" + secret + "@db:1521/orcl"}, want: `unknown database URL scheme "oracle:"`},
		{name: "driver_dsn", args: []string{"migrate:status"}, code: 2,
			env: []string{"DATABASE_URL=root:" + secret + "@tcp(127.0.0.1:3306)/app"}, want: "go-sql-driver DSN"},
		{name: "malformed_yaml", args: []string{"migrate:status"}, code: 2,
			files: map[string]string{"hoist.yaml": "database_url: [sqlite:app.db\n"}, want: "hoist.yaml is not valid YAML"},
		{name: "unknown_key", args: []string{"migrate:status"}, code: 2,
			files: map[string]string{"hoist.yaml": "database_url: sqlite:app.db\ndatabse: x\n"}, want: `hoist.yaml:2: unknown key "databse"`},
		{name: "bad_expansion", args: []string{"migrate:status"}, code: 2,
			files: map[string]string{"hoist.yaml": "database_url: postgres://app:${DB_PASSWORD@db/app\n"}, want: "${ without a closing }"},
		{name: "bad_duration", args: []string{"migrate:status"}, code: 2,
			files: map[string]string{"hoist.yaml": "lock_timeout: soon\n"}, want: `lock_timeout: "soon" is not a positive duration`},
		{name: "bad_env_bool", args: []string{"migrate:status"}, code: 2,
			env: []string{"HOIST_ALLOW_OUT_OF_ORDER=perhaps"}, want: `HOIST_ALLOW_OUT_OF_ORDER: "perhaps" is not true or false`},
		{name: "missing_config", args: []string{"--config", "nowhere.yaml", "migrate:status"}, code: 2, want: "--config: no configuration file"},
		{name: "broken_migration", args: []string{"validate"}, code: 1,
			env:   []string{"DATABASE_URL=sqlite:app.db"},
			files: map[string]string{"migrations/0001_a.sql": "-- +hoist up\nCREATE TABLE a (id INT);\n", "migrations/0002_b.sql": "-- +hoist down\n"},
			want:  "0002_b.sql"},
		{name: "no_migrations", args: []string{"migrate"}, code: 1,
			env: []string{"DATABASE_URL=sqlite:app.db"}, want: "no migrations in migrations: write one with `make:migration NAME`"},
		{name: "unknown_migration", args: []string{"migrate", "nope"}, code: 2,
			env:   []string{"DATABASE_URL=sqlite:app.db"},
			files: map[string]string{"migrations/0001_a.sql": "-- +hoist up\nCREATE TABLE a (id INT);\n"},
			want:  `no migration has the version or name "nope"`},
		{name: "one_migration_out_of_turn", args: []string{"migrate", "0002_b"}, code: 1,
			env: []string{"DATABASE_URL=sqlite:app.db"},
			files: map[string]string{"migrations/0001_a.sql": "-- +hoist up\nCREATE TABLE a (id INT);\n",
				"migrations/0002_b.sql": "-- +hoist up\nCREATE TABLE b (id INT);\n"},
			want: "but 1 migration is pending before it (1 a); run `migrate --to 2`"},
		{name: "make_overwrites_nothing", args: []string{"make:seeder", "admin"}, code: 1,
			files: map[string]string{"seeds/admin.sql": "SELECT 1;\n"}, want: "seeds/admin.sql exists already"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s := newSession(t, tc.env...)
			for name, text := range tc.files {
				p := filepath.Join(s.dir, name)
				if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			r := s.run(tc.args...)
			if r.code != tc.code {
				t.Errorf("exit status %d, want %d\n%s", r.code, tc.code, r)
			}
			if !strings.Contains(r.stdout+r.stderr, tc.want) {
				t.Errorf("the output lacks %q\n%s", tc.want, r)
			}
			if !strings.HasPrefix(withoutTarget(r.stderr), "hoist: ") {
				t.Errorf("the message does not start with hoist: \n%s", r)
			}
			if strings.Contains(r.stdout+r.stderr, secret) {
				t.Errorf("the password was printed\n%s", r)
			}
			if strings.Contains(r.stderr, "goroutine ") || strings.Contains(r.stderr, "panic") {
				t.Errorf("a stack trace was printed\n%s", r)
			}
		})
	}
}

// helpCommands are the commands whose help is kept in golden files.
var helpCommands = []string{"", "init", "make:migration", "make:seeder", "make:model", "make:factory",
	"migrate", "migrate:rollback", "migrate:redo", "migrate:status", "migrate:history", "migrate:repair",
	"validate", "seed", "migrate:fresh", "migrate:reset", "migrate:refresh", "db:wipe", "migrate:generate", "migrate:drift"}

// TestHelp compares each command's help with its golden file, and checks
// that the aliases and the commands that must not exist yet are right.
func TestHelp(t *testing.T) {
	t.Parallel()
	s := newSession(t)
	for _, c := range helpCommands {
		args := []string{"--help"}
		name := "root"
		if c != "" {
			args = []string{c, "--help"}
			name = strings.ReplaceAll(c, ":", "-")
		}
		r := s.run(args...)
		if r.code != 0 || r.stderr != "" {
			t.Errorf("hoist %s: %s", strings.Join(args, " "), r)
		}
		golden(t, "help/"+name, r.stdout)
	}
	for alias, cmd := range map[string]string{"up": "migrate", "migrate:run": "migrate", "down": "migrate:rollback",
		"status": "migrate:status", "history": "migrate:history", "new": "make:migration"} {
		r := s.run(alias, "--help")
		if r.code != 0 || !strings.Contains(r.stdout, "hoist "+cmd) {
			t.Errorf("alias %s does not lead to %s: %s", alias, cmd, r)
		}
	}
	for _, absent := range []string{"models:sync"} {
		if r := s.run(absent); r.code != 2 {
			t.Errorf("hoist %s should not exist yet: %s", absent, r)
		}
	}
}

// TestEditedMigration edits an applied migration: status marks it,
// validate and migrate fail, and --checksum-policy warn goes on with a
// warning.
func TestEditedMigration(t *testing.T) {
	t.Parallel()
	s := newSession(t, "DATABASE_URL=sqlite:app.db")
	file := filepath.Join(s.dir, "migrations", "0001_a.sql")
	writeFile := func(text string) {
		if err := os.MkdirAll(filepath.Dir(file), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(file, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	writeFile("-- +hoist up\nCREATE TABLE a (id INT);\n-- +hoist down\nDROP TABLE a;\n")
	s.ok("migrate")
	writeFile("-- +hoist up\nCREATE TABLE a (id BIGINT);\n-- +hoist down\nDROP TABLE a;\n")
	if r := s.ok("migrate:status"); !strings.Contains(r.stdout, "applied (changed)") || !strings.Contains(r.stdout, "1 changed") {
		t.Errorf("status does not show the edit: %s", r)
	}
	if r := s.run("validate"); r.code != 1 || !strings.Contains(r.stdout, "checksum mismatch") {
		t.Errorf("validate: %s", r)
	}
	if r := s.run("migrate"); r.code != 1 || !strings.Contains(r.stderr, "checksum mismatch") {
		t.Errorf("migrate: %s", r)
	}
	if r := s.run("seed", "nobody"); r.code != 2 {
		t.Errorf("seed with an unknown name: %s", r)
	}
	if err := os.WriteFile(filepath.Join(s.dir, "migrations", "0002_b.sql"), []byte("-- +hoist up\nCREATE TABLE b (id INT);\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	r := s.ok("migrate", "--checksum-policy", "warn")
	if !strings.Contains(r.stderr, "warning: applied migration was edited") || !strings.Contains(r.stdout, "up   2 b") {
		t.Errorf("migrate --checksum-policy warn: %s", r)
	}
}

// withoutTarget is a command's error output without the lines that come
// before a message: the target line that names the database, and notes
// and warnings.
func withoutTarget(stderr string) string {
	for _, p := range []string{"target: ", "note: ", "warning: "} {
		if strings.HasPrefix(stderr, p) {
			_, rest, _ := strings.Cut(stderr, "\n")
			return withoutTarget(rest)
		}
	}
	return stderr
}
