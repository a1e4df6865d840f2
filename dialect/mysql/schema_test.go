package mysql_test

import (
	"testing"

	"github.com/hoistdb/hoist/dialect/dialecttest"
	"github.com/hoistdb/hoist/dialect/mysql"
	"github.com/hoistdb/hoist/testkit"
)

// TestSchemaConformance builds, inspects and rolls back the suite's
// builder migrations on MySQL or MariaDB.
func TestSchemaConformance(t *testing.T) {
	t.Parallel()
	dialecttest.RunSchema(t, mysql.New(), func(t testing.TB) *testkit.DB { return testkit.MySQL(t) })
}

// TestRenderDDL pins the DDL of the suite's builder migrations, up and
// down, as mysql spells it.
func TestRenderDDL(t *testing.T) {
	t.Parallel()
	testkit.Golden(t, "schema_ddl.sql", dialecttest.RenderSchema(t, mysql.New()))
}

// BenchmarkInspect reads a schema of 500 tables, 1,000 foreign keys and
// 100 enums back.
func BenchmarkInspect(b *testing.B) {
	dialecttest.BenchInspect(b, mysql.New(), func(t testing.TB) *testkit.DB { return testkit.MySQL(t) })
}
