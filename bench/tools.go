package main

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"slices"
	"strings"

	"github.com/go-sql-driver/mysql"
	"github.com/golang-migrate/migrate/v4"
	migratedb "github.com/golang-migrate/migrate/v4/database"
	migratemysql "github.com/golang-migrate/migrate/v4/database/mysql"
	migratepgx "github.com/golang-migrate/migrate/v4/database/pgx/v5"
	migratesqlite "github.com/golang-migrate/migrate/v4/database/sqlite"
	"github.com/golang-migrate/migrate/v4/source/iofs"
	"github.com/pressly/goose/v3"
	"github.com/pressly/goose/v3/lock"

	"github.com/hoistdb/hoist/dialect"
	hoistmysql "github.com/hoistdb/hoist/dialect/mysql"
	hoistpg "github.com/hoistdb/hoist/dialect/postgres"
	hoistsqlite "github.com/hoistdb/hoist/dialect/sqlite"
	"github.com/hoistdb/hoist/sdk"
)

// target is the database a tool works on.
type target struct {
	kind kind
	dsn  string
}

// tool is one contestant, driven through its library API the way its
// documentation shows. Each method builds the tool from scratch on db
// (construction is part of what is measured) and returns a function that
// releases what the tool holds, which the caller runs after the clock
// stops.
type tool interface {
	name() string
	format() format
	// dsn adjusts the DSN the tool is opened with, where the tool's
	// documentation asks for a setting.
	dsn(t target) string
	// up applies every pending migration and returns how many it applied
	// (-1 when the tool does not say).
	up(ctx context.Context, db *sql.DB, t target, fsys fs.FS) (int, func(), error)
	// rollback undoes the newest steps migrations of the n applied.
	rollback(ctx context.Context, db *sql.DB, t target, fsys fs.FS, n, steps int) (func(), error)
	// history reads the tool's version table: how many times each
	// version is recorded as applied, and anything that says the record
	// cannot be trusted (dirty).
	history(ctx context.Context, db *sql.DB, t target, n int) (map[int64]int, string, error)
}

var allTools = []string{"hoist", "hoist-1tx", "goose", "migrate", "floor", "ddl"}

// extraTools are measured only when -tools names them.
var extraTools = []string{"hoist-durable"}

// toolTitle is how the report names a tool.
func toolTitle(name string) string {
	if name == "migrate" {
		return "golang-migrate"
	}
	return name
}

func newTool(name string, concurrent bool) (tool, error) {
	switch name {
	case "hoist":
		return hoistTool{}, nil
	case "hoist-1tx":
		return hoistTool{singleTx: true}, nil
	case "hoist-durable":
		return hoistTool{durable: true}, nil
	case "goose":
		return gooseTool{}, nil
	case "migrate":
		return migrateTool{}, nil
	case "floor":
		return floorTool{lock: concurrent}, nil
	case "ddl":
		return ddlTool{}, nil
	}
	return nil, fmt.Errorf("unknown tool %q (want one of %s)", name, strings.Join(slices.Concat(allTools, extraTools), ", "))
}

func noop() {}

// notRun says why a tool is not run in a workload on an engine, or ""
// when it is. ddl keeps no history, so it has only a fresh apply.
// hoist-1tx: WithSingleTransaction changes nothing but how Up applies
// what is pending, and needs DDL that a transaction can hold.
// hoist-durable: WithDurableCommits changes only the commits of a run.
func notRun(tool, workload string, k kind) string {
	if tool == "ddl" {
		if workload != "fresh" {
			return "it is the statements alone, without history, so it runs in the fresh apply only (no no-op start, no downs, no lock)"
		}
		return ""
	}
	if tool == "hoist-durable" {
		if workload != "fresh" {
			return "measured in the fresh apply only, where a commit per migration shows what WithDurableCommits costs"
		}
		return ""
	}
	if tool != "hoist-1tx" {
		return ""
	}
	switch {
	case workload == "noop":
		return "with nothing pending, WithSingleTransaction changes nothing (it would repeat hoist's row)"
	case workload == "rollback":
		return "WithSingleTransaction does not change Rollback (it would repeat hoist's row)"
	case workload != "fresh":
		return "measured in the fresh apply only"
	case !hoistDialect(k).TransactionalDDL():
		return "MySQL and MariaDB commit DDL implicitly, so sdk.New refuses WithSingleTransaction"
	}
	return ""
}

// ---- hoist ----

// hoistTool is hoist with its defaults; with singleTx it is hoist-1tx,
// which applies all the pending migrations of one Up in one transaction
// (sdk.WithSingleTransaction); with durable it is hoist-durable, whose
// every commit waits for the disk (sdk.WithDurableCommits), which is
// what hoist's own commits cost before hoist relaxed them.
type hoistTool struct{ singleTx, durable bool }

func (h hoistTool) name() string {
	switch {
	case h.singleTx:
		return "hoist-1tx"
	case h.durable:
		return "hoist-durable"
	}
	return "hoist"
}
func (hoistTool) format() format      { return formatHoist }
func (hoistTool) dsn(t target) string { return t.dsn }

func hoistDialect(k kind) dialect.Dialect {
	switch k {
	case postgresKind:
		return hoistpg.New()
	case mysqlKind:
		return hoistmysql.New()
	}
	return hoistsqlite.New()
}

// hoist logs one line per migration through slog.Default() unless told
// otherwise; the peers are silent by default, so hoist is silenced too.
var discard = slog.New(slog.DiscardHandler)

func (h hoistTool) migrator(db *sql.DB, t target, fsys fs.FS) (*sdk.Migrator, error) {
	opts := []sdk.Option{sdk.WithFS(fsys), sdk.WithLogger(discard)}
	if h.singleTx {
		opts = append(opts, sdk.WithSingleTransaction())
	}
	if h.durable {
		opts = append(opts, sdk.WithDurableCommits())
	}
	return sdk.New(db, hoistDialect(t.kind), opts...)
}

func (h hoistTool) up(ctx context.Context, db *sql.DB, t target, fsys fs.FS) (int, func(), error) {
	m, err := h.migrator(db, t, fsys)
	if err != nil {
		return 0, noop, err
	}
	res, err := m.Up(ctx)
	return len(res.Applied), noop, err
}

func (h hoistTool) rollback(ctx context.Context, db *sql.DB, t target, fsys fs.FS, _, steps int) (func(), error) {
	m, err := h.migrator(db, t, fsys)
	if err != nil {
		return noop, err
	}
	_, err = m.Rollback(ctx, sdk.RollbackOptions{Steps: steps})
	return noop, err
}

func (hoistTool) history(ctx context.Context, db *sql.DB, _ target, _ int) (map[int64]int, string, error) {
	return countVersions(ctx, db, "SELECT version, state = 'applied' FROM hoist_migrations")
}

// ---- goose ----

type gooseTool struct{}

func (gooseTool) name() string   { return "goose" }
func (gooseTool) format() format { return formatGoose }

// dsn sets parseTime=true on MySQL, as goose's documentation asks (its
// MySQL table locker scans lease_expires_at into a time.Time and fails
// without it).
func (gooseTool) dsn(t target) string {
	if t.kind != mysqlKind {
		return t.dsn
	}
	cfg, err := mysql.ParseDSN(t.dsn)
	if err != nil {
		return t.dsn
	}
	cfg.ParseTime = true
	return cfg.FormatDSN()
}

// provider builds a goose Provider with goose's own lock for the engine:
// the PostgreSQL session locker (pg_try_advisory_lock, polled every 5 s),
// the MySQL table locker (a goose_lock row with a lease, polled every
// 5 s), and none on SQLite, for which goose has no locker.
func (gooseTool) provider(db *sql.DB, k kind, fsys fs.FS) (*goose.Provider, error) {
	var (
		d    goose.Dialect
		opts []goose.ProviderOption
	)
	switch k {
	case postgresKind:
		d = goose.DialectPostgres
		l, err := lock.NewPostgresSessionLocker()
		if err != nil {
			return nil, err
		}
		opts = append(opts, goose.WithSessionLocker(l))
	case mysqlKind:
		d = goose.DialectMySQL
		l, err := lock.NewMySQLTableLocker()
		if err != nil {
			return nil, err
		}
		opts = append(opts, goose.WithLocker(l))
	case sqliteKind:
		d = goose.DialectSQLite3
	}
	return goose.NewProvider(d, db, fsys, opts...)
}

func (g gooseTool) up(ctx context.Context, db *sql.DB, t target, fsys fs.FS) (int, func(), error) {
	p, err := g.provider(db, t.kind, fsys)
	if err != nil {
		return 0, noop, err
	}
	res, err := p.Up(ctx)
	return len(res), func() { _ = p.Close() }, err
}

func (g gooseTool) rollback(ctx context.Context, db *sql.DB, t target, fsys fs.FS, n, steps int) (func(), error) {
	p, err := g.provider(db, t.kind, fsys)
	if err != nil {
		return noop, err
	}
	_, err = p.DownTo(ctx, int64(n-steps))
	return func() { _ = p.Close() }, err
}

func (gooseTool) history(ctx context.Context, db *sql.DB, _ target, _ int) (map[int64]int, string, error) {
	return countVersions(ctx, db, "SELECT version_id, is_applied FROM goose_db_version WHERE version_id > 0")
}

// ---- golang-migrate ----

type migrateTool struct{}

func (migrateTool) name() string   { return "migrate" }
func (migrateTool) format() format { return formatPairs }

// dsn sets multiStatements=true on MySQL, which golang-migrate's mysql
// driver documents as required of the instance it is given (its own
// URL opener sets it).
func (migrateTool) dsn(t target) string {
	if t.kind != mysqlKind {
		return t.dsn
	}
	cfg, err := mysql.ParseDSN(t.dsn)
	if err != nil {
		return t.dsn
	}
	cfg.MultiStatements = true
	return cfg.FormatDSN()
}

func (migrateTool) migrate(db *sql.DB, k kind, fsys fs.FS) (*migrate.Migrate, error) {
	src, err := iofs.New(fsys, ".")
	if err != nil {
		return nil, err
	}
	var (
		drv  migratedb.Driver
		name string
	)
	switch k {
	case postgresKind:
		drv, err = migratepgx.WithInstance(db, &migratepgx.Config{})
		name = "pgx5"
	case mysqlKind:
		drv, err = migratemysql.WithInstance(db, &migratemysql.Config{})
		name = "mysql"
	case sqliteKind:
		drv, err = migratesqlite.WithInstance(db, &migratesqlite.Config{})
		name = "sqlite"
	}
	if err != nil {
		_ = src.Close()
		return nil, err
	}
	return migrate.NewWithInstance("iofs", src, name, drv)
}

func (mt migrateTool) up(ctx context.Context, db *sql.DB, t target, fsys fs.FS) (int, func(), error) {
	m, err := mt.migrate(db, t.kind, fsys)
	if err != nil {
		return 0, noop, err
	}
	closeFn := func() { _, _ = m.Close() }
	err = m.Up()
	if errors.Is(err, migrate.ErrNoChange) {
		return 0, closeFn, nil
	}
	return -1, closeFn, err
}

func (mt migrateTool) rollback(ctx context.Context, db *sql.DB, t target, fsys fs.FS, _, steps int) (func(), error) {
	m, err := mt.migrate(db, t.kind, fsys)
	if err != nil {
		return noop, err
	}
	return func() { _, _ = m.Close() }, m.Steps(-steps)
}

// history: golang-migrate keeps one row, the current version and a dirty
// flag, so "recorded once" means: that row says n, not dirty.
func (migrateTool) history(ctx context.Context, db *sql.DB, _ target, n int) (map[int64]int, string, error) {
	rows, err := db.QueryContext(ctx, "SELECT version, dirty FROM schema_migrations")
	if err != nil {
		return nil, "", err
	}
	defer rows.Close()
	var (
		count int
		v     int64
		dirty bool
	)
	for rows.Next() {
		if err := rows.Scan(&v, &dirty); err != nil {
			return nil, "", err
		}
		count++
	}
	if err := rows.Err(); err != nil {
		return nil, "", err
	}
	switch {
	case count != 1:
		return nil, fmt.Sprintf("schema_migrations has %d rows", count), nil
	case dirty:
		return nil, fmt.Sprintf("schema_migrations: version %d dirty", v), nil
	case v != int64(n):
		return nil, fmt.Sprintf("schema_migrations: version %d, want %d", v, n), nil
	}
	all := make(map[int64]int, n)
	for i := 1; i <= n; i++ {
		all[int64(i)] = 1
	}
	return all, "", nil
}

// countVersions counts, per version, the rows of a version table query
// that returns (version, applied).
func countVersions(ctx context.Context, db *sql.DB, query string) (map[int64]int, string, error) {
	rows, err := db.QueryContext(ctx, query)
	if err != nil {
		return nil, "", err
	}
	defer rows.Close()
	counts := map[int64]int{}
	notApplied := 0
	for rows.Next() {
		var (
			v  int64
			ok bool
		)
		if err := rows.Scan(&v, &ok); err != nil {
			return nil, "", err
		}
		if !ok {
			notApplied++
			continue
		}
		counts[v]++
	}
	if err := rows.Err(); err != nil {
		return nil, "", err
	}
	note := ""
	if notApplied > 0 {
		note = fmt.Sprintf("%d rows not marked applied", notApplied)
	}
	return counts, note, nil
}
