package cli

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/hoistdb/hoist/sdk"
	"github.com/hoistdb/hoist/sdk/schema"
)

// Factory builds the Migrator that a command works on, from the
// configuration the command resolved. It is called at most once per
// command run, and only by commands that touch the database. Databases
// it opens with [Config.Open] are closed when the command ends.
// [FromFiles] is the hoist command's factory; an application that
// mounts the commands passes its own, with its compiled-in sources:
//
//	func(ctx context.Context, cfg *cli.Config) (*sdk.Migrator, error) {
//		db, src, err := cfg.Open(ctx)
//		if err != nil {
//			return nil, err
//		}
//		opts := append(cfg.Options(), sdk.WithFS(migrations.FS), sdk.WithMigrations(migrations.Backfill))
//		return sdk.New(db, src.Dialect, opts...)
//	}
type Factory func(ctx context.Context, cfg *Config) (*sdk.Migrator, error)

// Option configures a command tree.
type Option func(*tree) error

// WithName names the root command in help and error messages: the
// application's binary ("myapp") when the tree is its root command, or
// a word such as "db" when it is mounted below the application's own
// root. The default is "hoist".
func WithName(name string) Option {
	return func(t *tree) error {
		if name == "" || strings.ContainsAny(name, " \t\n") {
			return fmt.Errorf("cli: WithName(%q): want one word", name)
		}
		t.name = name
		return nil
	}
}

// WithVersion adds a --version flag that prints v. Without it there is
// no --version flag.
func WithVersion(v string) Option {
	return func(t *tree) error {
		if v == "" {
			return errors.New("cli: WithVersion: empty version")
		}
		t.version = v
		return nil
	}
}

// WithTarget names the database of a tree mounted over the
// application's own Migrator ([Command]), which does not know its URL:
// commands that touch the database print it first (engine, host,
// database, password masked), and the destructive ones judge from its
// host whether it looks like production (docs/command.md). url is the
// URL the application connects to, in the form [ParseURL] reads.
func WithTarget(url string) Option {
	return func(t *tree) error {
		d, err := ParseURL(url)
		if err != nil {
			return fmt.Errorf("cli: WithTarget: %w", err)
		}
		t.target = d
		return nil
	}
}

// WithModels gives migrate:generate the application's models as values,
// read with [schema.FromModels] (the same mapping as from source:
// docs/schema.md), instead of parsing the models directory: a tree
// mounted over the application's Migrator ([Command]) then generates
// migrations from the structs compiled into it, as
// `myapp migrate:generate --name add_phone`. Pass each model as a value
// or a pointer (User{}, &Post{}). Without it, migrate:generate parses
// --models as the hoist command does.
func WithModels(models ...any) Option {
	return func(t *tree) error {
		if len(models) == 0 {
			return errors.New("cli: WithModels: no models")
		}
		ms, err := schema.FromModels(models...)
		if err != nil {
			return fmt.Errorf("cli: WithModels: %w", err)
		}
		t.models = ms
		return nil
	}
}

// tree builds and runs one command tree.
type tree struct {
	name    string
	version string
	factory Factory
	fixed   *sdk.Migrator  // Command: the application's own Migrator
	target  *DataSource    // WithTarget: the fixed Migrator's database
	models  *schema.Models // WithModels: compiled-in models
	fleet   FleetFactory   // WithFleet: migrate --tenants and migrate:status --tenants

	// The outside world, replaced by tests.
	env      envFunc
	getwd    func() (string, error)
	terminal func(any) bool
	now      func() time.Time
}

// New returns the command tree over a [Factory]; the hoist command is
// New(FromFiles). Run it with [Execute]. Every setting has a global flag
// (--database-url, --migrations, --table, ...; see [Config]). A tree
// parses its flags once: build a new one for each run.
func New(f Factory, opts ...Option) (*cobra.Command, error) {
	if f == nil {
		return nil, errors.New("cli: New: nil Factory")
	}
	return build(&tree{factory: f}, opts)
}

// Command returns the command tree over an application's own Migrator,
// with the Go migrations and seeders compiled into the application:
// mounted as the application's root, `myapp migrate:status` works. The
// database settings (--database-url, --table and so on) are absent, since
// m has them already; migrate --create-database is absent too. Run it
// with [Execute]:
//
//	root, err := cli.Command(m, cli.WithName("myapp"))
//	if err != nil {
//		return err
//	}
//	os.Exit(cli.Execute(ctx, root))
func Command(m *sdk.Migrator, opts ...Option) (*cobra.Command, error) {
	if m == nil {
		return nil, errors.New("cli: Command: nil Migrator")
	}
	return build(&tree{fixed: m}, opts)
}

func build(t *tree, opts []Option) (*cobra.Command, error) {
	t.name = "hoist"
	t.env = os.LookupEnv
	t.getwd = os.Getwd
	t.terminal = isTerminal
	t.now = time.Now
	for _, o := range opts {
		if err := o(t); err != nil {
			return nil, err
		}
	}
	return t.root(), nil
}

// Command groups in the root's help.
const (
	groupProject = "project"
	groupMigrate = "migrate"
	groupData    = "data"
)

func (t *tree) root() *cobra.Command {
	settingsFrom := "Settings come from flags, then environment variables (DATABASE_URL, HOIST_*), then\n" +
		ConfigFile + " in the working directory or the nearest directory above it."
	if t.fixed != nil {
		settingsFrom = "The make: commands' directories come from flags, then HOIST_* variables, then\n" +
			ConfigFile + " in the working directory or the nearest directory above it."
	}
	root := &cobra.Command{
		Use:   t.name,
		Short: "Migrate and seed the database",
		Long: t.name + " applies, rolls back and inspects database migrations, runs seeders, and writes\n" +
			"new migration, seeder, model and factory files.\n\n" + settingsFrom,
		Version:       t.version,
		SilenceErrors: true,
		SilenceUsage:  true,
	}
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return usageError{err: err, help: true} })
	root.AddGroup(
		&cobra.Group{ID: groupProject, Title: "Project files:"},
		&cobra.Group{ID: groupMigrate, Title: "Migrations:"},
		&cobra.Group{ID: groupData, Title: "Data:"},
	)
	t.globalFlags(root.PersistentFlags())
	root.AddCommand(
		t.initCmd(), t.makeMigrationCmd(), t.makeSeederCmd(), t.makeModelCmd(), t.makeFactoryCmd(),
		t.migrateCmd(), t.rollbackCmd(), t.redoCmd(), t.statusCmd(), t.historyCmd(), t.repairCmd(), t.validateCmd(),
		t.seedCmd(), t.resetCmd(), t.refreshCmd(),
		t.generateCmd(), t.driftCmd(), t.syncCmd(),
	)
	if t.fixed == nil { // they need the database itself, which a Migrator does not give
		root.AddCommand(t.freshCmd(), t.wipeCmd())
	}
	return root
}

func (t *tree) globalFlags(f *pflag.FlagSet) {
	f.String("config", "", "configuration file (default: the nearest "+ConfigFile+"; env HOIST_CONFIG)")
	if t.fixed == nil {
		f.String("database-url", "", "database URL: postgres://, mysql:// or sqlite: (env HOIST_DATABASE_URL, DATABASE_URL)")
	}
	f.String("migrations", "migrations", "migrations directory (env HOIST_MIGRATIONS)")
	f.String("seeds", "seeds", "seeds directory (env HOIST_SEEDS)")
	f.String("models", "models", "directory make:model writes to (env HOIST_MODELS)")
	f.String("factories", "factories", "directory make:factory writes to (env HOIST_FACTORIES)")
	if t.fixed == nil {
		f.String("table", sdk.DefaultTable, "history table (env HOIST_TABLE)")
		f.Duration("lock-timeout", sdk.DefaultLockTimeout, "how long to wait for the migration lock (env HOIST_LOCK_TIMEOUT)")
		f.Duration("ddl-lock-wait", sdk.DefaultDDLLockTimeout, "how long a migration's statement may wait for a table lock; 0: no bound (env HOIST_DDL_LOCK_WAIT)")
		f.Int("ddl-retries", sdk.DefaultDDLRetries, "how often to retry a migration that timed out waiting for a table lock (env HOIST_DDL_RETRIES)")
		f.Bool("allow-out-of-order", false, "apply pending migrations older than the newest applied one (env HOIST_ALLOW_OUT_OF_ORDER)")
		f.String("checksum-policy", "strict", "edited applied migrations: strict, warn or ignore (env HOIST_CHECKSUM_POLICY)")
	}
}

// command is one run of one command.
type command struct {
	tree     *tree
	ctx      context.Context
	cobra    *cobra.Command
	cfg      *Config
	out      *printer
	progress *progress
	secrets  []string
	dbs      []*sql.DB
	m        *sdk.Migrator
	shown    bool // the target line is printed

	// readOnly is set by commands that only read, which show broken
	// migration files and go on; the others refuse to run with one.
	readOnly bool
	broken   []brokenFile
	// scratching is set while validate --scratch works on its throwaway
	// database, which it means to create.
	scratching bool
	// fleetSeed and fleetCreate are migrate --tenants's --seed and
	// --create-database (fleet_seed.go).
	fleetSeed, fleetCreate bool
	// fleetSeedOnly: seed --tenants, which seeds the fleet without
	// migrating it (fleet_seedonly.go).
	fleetSeedOnly bool
}

// showTarget prints the database the command works on, once, on the
// error output so that --json output stays clean.
func (c *command) showTarget(d *DataSource) {
	if c.shown {
		return
	}
	c.shown = true
	line := d.target()
	c.progress.mu.Lock()
	if c.progress.fleet && c.cfg != nil {
		line = d.fleetTarget(c.cfg.Tenants, c.cfg.TenantKind)
	}
	c.progress.mu.Unlock()
	fmt.Fprintln(c.out.errw, c.out.paint(dim, line))
}

// action wraps a command's body: it resolves the configuration first and
// closes what the run opened last. Errors leave it without secrets.
func (t *tree) action(body func(c *command, args []string) error) func(*cobra.Command, []string) error {
	return func(cc *cobra.Command, args []string) error {
		c, err := t.start(cc)
		if err != nil {
			return err
		}
		defer c.close()
		return scrub(c.translate(body(c, args)), c.secrets)
	}
}

func (t *tree) start(cc *cobra.Command) (*command, error) {
	cwd, err := t.getwd()
	if err != nil {
		return nil, err
	}
	ctx := cc.Context()
	if ctx == nil {
		ctx = context.Background()
	}
	out := newPrinter(cc.OutOrStdout(), cc.ErrOrStderr(), t.terminal(cc.OutOrStdout()), t.env)
	c := &command{tree: t, ctx: ctx, cobra: cc, out: out, progress: newProgress(out)}
	cfg, err := loadConfig(cc.Flags(), t.env, cwd)
	if err != nil {
		var u usageError
		if !errors.As(err, &u) {
			err = usageError{err: err}
		}
		return nil, err
	}
	cfg.cmd = c
	c.cfg = cfg
	_, c.secrets = redactURL(cfg.DatabaseURL)
	for _, u := range cfg.Servers {
		_, secrets := redactURL(u)
		c.secrets = append(c.secrets, secrets...)
	}
	if f := cc.Flags().Lookup("json"); f != nil && f.Value.String() == "true" {
		c.progress.quiet = true
	}
	return c, nil
}

func (c *command) close() {
	c.progress.stop()
	for _, db := range c.dbs {
		db.Close()
	}
}

// migrator returns the application's Migrator or builds one.
func (c *command) migrator() (*sdk.Migrator, error) {
	if c.m != nil {
		return c.m, nil
	}
	if c.tree.fixed != nil {
		if c.tree.target != nil {
			c.showTarget(c.tree.target)
		}
		c.m = c.tree.fixed
		return c.m, nil
	}
	m, err := c.tree.factory(c.ctx, c.cfg)
	if err != nil {
		return nil, err
	}
	c.m = m
	return m, nil
}

// Argument checks that fail with a usage error.

func noArgs(cmd *cobra.Command, args []string) error {
	if len(args) > 0 {
		return argError("%s takes no arguments; got %q", cmd.CommandPath(), args[0])
	}
	return nil
}

func maxArgs(n int) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		if len(args) > n {
			return argError("%s takes at most %d argument(s); got %d", cmd.CommandPath(), n, len(args))
		}
		return nil
	}
}

func minArgs(n int, what string) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		if len(args) < n {
			return argError("%s needs %s", cmd.CommandPath(), what)
		}
		return nil
	}
}

// jsonFlag adds --json to cmd.
func jsonFlag(cmd *cobra.Command) *bool {
	return cmd.Flags().Bool("json", false, "print JSON instead of text (fields in docs/command.md)")
}
