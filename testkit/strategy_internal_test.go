package testkit

import (
	"context"
	"strings"
	"testing"

	"github.com/hoistdb/hoist/sdk"
)

// TestPostgresStrategy: the clone strategy follows the server's fsync
// setting, the way the measurements in docs/testing.md point.
func TestPostgresStrategy(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		version     int
		fsync, want string
		whyMentions string
	}{
		{140010, "on", "", "before PostgreSQL 15"},
		{150004, "on", "WAL_LOG", "fsync is on"},
		{170000, "off", "FILE_COPY", "fsync is off"},
	} {
		got, why := postgresStrategy(c.version, c.fsync)
		if got != c.want || !strings.Contains(why, c.whyMentions) {
			t.Errorf("postgresStrategy(%d, %q) = %q, %q; want %q, saying %q", c.version, c.fsync, got, why, c.want, c.whyMentions)
		}
	}
}

// TestPostgresStrategyOfServer: the server the tests use gets the
// strategy its own fsync setting calls for, the -v log line that says
// where databases come from names it, and a migrated clone made with it
// works.
func TestPostgresStrategyOfServer(t *testing.T) {
	t.Parallel()
	_, srv := engineNamed(t, "postgres")
	ps := srv.(*postgresServer)
	var fsync string
	if err := ps.admin.QueryRowContext(context.Background(), "SHOW fsync").Scan(&fsync); err != nil {
		t.Fatal(err)
	}
	want, _ := postgresStrategy(ps.versionNum, fsync)
	if ps.strategy != want {
		t.Errorf("server with fsync=%s clones with %q; want %q", fsync, ps.strategy, want)
	}
	if want != "" && !strings.Contains(ps.where(), "STRATEGY "+want) {
		t.Errorf("where() = %q; want it to name STRATEGY %s", ps.where(), want)
	}
	opts := []sdk.Option{sdk.WithFS(HundredMigrations("TestPostgresStrategyOfServer"))}
	DropTemplateAtEnd(t, "postgres", opts...)
	db := Migrated(t, Postgres, opts...)
	var n int
	if err := db.DB.QueryRowContext(context.Background(), "SELECT count(*) FROM t4").Scan(&n); err != nil || n != 3 {
		t.Errorf("the clone's t4 has %d rows (%v); want the 3 the migrations insert", n, err)
	}
}
