package sqlite_test

import (
	"testing"

	"github.com/hoistdb/hoist/dialect/dialecttest"
	"github.com/hoistdb/hoist/dialect/sqlite"
	"github.com/hoistdb/hoist/testkit"
)

// TestSchemaDiff checks the schema diff, its rendering and its scratch
// place against the real engine.
func TestSchemaDiff(t *testing.T) {
	t.Parallel()
	dialecttest.RunSchemaDiff(t, sqlite.New(), func(t testing.TB) *testkit.DB { return testkit.SQLite(t) })
}
