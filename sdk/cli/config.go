package cli

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/pflag"
	"go.yaml.in/yaml/v3"

	"github.com/hoistdb/hoist/sdk"
)

// ConfigFile is the name of the configuration file that commands look
// for in the working directory and each directory above it.
const ConfigFile = "hoist.yaml"

// Config is the configuration one command runs with. Each setting comes
// from its flag, else its environment variable, else hoist.yaml, else its
// default; docs/command.md lists them all.
type Config struct {
	// File is the configuration file read, "" when there was none.
	File string
	// DatabaseURL is the database to work on (see [ParseURL]): flag
	// --database-url, then HOIST_DATABASE_URL, then DATABASE_URL, then
	// database_url. No default.
	DatabaseURL string
	// Migrations, Seeds, Models and Factories are directories: where the
	// SQL migrations and seeds are read from and the make: commands
	// write. Relative paths in hoist.yaml are relative to the file.
	// Defaults: migrations, seeds, models, factories.
	Migrations, Seeds, Models, Factories string
	// Table is the history table; default [sdk.DefaultTable].
	Table string
	// LockTimeout is how long to wait for the migration lock; default
	// [sdk.DefaultLockTimeout].
	LockTimeout time.Duration
	// DDLLockTimeout bounds how long a migration's statement waits for a
	// table lock, and DDLRetries how often a migration that timed out is
	// tried again; defaults [sdk.DefaultDDLLockTimeout] and
	// [sdk.DefaultDDLRetries] (config_ddl.go).
	DDLLockTimeout time.Duration
	DDLRetries     int
	// AllowOutOfOrder applies pending migrations older than the newest
	// applied one; default false.
	AllowOutOfOrder bool
	// ChecksumPolicy says what to do about edited applied migrations;
	// default [sdk.ChecksumStrict].
	ChecksumPolicy sdk.ChecksumPolicy
	// Tenants, FleetConcurrency, FailurePolicy and TenantKind are the
	// fleet settings of migrate and migrate:status (config_fleet.go): the
	// section fleet: {tenants, concurrency, on_failure, kind, servers} in
	// hoist.yaml. TenantKind is "schemas" or "databases", or "" for the
	// engine's: schemas on PostgreSQL, databases on MySQL, files (the
	// SQLite databases) on SQLite.
	Tenants          string
	FleetConcurrency int
	FailurePolicy    sdk.FailurePolicy
	TenantKind       string
	// Servers are the database URLs of a fleet over several servers
	// (fleet.servers, --server, HOIST_FLEET_SERVERS): each lists its own
	// tenants, as DatabaseURL does for a fleet of one server, which it
	// replaces. Empty: the fleet is DatabaseURL's.
	Servers []string

	cmd  *command          // nil outside a command run
	from map[string]string // where each setting's value came from, by key
}

// setting is one configuration key with its flag and variables.
type setting struct {
	key  string   // in hoist.yaml
	flag string   // global flag
	env  []string // variables, first wins
	def  string
	path bool // a directory, relative to where it was given
	list bool // several values: a repeated flag, a YAML list, words of the variable
	set  func(c *Config, v string) error
}

var settings = []setting{
	{key: "database_url", flag: "database-url", env: []string{"HOIST_DATABASE_URL", "DATABASE_URL"},
		set: func(c *Config, v string) error { c.DatabaseURL = v; return nil }},
	{key: "migrations", flag: "migrations", env: []string{"HOIST_MIGRATIONS"}, def: "migrations", path: true,
		set: func(c *Config, v string) error { c.Migrations = v; return nil }},
	{key: "seeds", flag: "seeds", env: []string{"HOIST_SEEDS"}, def: "seeds", path: true,
		set: func(c *Config, v string) error { c.Seeds = v; return nil }},
	{key: "models", flag: "models", env: []string{"HOIST_MODELS"}, def: "models", path: true,
		set: func(c *Config, v string) error { c.Models = v; return nil }},
	{key: "factories", flag: "factories", env: []string{"HOIST_FACTORIES"}, def: "factories", path: true,
		set: func(c *Config, v string) error { c.Factories = v; return nil }},
	{key: "table", flag: "table", env: []string{"HOIST_TABLE"}, def: sdk.DefaultTable,
		set: func(c *Config, v string) error { c.Table = v; return nil }},
	{key: "lock_timeout", flag: "lock-timeout", env: []string{"HOIST_LOCK_TIMEOUT"}, def: sdk.DefaultLockTimeout.String(),
		set: func(c *Config, v string) error {
			d, err := time.ParseDuration(v)
			if err != nil || d <= 0 {
				return fmt.Errorf("%q is not a positive duration such as 30s or 5m", v)
			}
			c.LockTimeout = d
			return nil
		}},
	{key: "allow_out_of_order", flag: "allow-out-of-order", env: []string{"HOIST_ALLOW_OUT_OF_ORDER"}, def: "false",
		set: func(c *Config, v string) error {
			b, err := strconv.ParseBool(v)
			if err != nil {
				return fmt.Errorf("%q is not true or false", v)
			}
			c.AllowOutOfOrder = b
			return nil
		}},
	{key: "checksum_policy", flag: "checksum-policy", env: []string{"HOIST_CHECKSUM_POLICY"}, def: "strict",
		set: func(c *Config, v string) error {
			for _, p := range []sdk.ChecksumPolicy{sdk.ChecksumStrict, sdk.ChecksumWarn, sdk.ChecksumIgnore} {
				if strings.EqualFold(v, p.String()) {
					c.ChecksumPolicy = p
					return nil
				}
			}
			return fmt.Errorf("%q is not strict, warn or ignore", v)
		}},
	ddlLockTimeoutSetting,
	ddlRetriesSetting,
	tenantsSetting,
	fleetConcurrencySetting,
	failurePolicySetting,
	tenantKindSetting,
	serversSetting,
}

// envFunc looks up an environment variable, as os.LookupEnv does.
type envFunc func(string) (string, bool)

// loadConfig resolves the configuration. flags is the command's merged
// flag set; cwd the working directory. Every error is a usage error.
func loadConfig(flags *pflag.FlagSet, env envFunc, cwd string) (*Config, error) {
	file, err := findConfig(flags, env, cwd)
	if err != nil {
		return nil, err
	}
	var values map[string]string
	if file != "" {
		if values, err = readConfig(file, env); err != nil {
			return nil, err
		}
	}
	c := &Config{File: file, from: map[string]string{}}
	for _, s := range settings {
		v, base, where := s.def, cwd, "default"
		if file != "" {
			base = filepath.Dir(file)
		}
		if f := flags.Lookup(s.flag); f != nil && f.Changed {
			v, base, where = f.Value.String(), cwd, "--"+s.flag
			if list, ok := f.Value.(pflag.SliceValue); ok {
				v = strings.Join(list.GetSlice(), "\n")
			}
		} else if name, val, ok := firstEnv(env, s.env); ok {
			v, base, where = val, cwd, name
		} else if val := values[s.key]; val != "" {
			v, where = val, file+": "+s.key
			switch {
			case s.key == "database_url":
				v = rebase(v, base)
			case s.list:
				urls := strings.Fields(v)
				for i, u := range urls {
					urls[i] = rebase(u, base)
				}
				v = strings.Join(urls, "\n")
			}
		}
		if s.path && v != "" && !filepath.IsAbs(v) && base != cwd {
			v = filepath.Join(base, v)
		}
		if s.path {
			v = filepath.Clean(v)
		}
		if err := s.set(c, v); err != nil {
			return nil, fmt.Errorf("%s: %w", where, err)
		}
		c.from[s.key] = where
	}
	return c, nil
}

func firstEnv(env envFunc, names []string) (name, value string, ok bool) {
	for _, n := range names {
		if v, ok := env(n); ok && v != "" {
			return n, v, true
		}
	}
	return "", "", false
}

// findConfig returns the file named by --config or HOIST_CONFIG, else
// the nearest hoist.yaml at or above cwd, else "".
func findConfig(flags *pflag.FlagSet, env envFunc, cwd string) (string, error) {
	named, where := "", ""
	if f := flags.Lookup("config"); f != nil && f.Changed {
		named, where = f.Value.String(), "--config"
	} else if v, ok := env("HOIST_CONFIG"); ok && v != "" {
		named, where = v, "HOIST_CONFIG"
	}
	if named != "" {
		if !filepath.IsAbs(named) {
			named = filepath.Join(cwd, named)
		}
		if _, err := os.Stat(named); err != nil {
			return "", fmt.Errorf("%s: no configuration file %s", where, named)
		}
		return named, nil
	}
	for dir := cwd; ; {
		p := filepath.Join(dir, ConfigFile)
		if st, err := os.Stat(p); err == nil && !st.IsDir() {
			return p, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", nil
		}
		dir = parent
	}
}

// readConfig reads a hoist.yaml: a mapping of known keys to single
// values, in which ${VAR} and ${VAR:-default} are replaced from env.
func readConfig(file string, env envFunc) (map[string]string, error) {
	data, err := os.ReadFile(file)
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", file, err)
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, fmt.Errorf("%s is not valid YAML: %s", file, strings.TrimPrefix(err.Error(), "yaml: "))
	}
	values := map[string]string{}
	if len(doc.Content) == 0 {
		return values, nil
	}
	root := doc.Content[0]
	if root.Kind != yaml.MappingNode {
		return nil, fmt.Errorf("%s:%d: want key: value lines (%s)", file, root.Line, knownKeys())
	}
	for i := 0; i+1 < len(root.Content); i += 2 {
		k, v := root.Content[i], root.Content[i+1]
		if section, key, dotted := strings.Cut(k.Value, "."); dotted && isKey(k.Value) {
			return nil, fmt.Errorf("%s:%d: unknown key %q; write it as %s in the %s: section", file, k.Line, k.Value, key, section)
		}
		if !isSection(k.Value) {
			if err := readValue(file, k, v, k.Value, values, env); err != nil {
				return nil, err
			}
			continue
		}
		// A section (fleet:) holds settings of its own, named
		// "<section>.<key>".
		if _, dup := values[k.Value]; dup {
			return nil, fmt.Errorf("%s:%d: %s is given twice", file, k.Line, k.Value)
		}
		values[k.Value] = ""
		if v.Tag == "!!null" {
			continue
		}
		if v.Kind != yaml.MappingNode {
			return nil, fmt.Errorf("%s:%d: %s takes a mapping of %s, not a single value or a list", file, v.Line, k.Value, sectionKeys(k.Value))
		}
		for j := 0; j+1 < len(v.Content); j += 2 {
			if err := readValue(file, v.Content[j], v.Content[j+1], k.Value+"."+v.Content[j].Value, values, env); err != nil {
				return nil, err
			}
		}
	}
	return values, nil
}

// readValue reads the value v of the setting key (k is its key node)
// into values.
func readValue(file string, k, v *yaml.Node, key string, values map[string]string, env envFunc) error {
	if !isKey(key) {
		return fmt.Errorf("%s:%d: unknown key %q; known keys: %s", file, k.Line, key, knownKeys())
	}
	if _, dup := values[key]; dup {
		return fmt.Errorf("%s:%d: %s is given twice", file, k.Line, key)
	}
	if v.Kind == yaml.SequenceNode && isList(key) {
		var vals []string
		for _, item := range v.Content {
			if item.Kind != yaml.ScalarNode {
				return fmt.Errorf("%s:%d: %s takes a list of single values", file, item.Line, key)
			}
			val, err := expand(item.Value, env)
			if err != nil {
				return fmt.Errorf("%s:%d: %s: %w", file, item.Line, key, err)
			}
			vals = append(vals, val)
		}
		values[key] = strings.Join(vals, "\n")
		return nil
	}
	if v.Kind != yaml.ScalarNode {
		return fmt.Errorf("%s:%d: %s takes a single value, not a list or a mapping", file, v.Line, key)
	}
	val := v.Value
	if v.Tag == "!!null" {
		val = ""
	}
	val, err := expand(val, env)
	if err != nil {
		return fmt.Errorf("%s:%d: %s: %w", file, v.Line, key, err)
	}
	values[key] = val
	return nil
}

// isList reports whether the setting k takes a list.
func isList(k string) bool {
	for _, s := range settings {
		if s.key == k {
			return s.list
		}
	}
	return false
}

func isKey(k string) bool {
	for _, s := range settings {
		if s.key == k {
			return true
		}
	}
	return false
}

// isSection reports whether k is a section of hoist.yaml: the first part
// of dotted keys such as fleet.tenants.
func isSection(k string) bool {
	for _, s := range settings {
		if strings.HasPrefix(s.key, k+".") {
			return true
		}
	}
	return false
}

// sectionKeys lists the keys of a section, without its name.
func sectionKeys(section string) string {
	var keys []string
	for _, s := range settings {
		if k, ok := strings.CutPrefix(s.key, section+"."); ok {
			keys = append(keys, k)
		}
	}
	return strings.Join(keys, ", ")
}

// knownKeys lists the keys of hoist.yaml, a section as
// "fleet (tenants, concurrency, on_failure)".
func knownKeys() string {
	var keys []string
	seen := map[string]bool{}
	for _, s := range settings {
		section, _, dotted := strings.Cut(s.key, ".")
		switch {
		case !dotted:
			keys = append(keys, s.key)
		case !seen[section]:
			seen[section] = true
			keys = append(keys, section+" ("+sectionKeys(section)+")")
		}
	}
	return strings.Join(keys, ", ")
}

// expand replaces ${VAR} with the variable's value ("" when unset) and
// ${VAR:-default} with the value or, when unset or empty, the default.
// $${ is a literal ${; any other $ is kept as it is.
func expand(s string, env envFunc) (string, error) {
	var b strings.Builder
	for {
		i := strings.Index(s, "${")
		if i < 0 {
			b.WriteString(s)
			return b.String(), nil
		}
		if i > 0 && s[i-1] == '$' {
			b.WriteString(s[:i] + "{")
			s = s[i+2:]
			continue
		}
		b.WriteString(s[:i])
		end := strings.IndexByte(s[i:], '}')
		if end < 0 {
			return "", errors.New("${ without a closing }")
		}
		ref := s[i+2 : i+end]
		name, def, hasDef := strings.Cut(ref, ":-")
		if !isVarName(name) {
			return "", fmt.Errorf("${%s} does not name a variable (letters, digits and _)", ref)
		}
		v, _ := env(name)
		if v == "" && hasDef {
			v = def
		}
		b.WriteString(v)
		s = s[i+end+1:]
	}
}

func isVarName(s string) bool {
	for i, c := range s {
		if !(c == '_' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || i > 0 && '0' <= c && c <= '9') {
			return false
		}
	}
	return s != ""
}

// Options returns the engine options the configuration asks for: the
// history table, lock timeout, out-of-order and checksum policy, and a
// logger that turns the engine's log into the command's progress lines.
// A [Factory] passes them to [sdk.New] together with its sources.
func (c *Config) Options() []sdk.Option {
	opts := []sdk.Option{
		sdk.WithTable(c.Table),
		sdk.WithLockTimeout(c.LockTimeout),
		sdk.WithChecksumPolicy(c.ChecksumPolicy),
		sdk.WithDDLLockTimeout(c.DDLLockTimeout),
		sdk.WithDDLRetries(c.DDLRetries),
	}
	if c.AllowOutOfOrder {
		opts = append(opts, sdk.WithAllowOutOfOrder())
	}
	if c.cmd != nil {
		opts = append(opts, sdk.WithLogger(c.cmd.progress.logger()), sdk.WithProgress(c.cmd.progress.event))
	}
	return opts
}

// dataSource parses DatabaseURL; a missing or bad URL is a usage error.
func (c *Config) dataSource() (*DataSource, error) {
	if c.DatabaseURL == "" {
		return nil, usagef("no database URL: give --database-url, set DATABASE_URL, or put database_url in %s; "+
			"nothing was done (hoist never picks a database for you)", ConfigFile)
	}
	d, err := ParseURL(c.DatabaseURL)
	if err != nil {
		return nil, usageError{err: err}
	}
	if c.cmd != nil {
		c.cmd.showTarget(d)
	}
	return d, nil
}

// Open opens and pings the database of DatabaseURL with the driver
// [ParseURL] names, which the program must link (the hoist command
// links all three). The database is closed when the command ends.
func (c *Config) Open(ctx context.Context) (*sql.DB, *DataSource, error) {
	d, err := c.dataSource()
	if err != nil {
		return nil, nil, err
	}
	if d.Engine != "sqlite" && d.Database == "" {
		return nil, nil, usagef("the database URL %s names no database: add it to the path, as in %s://host/app", d, d.Engine)
	}
	dsn := d.DSN
	if c.cmd != nil && c.cmd.readOnly && !c.cmd.scratching && d.Engine == "sqlite" {
		// Opening a SQLite file creates it: a command that only reads
		// must not leave an empty database behind. It reads an empty
		// in-memory database instead, which is what the file would be.
		if exists, err := databaseExists(ctx, d); err == nil && !exists {
			fmt.Fprintf(c.cmd.out.errw, "note: the SQLite file %s does not exist yet: nothing is migrated (nothing was created)\n", d.Database)
			dsn = "file:hoist-missing-" + fmt.Sprint(time.Now().UnixNano()) + "?mode=memory&cache=shared"
		}
	}
	db, err := openDB(ctx, d, dsn)
	if err != nil {
		return nil, nil, err
	}
	if c.cmd != nil {
		c.cmd.dbs = append(c.cmd.dbs, db)
	}
	return db, d, nil
}
