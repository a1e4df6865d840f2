package sqlite_test

import (
	"testing"

	"github.com/hoistdb/hoist/dialect/dialecttest"
	"github.com/hoistdb/hoist/dialect/sqlite"
	"github.com/hoistdb/hoist/testkit"
)

// TestSchemaConformance builds, inspects and rolls back the suite's
// builder migrations on SQLite.
func TestSchemaConformance(t *testing.T) {
	t.Parallel()
	dialecttest.RunSchema(t, sqlite.New(), func(t testing.TB) *testkit.DB { return testkit.SQLite(t) })
}
