package cli

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/spf13/pflag"

	"github.com/hoistdb/hoist/sdk"
)

// testFlags returns the global flags of the hoist command, parsed from args.
func testFlags(t *testing.T, args ...string) *pflag.FlagSet {
	t.Helper()
	fs := pflag.NewFlagSet("hoist", pflag.ContinueOnError)
	(&tree{}).globalFlags(fs)
	if err := fs.Parse(args); err != nil {
		t.Fatal(err)
	}
	return fs
}

func mapEnv(kv ...string) envFunc {
	m := map[string]string{}
	for i := 0; i+1 < len(kv); i += 2 {
		m[kv[i]] = kv[i+1]
	}
	return func(k string) (string, bool) { v, ok := m[k]; return v, ok }
}

func writeFile(t *testing.T, path, text string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestConfigPrecedence(t *testing.T) {
	t.Parallel()
	root := t.TempDir()
	writeFile(t, filepath.Join(root, ConfigFile), `
database_url: ${DB_URL:-sqlite:data/app.db}
migrations: db/migrations
table: yaml_table
lock_timeout: 1m
checksum_policy: warn
`)
	cwd := filepath.Join(root, "cmd", "app")
	if err := os.MkdirAll(cwd, 0o755); err != nil {
		t.Fatal(err)
	}

	t.Run("file_found_above", func(t *testing.T) {
		t.Parallel()
		c, err := loadConfig(testFlags(t), mapEnv(), cwd)
		if err != nil {
			t.Fatal(err)
		}
		want := Config{File: filepath.Join(root, ConfigFile), DatabaseURL: "sqlite:" + filepath.ToSlash(filepath.Join(root, "data/app.db")),
			Migrations: filepath.Join(root, "db/migrations"), Seeds: filepath.Join(root, "seeds"), Models: filepath.Join(root, "models"),
			Factories: filepath.Join(root, "factories"), Table: "yaml_table", LockTimeout: time.Minute, ChecksumPolicy: sdk.ChecksumWarn}
		want.DDLLockTimeout, want.DDLRetries = sdk.DefaultDDLLockTimeout, sdk.DefaultDDLRetries
		want.FleetConcurrency = sdk.DefaultFleetConcurrency
		c.from = nil // where each value came from shows in messages, tested with them
		if !reflect.DeepEqual(*c, want) {
			t.Errorf("got  %+v\nwant %+v", *c, want)
		}
	})
	t.Run("env_over_file", func(t *testing.T) {
		t.Parallel()
		c, err := loadConfig(testFlags(t), mapEnv("DATABASE_URL", "postgres://env/db", "HOIST_TABLE", "env_table",
			"HOIST_MIGRATIONS", "m", "HOIST_ALLOW_OUT_OF_ORDER", "true"), cwd)
		if err != nil {
			t.Fatal(err)
		}
		if c.DatabaseURL != "postgres://env/db" || c.Table != "env_table" || c.Migrations != "m" || !c.AllowOutOfOrder || c.LockTimeout != time.Minute {
			t.Errorf("got %+v", *c)
		}
	})
	t.Run("hoist_variable_over_database_url", func(t *testing.T) {
		t.Parallel()
		c, err := loadConfig(testFlags(t), mapEnv("DATABASE_URL", "postgres://plain/db", "HOIST_DATABASE_URL", "mysql://hoist/db"), cwd)
		if err != nil || c.DatabaseURL != "mysql://hoist/db" {
			t.Errorf("got %q, %v", c.DatabaseURL, err)
		}
	})
	t.Run("expansion", func(t *testing.T) {
		t.Parallel()
		c, err := loadConfig(testFlags(t), mapEnv("DB_URL", "postgres://expanded/db"), cwd)
		if err != nil || c.DatabaseURL != "postgres://expanded/db" {
			t.Errorf("got %q, %v", c.DatabaseURL, err)
		}
	})
	t.Run("flags_over_env", func(t *testing.T) {
		t.Parallel()
		c, err := loadConfig(testFlags(t, "--database-url", "sqlite:flag.db", "--table", "flag_table", "--lock-timeout", "3s",
			"--checksum-policy", "ignore", "--migrations", "fm"),
			mapEnv("DATABASE_URL", "postgres://env/db", "HOIST_TABLE", "env_table", "HOIST_LOCK_TIMEOUT", "9s"), cwd)
		if err != nil {
			t.Fatal(err)
		}
		if c.DatabaseURL != "sqlite:flag.db" || c.Table != "flag_table" || c.LockTimeout != 3*time.Second ||
			c.ChecksumPolicy != sdk.ChecksumIgnore || c.Migrations != "fm" {
			t.Errorf("got %+v", *c)
		}
	})
	t.Run("named_file", func(t *testing.T) {
		t.Parallel()
		other := filepath.Join(t.TempDir(), "other.yaml")
		writeFile(t, other, "table: other_table\n")
		for _, c := range []struct {
			flags []string
			env   envFunc
		}{{[]string{"--config", other}, mapEnv()}, {nil, mapEnv("HOIST_CONFIG", other)}} {
			got, err := loadConfig(testFlags(t, c.flags...), c.env, cwd)
			if err != nil || got.File != other || got.Table != "other_table" || got.Migrations != filepath.Join(filepath.Dir(other), "migrations") {
				t.Errorf("got %+v, %v", got, err)
			}
		}
	})
	t.Run("no_file", func(t *testing.T) {
		t.Parallel()
		dir := t.TempDir()
		c, err := loadConfig(testFlags(t), mapEnv(), dir)
		if err != nil {
			t.Fatal(err)
		}
		if c.File != "" || c.Migrations != "migrations" || c.Table != sdk.DefaultTable || c.LockTimeout != sdk.DefaultLockTimeout ||
			c.ChecksumPolicy != sdk.ChecksumStrict || c.DatabaseURL != "" {
			t.Errorf("defaults: %+v", *c)
		}
	})
}

func TestConfigErrors(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ name, yaml, want string }{
		{"syntax", "table: [a\n", "is not valid YAML"},
		{"not_a_mapping", "- a\n- b\n", "want key: value lines"},
		{"unknown_key", "table: a\ntabel: b\n", `:2: unknown key "tabel"`},
		{"twice", "table: a\ntable: b\n", "table is given twice"},
		{"list_value", "migrations: [a, b]\n", "takes a single value"},
		{"unclosed_reference", "table: ${X\n", "without a closing }"},
		{"bad_variable", "table: ${A-B}\n", "does not name a variable"},
		{"bad_policy", "checksum_policy: lax\n", `"lax" is not strict, warn or ignore`},
		{"bad_timeout", "lock_timeout: -1s\n", "not a positive duration"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			writeFile(t, filepath.Join(dir, ConfigFile), tc.yaml)
			_, err := loadConfig(testFlags(t), mapEnv(), dir)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("got %v, want an error with %q", err, tc.want)
			}
		})
	}
}

func TestExpand(t *testing.T) {
	t.Parallel()
	env := mapEnv("USER", "app", "EMPTY", "", "PW", "p$w}")
	for in, want := range map[string]string{
		"plain":                    "plain",
		"${USER}":                  "app",
		"a${USER}b${USER}":         "aappbapp",
		"${UNSET}":                 "",
		"${UNSET:-sqlite:x.db}":    "sqlite:x.db",
		"${EMPTY:-default}":        "default",
		"${USER:-default}":         "app",
		"$${USER}":                 "${USER}",
		"cost: $5, ${PW}":          "cost: $5, p$w}",
		"postgres://u:${PW}@h/db":  "postgres://u:p$w}@h/db",
		"${UNSET:-a:-b}":           "a:-b",
		"$USER is left as it is":   "$USER is left as it is",
		"${USER}${USER:-x}$${PW}x": "appapp${PW}x",
	} {
		got, err := expand(in, env)
		if err != nil || got != want {
			t.Errorf("expand(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
}

func TestRebase(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"sqlite:app.db":          "sqlite:/srv/app.db",
		"sqlite://data/app.db":   "sqlite:///srv/data/app.db",
		"sqlite:/abs/app.db":     "sqlite:/abs/app.db",
		"sqlite:///abs/app.db":   "sqlite:///abs/app.db",
		"sqlite::memory:":        "sqlite::memory:",
		"postgres://h/db":        "postgres://h/db",
		"sqlite:app.db?_pragma=": "sqlite:/srv/app.db?_pragma=",
	} {
		if got := rebase(in, "/srv"); got != want {
			t.Errorf("rebase(%q) = %q, want %q", in, got, want)
		}
	}
}
