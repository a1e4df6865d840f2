package sdk_test

import (
	"testing"
	"testing/fstest"

	"github.com/hoistdb/hoist/sdk"
	"github.com/hoistdb/hoist/testkit"
)

// TestSessionSettingsDoNotLeakPostgres: a migration that changes session
// settings with SET (not SET LOCAL) changes them for the migration lock's
// session, which goes back to the application's pool after the run. The
// pool must get the session back with the settings it had.
func TestSessionSettingsDoNotLeakPostgres(t *testing.T) {
	t.Parallel()
	db := testkit.Postgres(t)
	ctx := testContext(t)
	db.DB.SetMaxOpenConns(1) // the lock's session is the one the pool hands out next
	if _, err := db.DB.ExecContext(ctx, "CREATE SCHEMA app; SET application_name = 'the_app'"); err != nil {
		t.Fatal(err)
	}
	show := func(name string) string {
		t.Helper()
		var v string
		if err := db.DB.QueryRowContext(ctx, "SELECT current_setting('"+name+"')").Scan(&v); err != nil {
			t.Fatal(err)
		}
		return v
	}
	before := map[string]string{}
	for _, n := range []string{"search_path", "statement_timeout", "lock_timeout", "application_name", "work_mem"} {
		before[n] = show(n)
	}
	fsys := fstest.MapFS{
		"0001_settings.sql": {Data: []byte("-- +hoist up\nSET search_path = app, public;\nSET statement_timeout = '7s';\nSET lock_timeout = 1234;\nSET application_name = 'migrating';\nCREATE TABLE s1 (id INTEGER);\n")},
		"0002_nontx.sql":    {Data: []byte("-- +hoist no-transaction\n-- +hoist up\nSET work_mem = '7MB';\nCREATE TABLE s2 (id INTEGER);\n")},
	}
	if _, err := newMigrator(t, db, sdk.WithFS(fsys)).Up(ctx); err != nil {
		t.Fatalf("Up: %v", err)
	}
	for n, want := range before {
		if got := show(n); got != want {
			t.Errorf("after Up, the pooled session has %s = %q; want %q as before", n, got, want)
		}
	}
}
