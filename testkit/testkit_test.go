package testkit_test

import (
	"context"
	"database/sql"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hoistdb/hoist/testkit"
)

// engine is what the tests need to know about each provider.
type engine struct {
	name     string
	open     testkit.Kind
	driver   string
	database string // query for the current database's name or file
	tables   string // query counting the tables in the database
}

var engines = []engine{
	{
		name:     "postgres",
		open:     testkit.Postgres,
		driver:   "pgx",
		database: "SELECT current_database()",
		tables:   "SELECT count(*) FROM information_schema.tables WHERE table_schema = 'public'",
	},
	{
		name:     "mysql",
		open:     testkit.MySQL,
		driver:   "mysql",
		database: "SELECT DATABASE()",
		tables:   "SELECT count(*) FROM information_schema.tables WHERE table_schema = DATABASE()",
	},
	{
		name:     "sqlite",
		open:     testkit.SQLite,
		driver:   "sqlite",
		database: "SELECT file FROM pragma_database_list WHERE name = 'main'",
		tables:   "SELECT count(*) FROM sqlite_master",
	},
}

func queryString(t *testing.T, db *sql.DB, query string) string {
	t.Helper()
	var s string
	if err := db.QueryRowContext(context.Background(), query).Scan(&s); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	return s
}

var testDatabaseName = regexp.MustCompile(`hoist_test_[0-9]{10}_[0-9a-f]{8}`)

func TestNewDatabase(t *testing.T) {
	t.Parallel()
	for _, e := range engines {
		t.Run(e.name, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			db := e.open(t)

			if db.Driver != e.driver {
				t.Errorf("Driver = %q, want %q", db.Driver, e.driver)
			}
			if db.Dialect == nil || db.Dialect.Name() != e.name {
				t.Errorf("Dialect = %v, want the %s dialect", db.Dialect, e.name)
			}
			if got := db.DB.Stats().MaxOpenConnections; got != 10 {
				t.Errorf("MaxOpenConnections = %d, want 10", got)
			}
			if name := queryString(t, db.DB, e.database); !testDatabaseName.MatchString(name) {
				t.Errorf("database %q, want one named like %s", name, testDatabaseName)
			}
			if n := queryString(t, db.DB, e.tables); n != "0" {
				t.Errorf("new database has %s tables, want 0", n)
			}

			// The DSN opens the same database.
			other, err := sql.Open(db.Driver, db.DSN)
			if err != nil {
				t.Fatal(err)
			}
			defer other.Close()
			if _, err := db.DB.ExecContext(ctx, "CREATE TABLE seen (id INTEGER)"); err != nil {
				t.Fatal(err)
			}
			if _, err := other.ExecContext(ctx, "INSERT INTO seen (id) VALUES (42)"); err != nil {
				t.Fatalf("through the DSN: %v", err)
			}
			if got := queryString(t, db.DB, "SELECT id FROM seen"); got != "42" {
				t.Errorf("row written through the DSN reads %s, want 42", got)
			}
		})
	}
}

func TestMySQLDSN(t *testing.T) {
	t.Parallel()
	db := testkit.MySQL(t)
	if !strings.Contains(db.DSN, "parseTime=true") {
		t.Errorf("DSN %q does not set parseTime=true", db.DSN)
	}
	if !strings.Contains(db.DSN, "timeout=") {
		t.Errorf("DSN %q has no dial timeout", db.DSN)
	}
	// A DATETIME column scans into a time.Time field, through the DB and
	// through the DSN, as a generated model's CreatedAt does.
	ctx := context.Background()
	if _, err := db.DB.ExecContext(ctx, "CREATE TABLE stamps (at DATETIME(6) NOT NULL)"); err != nil {
		t.Fatal(err)
	}
	want := time.Date(2026, 12, 2, 15, 4, 5, 123456000, time.UTC)
	if _, err := db.DB.ExecContext(ctx, "INSERT INTO stamps (at) VALUES (?)", want); err != nil {
		t.Fatal(err)
	}
	other, err := sql.Open(db.Driver, db.DSN)
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	for name, h := range map[string]*sql.DB{"DB": db.DB, "DSN": other} {
		var at time.Time
		if err := h.QueryRowContext(ctx, "SELECT at FROM stamps").Scan(&at); err != nil {
			t.Fatalf("through the %s: scan DATETIME into time.Time: %v", name, err)
		}
		if !at.Equal(want) {
			t.Errorf("through the %s: DATETIME reads %v, want %v", name, at, want)
		}
	}
}

func TestSQLiteDSN(t *testing.T) {
	t.Parallel()
	db := testkit.SQLite(t)
	if got := queryString(t, db.DB, "PRAGMA journal_mode"); got != "wal" {
		t.Errorf("journal_mode = %q, want wal", got)
	}
	if got := queryString(t, db.DB, "PRAGMA busy_timeout"); got != "10000" {
		t.Errorf("busy_timeout = %q, want 10000", got)
	}
}

func TestDatabasesAreIsolated(t *testing.T) {
	t.Parallel()
	for _, e := range engines {
		t.Run(e.name, func(t *testing.T) {
			t.Parallel()
			a, b := e.open(t), e.open(t)
			if _, err := a.DB.ExecContext(context.Background(), "CREATE TABLE mine (id INTEGER)"); err != nil {
				t.Fatal(err)
			}
			if n := queryString(t, b.DB, e.tables); n != "0" {
				t.Errorf("a table created in one database shows in another: %s tables", n)
			}
			if _, err := b.DB.ExecContext(context.Background(), "CREATE TABLE mine (id INTEGER)"); err != nil {
				t.Errorf("the same table name in another database: %v", err)
			}
		})
	}
}

func TestParallelDatabasesAreDistinct(t *testing.T) {
	t.Parallel()
	for _, e := range engines {
		t.Run(e.name, func(t *testing.T) {
			t.Parallel()
			var (
				mu   sync.Mutex
				seen = map[string]bool{}
			)
			for i := range 8 {
				t.Run(string(rune('a'+i)), func(t *testing.T) {
					t.Parallel()
					name := queryString(t, e.open(t).DB, e.database)
					mu.Lock()
					defer mu.Unlock()
					if seen[name] {
						t.Errorf("database %s handed out twice", name)
					}
					seen[name] = true
				})
			}
		})
	}
}
