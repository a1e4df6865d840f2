package sdk_test

import (
	"strings"
	"testing"
	"testing/fstest"

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
