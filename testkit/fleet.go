package testkit

import (
	"context"
	"database/sql"
	"fmt"
	"net/url"
	"strings"
	"testing"

	"github.com/hoistdb/hoist/dialect"
	"github.com/hoistdb/hoist/sdk"
)

// TenantFleet is a fleet of fresh, empty tenants for [sdk.NewFleet],
// made by [Fleet]:
//
//	f := testkit.Fleet(t, testkit.Postgres, 4)
//	fleet, err := sdk.NewFleet(f.DB, f.Dialect, f.Targets(), f.Options(sdk.WithTargetOptions(sdk.WithFS(migrations.FS)))...)
type TenantFleet struct {
	// DB is the pool to give sdk.NewFleet: the database that holds the
	// schemas, or, in a fleet of databases, the first tenant's database
	// (through which hoist lists and reads the others; SQLite does not
	// use it).
	DB *sql.DB
	// Dialect is the hoist dialect of the engine.
	Dialect dialect.Dialect
	// Tenants are the targets' names, in order: schema names
	// (tenant_0, tenant_1, ...) in a fleet of PostgreSQL schemas,
	// database names in a fleet of databases, file paths on SQLite.
	Tenants []string
	// Databases holds each tenant's database, in the order of Tenants,
	// in a fleet of databases; in a fleet of schemas it holds the one
	// database of the schemas.
	Databases []*DB

	schemas bool
	dsns    map[string]string // tenant → DSN, in a fleet of databases
	driver  string
}

// FleetOption configures the fleet that [Fleet] returns.
type FleetOption func(*fleetOptions)

type fleetOptions struct {
	databases bool
	opts      []Option
}

// FleetOfDatabases makes a PostgreSQL fleet one of fresh databases, as
// for MySQL and SQLite, instead of schemas of one database.
func FleetOfDatabases() FleetOption {
	return func(o *fleetOptions) { o.databases = true }
}

// FleetDatabaseOptions passes opts on to every database the fleet
// creates (e.g. [WithMaxOpenConns]).
func FleetDatabaseOptions(opts ...Option) FleetOption {
	return func(o *fleetOptions) { o.opts = append(o.opts, opts...) }
}

// Fleet returns a fleet of n fresh, empty tenants on the engine of kind
// ([Postgres], [MySQL] or [SQLite]), ready for [sdk.NewFleet]:
//
//   - PostgreSQL: n schemas, tenant_0 to tenant_<n-1> (zero-padded to
//     one width), in one fresh database; with [FleetOfDatabases], n fresh
//     databases;
//   - MySQL/MariaDB: n fresh databases on the server;
//   - SQLite: n fresh database files.
//
// Every database is one that kind returns, so the fleet is cleaned up
// like any other: dropped in t.Cleanup, or kept and logged when the test
// failed or HOIST_TEST_KEEP=1, named hoist_test_* so that a later test
// binary sweeps it when a killed one left it behind. A fleet of
// databases of a top-level test takes one of the server's slots, as its
// single databases do. Errors fail the test.
func Fleet(t testing.TB, kind Kind, n int, opts ...FleetOption) *TenantFleet {
	t.Helper()
	if kind == nil {
		t.Fatal("testkit: Fleet: nil kind; pass testkit.Postgres, testkit.MySQL or testkit.SQLite")
	}
	if n < 1 {
		t.Fatalf("testkit: Fleet: %d tenants; want at least 1", n)
	}
	var o fleetOptions
	for _, opt := range opts {
		if opt == nil {
			t.Fatal("testkit: Fleet: nil FleetOption")
		}
		opt(&o)
	}
	first := kind(t, o.opts...)
	f := &TenantFleet{DB: first.DB, Dialect: first.Dialect, Databases: []*DB{first}, driver: first.Driver}
	if first.Dialect.Name() == "postgres" && !o.databases {
		f.schemas = true
		width := len(fmt.Sprint(n - 1))
		ctx, cancel := context.WithTimeout(context.Background(), setupTimeout)
		defer cancel()
		for i := range n {
			name := fmt.Sprintf("tenant_%0*d", width, i)
			if _, err := first.DB.ExecContext(ctx, "CREATE SCHEMA "+first.Dialect.QuoteIdent(name)); err != nil {
				t.Fatalf("testkit: Fleet: create schema %s: %v", name, err)
			}
			f.Tenants = append(f.Tenants, name)
		}
		return f
	}
	for len(f.Databases) < n {
		f.Databases = append(f.Databases, kind(t, o.opts...))
	}
	f.dsns = map[string]string{}
	for _, db := range f.Databases {
		name, err := tenantName(db)
		if err != nil {
			t.Fatalf("testkit: Fleet: %v", err)
		}
		f.Tenants = append(f.Tenants, name)
		f.dsns[name] = db.DSN
	}
	return f
}

// tenantName returns the target name of a fleet's database: its name, or
// on SQLite its file's path.
func tenantName(db *DB) (string, error) {
	if db.Dialect.Name() == "sqlite" {
		// file:<path escaped by sqliteURIPath>?<pragmas>, as sqliteDSN makes it.
		p, _, _ := strings.Cut(strings.TrimPrefix(db.DSN, "file:"), "?")
		return url.PathUnescape(p)
	}
	var name string
	q := "SELECT current_database()"
	if db.Dialect.Name() == "mysql" {
		q = "SELECT DATABASE()"
	}
	ctx, cancel := context.WithTimeout(context.Background(), setupTimeout)
	defer cancel()
	if err := db.DB.QueryRowContext(ctx, q).Scan(&name); err != nil {
		return "", fmt.Errorf("read the database's name: %w", err)
	}
	return name, nil
}

// Targets returns the fleet's tenants as the targets of sdk.NewFleet.
func (f *TenantFleet) Targets() sdk.Targets { return sdk.TargetList(f.Tenants...) }

// Options returns opts and, in a fleet of databases,
// [sdk.WithDatabaseTargets] with an opener of the tenants' databases:
// the options to give sdk.NewFleet.
func (f *TenantFleet) Options(opts ...sdk.FleetOption) []sdk.FleetOption {
	if f.schemas {
		return opts
	}
	return append(opts, sdk.WithDatabaseTargets(f.Open))
}

// Open opens a new pool on one tenant's database, which the caller
// closes; in a fleet of schemas, on the database that holds them. In a
// fleet of databases it is the [sdk.TargetOpener] that
// [TenantFleet.Options] gives.
func (f *TenantFleet) Open(tenant string) (*sql.DB, error) {
	if f.schemas {
		return sql.Open(f.driver, f.Databases[0].DSN)
	}
	dsn, ok := f.dsns[tenant]
	if !ok {
		return nil, fmt.Errorf("testkit: %q is not a tenant of this fleet", tenant)
	}
	return sql.Open(f.driver, dsn)
}
