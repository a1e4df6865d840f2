package sdk_test

import (
	"context"
	"database/sql"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/hoistdb/hoist/sdk"
	"github.com/hoistdb/hoist/testkit"
)

// TestMariaDBExecutableComments: MariaDB's executable comments reach the
// server as written, at the end of a statement and as a statement of
// their own, as the mariadb client sends them.
func TestMariaDBExecutableComments(t *testing.T) {
	t.Parallel()
	db := testkit.MySQL(t)
	ctx := testContext(t)
	var version string
	if err := db.DB.QueryRowContext(ctx, "SELECT VERSION()").Scan(&version); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(version, "MariaDB") {
		t.Skipf("server %s is not MariaDB, which alone runs /*M! ... */", version)
	}
	m := newMigrator(t, db, sdk.WithFS(fstest.MapFS{"0001_versioned.sql": {Data: []byte(`-- +hoist up
CREATE TABLE v (id INT) /*M!100301 WITH SYSTEM VERSIONING */;
/*M!100301 CREATE TABLE w (id INT) */;
-- +hoist down
DROP TABLE w;
DROP TABLE v;
`)}}))
	if _, err := m.Up(ctx); err != nil {
		t.Fatal(err)
	}
	var typ string
	if err := db.DB.QueryRowContext(ctx, "SELECT table_type FROM information_schema.tables WHERE table_schema = DATABASE() AND table_name = 'v'").Scan(&typ); err != nil {
		t.Fatal(err)
	}
	if typ != "SYSTEM VERSIONED" {
		t.Errorf("table v is %q; want SYSTEM VERSIONED", typ)
	}
	if !tableExists(t, db, "w") {
		t.Error("the statement /*M!100301 CREATE TABLE w (id INT) */ was not sent")
	}
}

// TestAppliedAtWhateverLoc: applied_at means the real instant whatever
// the DSN's loc and parseTime say, and is the same for the rows hoist
// writes as literals (Up) and through arguments (ImportHistory, Seed):
// the table holds UTC, and hoist reads it back as UTC.
func TestAppliedAtWhateverLoc(t *testing.T) {
	t.Parallel()
	for _, params := range []string{"", "parseTime=true", "parseTime=true&loc=Asia%2FTokyo", "loc=Asia%2FTokyo", "parseTime=true&loc=America%2FLos_Angeles"} {
		t.Run(strings.NewReplacer("=", "_", "&", "_", "%2F", "_").Replace(params), func(t *testing.T) {
			t.Parallel()
			db := testkit.MySQL(t)
			ctx := testContext(t)
			dsn := db.DSN
			if params != "" {
				sep := "?"
				if strings.Contains(dsn, "?") {
					sep = "&"
				}
				dsn += sep + params
			}
			conn, err := sql.Open(db.Driver, dsn)
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close()
			execAll(t, db, "CREATE TABLE schema_migrations (version BIGINT NOT NULL, dirty BOOLEAN NOT NULL)",
				"INSERT INTO schema_migrations VALUES (1, FALSE)")
			m, err := sdk.New(conn, db.Dialect, quiet(), sdk.WithFS(fstest.MapFS{
				"0001_a.sql": {Data: []byte("-- +hoist up\nCREATE TABLE a (id INT);\n-- +hoist down\nDROP TABLE a;\n")},
				"0002_b.sql": {Data: []byte("-- +hoist up\nCREATE TABLE b (id INT);\n-- +hoist down\nDROP TABLE b;\n")},
			}), sdk.WithSeeders(sdk.Seeder{Name: "10_once", Once: true, Run: func(context.Context, sdk.Tx) error { return nil }}))
			if err != nil {
				t.Fatal(err)
			}
			before := time.Now().Add(-time.Minute) // generous: a time zone is off by hours
			if _, err := m.ImportHistory(ctx, sdk.ImportOptions{From: sdk.ImportGolangMigrate}); err != nil {
				t.Fatal(err)
			}
			if _, err := m.Up(ctx); err != nil {
				t.Fatal(err)
			}
			if _, err := m.Seed(ctx); err != nil {
				t.Fatal(err)
			}
			after := time.Now().Add(time.Minute)
			h, err := m.History(ctx)
			if err != nil || len(h) != 2 {
				t.Fatalf("History: %v, %+v; want 2 rows", err, h)
			}
			for _, e := range h {
				if e.AppliedAt.Before(before) || e.AppliedAt.After(after) {
					t.Errorf("version %d applied at %v; want the real instant, between %v and %v", e.Version, e.AppliedAt, before.UTC(), after.UTC())
				}
			}
			for _, table := range []string{"hoist_migrations", "hoist_migrations_seeds"} {
				if n := countRows(t, db.DB, "SELECT COUNT(*) FROM "+table+" WHERE ABS(TIMESTAMPDIFF(MINUTE, applied_at, UTC_TIMESTAMP())) > 5"); n != 0 {
					t.Errorf("%d rows of %s do not hold UTC", n, table)
				}
			}
		})
	}
}
