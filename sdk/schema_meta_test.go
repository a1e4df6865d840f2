package sdk_test

import (
	"context"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"github.com/hoistdb/hoist/dialect"
	"github.com/hoistdb/hoist/sdk"
	"github.com/hoistdb/hoist/testkit"
)

// metaMigration is a dialect migration that creates table and keeps two
// rows of schema metadata.
func metaMigration(version int64, table string) sdk.Migration {
	return sdk.DialectMigration(version, "meta "+table, sdk.DialectSteps{
		Up: func(ctx context.Context, d dialect.Dialect, tx sdk.Tx) error {
			_, err := tx.ExecContext(ctx, "CREATE TABLE "+table+" (id INT)")
			return err
		},
		Down: func(ctx context.Context, d dialect.Dialect, tx sdk.Tx) error {
			_, err := tx.ExecContext(ctx, "DROP TABLE "+table)
			return err
		},
		Meta: []sdk.SchemaMeta{
			{Kind: "column", Table: table, Column: "id", Key: "ID"},
			{Kind: "note", Table: table, Value: "it's \\ \"quoted\""},
		},
	})
}

func readMeta(t *testing.T, db *testkit.DB, history string) []sdk.SchemaMeta {
	t.Helper()
	rows, err := sdk.ReadSchemaMeta(context.Background(), db.DB, db.Dialect, history)
	if err != nil {
		t.Fatal(err)
	}
	return rows
}

// TestSchemaMetaFollowsHistory: the metadata rows of a migration are
// read only while its history row says applied: a failed (dirty) row
// hides them, and after Repair and a new Up they are written again,
// replacing the left-over rows rather than failing on them. Also in one
// transaction for the whole batch (WithSingleTransaction).
func TestSchemaMetaFollowsHistory(t *testing.T) {
	t.Parallel()
	eachEngine(t, func(t *testing.T, db *testkit.DB) {
		ctx := testContext(t)
		m := newMigrator(t, db, sdk.WithMigrations(metaMigration(1, "first"), metaMigration(2, "second")))
		if _, err := m.Up(ctx); err != nil {
			t.Fatal(err)
		}
		want := []sdk.SchemaMeta{
			{Version: 1, Kind: "column", Table: "first", Column: "id", Key: "ID"},
			{Version: 1, Kind: "note", Table: "first", Value: "it's \\ \"quoted\""},
			{Version: 2, Kind: "column", Table: "second", Column: "id", Key: "ID"},
			{Version: 2, Kind: "note", Table: "second", Value: "it's \\ \"quoted\""},
		}
		if got := readMeta(t, db, "hoist_migrations"); !reflect.DeepEqual(got, want) {
			t.Fatalf("after Up: %+v; want %+v", got, want)
		}
		// As a migration killed between its metadata and its applied
		// mark on MySQL leaves it.
		if _, err := db.DB.ExecContext(ctx, "UPDATE hoist_migrations SET state = 'failed' WHERE version = 2"); err != nil {
			t.Fatal(err)
		}
		if got := readMeta(t, db, "hoist_migrations"); !reflect.DeepEqual(got, want[:2]) {
			t.Fatalf("with migration 2 failed: %+v; want only migration 1's rows", got)
		}
		if _, err := db.DB.ExecContext(ctx, "DROP TABLE second"); err != nil {
			t.Fatal(err)
		}
		if _, err := m.Repair(ctx); err != nil {
			t.Fatal(err)
		}
		if _, err := m.Up(ctx); err != nil {
			t.Fatalf("Up after Repair, with migration 2's old metadata rows left: %v", err)
		}
		if got := readMeta(t, db, "hoist_migrations"); !reflect.DeepEqual(got, want) {
			t.Fatalf("after Repair and Up: %+v; want %+v", got, want)
		}
		if _, err := m.Rollback(ctx, sdk.RollbackOptions{Steps: 1}); err != nil {
			t.Fatal(err)
		}
		if got := readMeta(t, db, "hoist_migrations"); !reflect.DeepEqual(got, want[:2]) {
			t.Fatalf("after rolling back 2: %+v; want only migration 1's rows", got)
		}
		if n := countRows(t, db.DB, "SELECT COUNT(*) FROM hoist_migrations_schema"); n != 2 {
			t.Fatalf("%d rows in hoist_migrations_schema after the rollback; want 2, the rolled back migration's deleted", n)
		}

		// The hoist command resets the history without the compiled
		// migrations: the metadata goes too.
		bare := newMigrator(t, db)
		if err := bare.ResetHistory(ctx); err != nil {
			t.Fatal(err)
		}
		if n := countRows(t, db.DB, "SELECT COUNT(*) FROM hoist_migrations_schema"); n != 0 {
			t.Fatalf("%d rows in hoist_migrations_schema after ResetHistory by a Migrator without migrations; want none", n)
		}
		if err := bare.DeleteHistory(ctx); err != nil {
			t.Fatal(err)
		}
		if tableExists(t, db, "hoist_migrations_schema") {
			t.Fatal("hoist_migrations_schema exists after DeleteHistory by a Migrator without migrations")
		}

		if db.Dialect.Name() == "mysql" {
			return // WithSingleTransaction is for engines with transactional DDL
		}
		single := newMigrator(t, db, sdk.WithTable("single"), sdk.WithSingleTransaction(),
			sdk.WithMigrations(metaMigration(1, "third"), metaMigration(2, "fourth")))
		if _, err := single.Up(ctx); err != nil {
			t.Fatal(err)
		}
		if got := readMeta(t, db, "single"); len(got) != 4 || got[3].Table != "fourth" {
			t.Fatalf("after Up in one transaction: %+v; want both migrations' rows", got)
		}
	})
}

// TestSchemaMetaLongTableName: a history table name whose schema
// metadata table ("<table>_schema") does not fit the engine is refused by
// New where a migration keeps metadata, naming the derived name and the
// limit; without such a migration the name is accepted.
func TestSchemaMetaLongTableName(t *testing.T) {
	t.Parallel()
	eachEngine(t, func(t *testing.T, db *testkit.DB) {
		long := "h" + strings.Repeat("x", 60)
		_, err := sdk.New(db.DB, db.Dialect, quiet(), sdk.WithTable(long), sdk.WithMigrations(metaMigration(1, "t")))
		limit, limited := identifierLimits[db.Dialect.Name()]
		if !limited {
			if err != nil {
				t.Fatalf("New on %s: %v; want it accepted, the engine has no such limit", db.Dialect.Name(), err)
			}
			return
		}
		if err == nil || !strings.Contains(err.Error(), long+"_schema") || !strings.Contains(err.Error(), "schema metadata table") ||
			!strings.Contains(err.Error(), "at most "+strconv.Itoa(limit)) {
			t.Fatalf("New with %q = %v; want the schema metadata table named as too long", long, err)
		}
		plain := sdk.GoMigration(1, "plain", func(context.Context, sdk.Tx) error { return nil }, nil)
		if _, err := sdk.New(db.DB, db.Dialect, quiet(), sdk.WithTable(long), sdk.WithMigrations(plain)); err != nil {
			t.Fatalf("New with %q and no schema migration: %v; want it accepted", long, err)
		}
	})
}

// TestSchemaMetaNoTransaction: a migration that keeps metadata and runs
// outside a transaction writes its rows before its applied mark and
// deletes them after its rollback, as one in a transaction does.
func TestSchemaMetaNoTransaction(t *testing.T) {
	t.Parallel()
	eachEngine(t, func(t *testing.T, db *testkit.DB) {
		ctx := testContext(t)
		mig := metaMigration(1, "outside")
		mig.NoTransaction = true
		m := newMigrator(t, db, sdk.WithMigrations(mig))
		if _, err := m.Up(ctx); err != nil {
			t.Fatal(err)
		}
		if got := readMeta(t, db, "hoist_migrations"); len(got) != 2 || got[0].Table != "outside" {
			t.Fatalf("after Up: %+v; want the migration's two rows", got)
		}
		if _, err := m.Rollback(ctx, sdk.RollbackOptions{Steps: 1}); err != nil {
			t.Fatal(err)
		}
		if n := countRows(t, db.DB, "SELECT COUNT(*) FROM hoist_migrations_schema"); n != 0 {
			t.Fatalf("%d metadata rows after the rollback; want none", n)
		}
	})
}
