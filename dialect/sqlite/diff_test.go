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

// BenchmarkCompare is migrate:generate's work against a live database of
// 500 tables: inspect, settle the models' tables that differ in a
// scratch place, diff; models identical and with four changes.
func BenchmarkCompare(b *testing.B) {
	dialecttest.BenchCompare(b, sqlite.New(), func(t testing.TB) *testkit.DB { return testkit.SQLite(t) })
}
