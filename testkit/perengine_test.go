package testkit_test

import (
	"embed"
	"io/fs"
	"testing"

	"github.com/hoistdb/hoist/sdk"
	"github.com/hoistdb/hoist/sdk/schema"
	"github.com/hoistdb/hoist/testkit"
)

// perEngine holds one directory of SQL migrations per engine, as
// docs/testing.md ("One migration set, several engines") shows: the same
// versions, with SQL that differs where the engines do (DROP INDEX needs
// ON <table> on MySQL and MariaDB).
//
//go:embed testdata/perengine
var perEngine embed.FS

// migrationsFor returns the migrations of one engine, the files of
// testdata/perengine/<engine>.
func migrationsFor(engine string) fs.FS {
	sub, err := fs.Sub(perEngine, "testdata/perengine/"+engine)
	if err != nil {
		panic(err) // only for a path that is not valid
	}
	return sub
}

// indexAgain is a migration written with the schema builder, which
// renders DropIndex (its down) in each engine's syntax: no directory per
// engine is needed for it.
var indexAgain = schema.MigrationWithDown(3, "index users email again",
	func(s *schema.Builder) {
		s.AlterTable("users", func(t *schema.Table) { t.Index("email").Name("users_email_idx") })
	},
	func(s *schema.Builder) {
		s.AlterTable("users", func(t *schema.Table) { t.DropIndex("users_email_idx") })
	})

// TestMigrationsPerEngine migrates each engine with its own directory and
// the shared builder migration, and runs every down and up again.
func TestMigrationsPerEngine(t *testing.T) {
	for _, e := range []struct {
		name string
		kind testkit.Kind
	}{{"postgres", testkit.Postgres}, {"mysql", testkit.MySQL}, {"sqlite", testkit.SQLite}} {
		t.Run(e.name, func(t *testing.T) {
			t.Parallel()
			opts := []sdk.Option{sdk.WithFS(migrationsFor(e.name)), sdk.WithMigrations(indexAgain)}
			db := testkit.Migrated(t, e.kind, opts...)
			var n int
			if err := db.DB.QueryRow("SELECT COUNT(*) FROM hoist_migrations").Scan(&n); err != nil || n != 3 {
				t.Fatalf("applied migrations: %d, %v", n, err)
			}
			testkit.RoundTrip(t, e.kind(t), opts...)
		})
	}
}
