package testkit

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"database/sql/driver"
	"encoding/hex"
	"errors"
	"fmt"
	"runtime/debug"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hoistdb/hoist/sdk"
)

// Migrated returns a fresh database of the engine kind names, with every
// migration that opts describe applied, exactly as sdk's Migrator.Up
// would leave it, history table included:
//
//	db := testkit.Migrated(t, testkit.Postgres, sdk.WithFS(migrations.FS))
//
// The database is a copy of a template that is built once per set of
// migrations and reused by every later call, in this test binary and in
// others on the same server, so a test pays for a copy, not for the
// migrations. The template is keyed by the migrations' versions, names
// and checksums, the history table's name, hoist's version and the
// server's version: change any and a new template is built. Go
// migrations have no checksum, so when there are any the test binary's
// own build ID is in the key as well, with the symbol of each Go function;
// so it is with an unreleased hoist, whose binary then drops the
// templates of older builds of the same migrations (shelf_builds.go).
// A set with a Go function that may capture values (a closure, which a
// symbol cannot tell from another of the same literal) gets no template:
// its database is migrated directly, and the log says why.
//
// opts are the options the application gives [sdk.New]; seeders are not
// run. Its logger is silenced while the template is built unless opts
// set one. Like the kind's own databases, the copy is dropped when the
// test ends, and kept when it failed or HOIST_TEST_KEEP=1.
//
// How each engine copies a template: PostgreSQL uses CREATE DATABASE
// ... TEMPLATE; MySQL and MariaDB, which cannot copy a database, replay
// the template's schema (SHOW CREATE ...) and copy the rows of its
// non-empty tables; SQLite copies the template file.
func Migrated(t testing.TB, kind Kind, opts ...sdk.Option) *DB {
	t.Helper()
	if kind == nil {
		t.Fatal("testkit: Migrated: nil kind; pass testkit.Postgres, testkit.MySQL or testkit.SQLite")
	}
	req := &migratedRequest{opts: opts}
	db := kind(t, func(o *options) error {
		o.migrated = req
		return nil
	})
	if !req.seen {
		t.Fatal("testkit: Migrated: the kind did not pass its options on to testkit.Postgres, MySQL or SQLite, so the database it returned is not migrated")
	}
	return db
}

// migratedRequest carries Migrated's wish through a Kind to open.
type migratedRequest struct {
	opts []sdk.Option
	seen bool // open got the request
}

// templateStore is what an engine's server does for Migrated.
type templateStore interface {
	// serverVersion names the server's software and version, for the key.
	serverVersion(ctx context.Context) (string, error)
	// lockTemplate takes a lock on key that every test binary using the
	// server respects, and returns its release.
	lockTemplate(ctx context.Context, key string) (unlock func(), err error)
	// findTemplate returns the finished template of key, if there is one.
	// complete tells whether the database a DSN opens has every migration
	// applied, for stores that cannot tell a finished template by its
	// name.
	findTemplate(ctx context.Context, key string, complete func(ctx context.Context, dsn string) (bool, error)) (name string, ok bool, err error)
	// buildTemplate creates the empty database in which the template of
	// key is migrated.
	buildTemplate(ctx context.Context, key string) (name, dsn string, err error)
	// sealTemplate turns the migrated build, closed, into the template of
	// key and returns its name.
	sealTemplate(ctx context.Context, key, build string) (name string, err error)
	// clone creates database name as a copy of template tpl.
	clone(ctx context.Context, tpl, name string) (dsn string, err error)
}

// templateBuildTimeout bounds building one template: running every
// migration, and waiting for another test binary that builds it.
const templateBuildTimeout = 10 * time.Minute

// templateFormat changes when what testkit puts in a template does, and
// with it every key.
const templateFormat = 1

// templateBuilds counts the templates this test binary built, by engine
// and key; tests of testkit read it.
var templateBuilds sync.Map // string → *atomic.Int64

// templates are the templates this test binary has found or built, by
// engine and key.
var templates sync.Map // string → *templateEntry

type templateEntry struct {
	once sync.Once
	name string
	err  error
	// built says how this binary built the template, for the log of the
	// first test that waited for it; logged is done once one did.
	built  string
	logged sync.Once
}

// cloneMigrated creates database name as a migrated copy: it finds or
// builds the template and copies it. When the template vanished (a sweep
// in another binary), it builds it again, once.
func cloneMigrated(t testing.TB, e *engine, srv server, req *migratedRequest, name string) (string, error) {
	t.Helper()
	st := srv.templates()
	ctx, cancel := context.WithTimeout(context.Background(), templateBuildTimeout)
	defer cancel()
	key, newMigrator, uncached, err := templateKey(ctx, e, st, req.opts)
	if err != nil {
		return "", err
	}
	if uncached != "" {
		t.Logf("testkit: Migrated: %s", uncached)
		return migrateUncached(ctx, srv, e, name, newMigrator)
	}
	for attempt := 0; ; attempt++ {
		te := templateFor(ctx, t.Logf, e, srv, key, newMigrator)
		if te.err != nil {
			return "", te.err
		}
		cctx, ccancel := context.WithTimeout(ctx, setupTimeout)
		dsn, err := st.clone(cctx, te.name, name)
		ccancel()
		if err == nil || attempt > 0 {
			return dsn, err
		}
		// Forget the template and look for it, or build it, again.
		templates.CompareAndDelete(e.name+" "+key, te)
	}
}

// templateFor returns the entry of the template of key, found or built
// by the first caller (ensureTemplate) and waited for by the others.
// When this binary built it, logf, the log of a test, gets the line that
// says so, once per binary; a pool's background lookup has no test and
// passes nil.
func templateFor(ctx context.Context, logf func(string, ...any), e *engine, srv server, key string, newMigrator func(*sql.DB) (*sdk.Migrator, error)) *templateEntry {
	v, _ := templates.LoadOrStore(e.name+" "+key, &templateEntry{})
	te := v.(*templateEntry)
	te.once.Do(func() { te.name, te.built, te.err = ensureTemplate(ctx, e, srv, key, newMigrator) })
	if logf != nil && te.built != "" {
		te.logged.Do(func() { logf("%s", te.built) })
	}
	return te
}

// ensureTemplate returns the template of key, built by this or another
// test binary, building it under the template lock when there is none;
// built is the log line of a build, "" when the template was found.
func ensureTemplate(ctx context.Context, e *engine, srv server, key string, newMigrator func(*sql.DB) (*sdk.Migrator, error)) (name, built string, err error) {
	st := srv.templates()
	unlock, err := st.lockTemplate(ctx, key)
	if err != nil {
		return "", "", err
	}
	defer unlock()
	complete := func(ctx context.Context, dsn string) (bool, error) {
		db, err := sql.Open(e.driver, dsn)
		if err != nil {
			return false, err
		}
		defer db.Close()
		m, err := newMigrator(db)
		if err != nil {
			return false, err
		}
		s, err := m.Status(ctx)
		if err != nil {
			return false, err
		}
		return len(s.Pending) == 0 && len(s.Failed) == 0 && len(s.Missing) == 0, nil
	}
	if name, ok, err := st.findTemplate(ctx, key, complete); err != nil || ok {
		if ok {
			// Under the template's lock, so that no sweep drops it
			// between finding and using (shelf_builds.go).
			useTemplate(ctx, srv, key)
			sweepBuildsInBackground(srv, key)
		}
		return name, "", err
	}

	start := time.Now()
	build, dsn, err := st.buildTemplate(ctx, key)
	if err != nil {
		return "", "", fmt.Errorf("create a database to build the template in: %w", err)
	}
	name, err = migrateTemplate(ctx, e, st, key, build, dsn, newMigrator)
	if err != nil {
		// A half-built template is never used: drop it.
		dctx, cancel := context.WithTimeout(context.Background(), setupTimeout)
		defer cancel()
		if derr := srv.drop(dctx, build); derr != nil {
			return "", "", fmt.Errorf("build the template in %s: %w (and dropping it failed: %v)", build, err, derr)
		}
		return "", "", fmt.Errorf("build the template in %s (dropped): %w", build, err)
	}
	useTemplate(ctx, srv, key)
	sweepBuildsInBackground(srv, key)
	n, _ := templateBuilds.LoadOrStore(e.name+" "+key, new(atomic.Int64))
	n.(*atomic.Int64).Add(1)
	return name, fmt.Sprintf("testkit: built %s template %s in %s", e.title, name, time.Since(start).Round(time.Millisecond)), nil
}

// migrateTemplate applies every migration to the build database and
// seals it.
func migrateTemplate(ctx context.Context, e *engine, st templateStore, key, build, dsn string, newMigrator func(*sql.DB) (*sdk.Migrator, error)) (string, error) {
	db, err := sql.Open(e.driver, dsn)
	if err != nil {
		return "", err
	}
	db.SetMaxOpenConns(2)
	m, err := newMigrator(db)
	if err == nil {
		_, err = m.Up(ctx)
	}
	// No session may stay in the template: PostgreSQL refuses to copy a
	// database that someone is connected to.
	if cerr := db.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return "", err
	}
	return st.sealTemplate(ctx, key, build)
}

// migrateUncached creates database name and runs the migrations in it,
// for a set that Migrated cannot key.
func migrateUncached(ctx context.Context, srv server, e *engine, name string, newMigrator func(*sql.DB) (*sdk.Migrator, error)) (string, error) {
	dsn, err := srv.create(ctx, name)
	if err != nil {
		return "", err
	}
	db, err := sql.Open(e.driver, dsn)
	if err == nil {
		var m *sdk.Migrator
		if m, err = newMigrator(db); err == nil {
			_, err = m.Up(ctx)
		}
		if cerr := db.Close(); err == nil {
			err = cerr
		}
	}
	if err != nil {
		dctx, cancel := context.WithTimeout(context.Background(), setupTimeout)
		defer cancel()
		_ = srv.drop(dctx, name)
		return "", fmt.Errorf("migrate %s (dropped): %w", name, err)
	}
	return dsn, nil
}

// computeTemplateKey reads the migrations that newMigrator makes a
// Migrator of and returns their template key; see templateKey.
func computeTemplateKey(ctx context.Context, e *engine, st templateStore, newMigrator func(*sql.DB) (*sdk.Migrator, error)) (key, uncached string, err error) {
	// New sends nothing to the database, so a handle that cannot
	// connect does.
	probe := sql.OpenDB(noConnector{})
	defer probe.Close()
	m, err := newMigrator(probe)
	if err != nil {
		return "", "", err
	}
	migs := m.Migrations()
	if len(migs) == 0 {
		return "", "", fmt.Errorf("%w: give sdk.WithFS or sdk.WithMigrations to Migrated", sdk.ErrNoMigrations)
	}
	version, err := st.serverVersion(ctx)
	if err != nil {
		return "", "", fmt.Errorf("read the server's version: %w", err)
	}

	h := sha256.New()
	fmt.Fprintf(h, "hoist testkit template format %d\n", templateFormat)
	hoist, released := hoistVersion()
	fmt.Fprintf(h, "hoist %s\n", hoist)
	fmt.Fprintf(h, "server %s\n", version)
	table := m.Table()
	fmt.Fprintf(h, "history %s\n%s\n%s\n", table, e.dialect.CreateHistoryTable(table), e.dialect.InsertHistory(table))
	hasGo := false
	for _, mig := range migs {
		fmt.Fprintf(h, "migration %d %q %s notx=%t go=%t reversible=%t\n", mig.Version, mig.Name, mig.Checksum, mig.NoTransaction, mig.IsGo(), mig.Reversible())
		if mig.IsGo() {
			// Two sets alike in versions and names but not in code
			// must not share a template.
			hasGo = true
			if why := goMigrationsKey(func(f string, a ...any) { fmt.Fprintf(h, f, a...) }, mig); why != "" && uncached == "" {
				uncached = why
			}
		}
	}
	// Go migrations are code, and so is an unreleased hoist (its own
	// tests, or a replace directive to a working tree): what they do can
	// change without any version saying so, so the binary is the key.
	if hasGo || !released {
		id, err := binaryID()
		if err != nil {
			return "", "", fmt.Errorf("identify the test binary (for its Go migrations, or an unreleased hoist): %w", err)
		}
		set := hex.EncodeToString(h.Sum(nil))
		fmt.Fprintf(h, "binary %s\n", id)
		if !released {
			// The set's own digits first, the same for every build of
			// it, so that a binary can tell the leftovers of the
			// builds before it (shelf_builds.go).
			return set[:setKeyDigits] + hex.EncodeToString(h.Sum(nil))[setKeyDigits:], uncached, nil
		}
	}
	return hex.EncodeToString(h.Sum(nil)), uncached, nil
}

// hoistVersion is the version of the hoist module in this binary, from
// its build information, and whether it is a released one: "v1.2.3",
// or "(devel)" in hoist's own tests, or the directory of a replace
// directive, which are not.
func hoistVersion() (version string, released bool) {
	const module = "github.com/hoistdb/hoist"
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return "unknown", false
	}
	if info.Main.Path == module {
		return info.Main.Version, isRelease(info.Main.Version)
	}
	for _, d := range info.Deps {
		if d.Path == module {
			if d.Replace != nil {
				return d.Replace.Path + " " + d.Replace.Version, isRelease(d.Replace.Version)
			}
			return d.Version, isRelease(d.Version)
		}
	}
	return "unknown", false
}

// isRelease reports whether v names a module version, as a tag or a
// pseudo-version does, rather than a working tree.
func isRelease(v string) bool { return strings.HasPrefix(v, "v") }

// noConnector is a database/sql connector that never connects.
type noConnector struct{}

func (noConnector) Connect(context.Context) (driver.Conn, error) {
	return nil, errors.New("testkit: this handle only reads migrations")
}

func (noConnector) Driver() driver.Driver { return noDriver{} }

type noDriver struct{}

func (noDriver) Open(string) (driver.Conn, error) {
	return nil, errors.New("testkit: this handle only reads migrations")
}
