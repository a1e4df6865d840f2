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

// TestRenderDDL pins the DDL of the suite's builder migrations, up and
// down, as sqlite spells it.
func TestRenderDDL(t *testing.T) {
	t.Parallel()
	testkit.Golden(t, "schema_ddl.sql", dialecttest.RenderSchema(t, sqlite.New()))
}

// BenchmarkInspect reads a schema of 500 tables, 1,000 foreign keys and
// 100 enums back.
func BenchmarkInspect(b *testing.B) {
	dialecttest.BenchInspect(b, sqlite.New(), func(t testing.TB) *testkit.DB { return testkit.SQLite(t) })
}
