package dialecttest_test

import (
	"database/sql"
	"path/filepath"
	"testing"

	"github.com/hoistdb/hoist/dialect/dialecttest"
	"github.com/hoistdb/hoist/dialect/sqlite"
	"github.com/hoistdb/hoist/testkit"
)

// A dialect for an engine that testkit does not serve fills in a
// testkit.DB of its own: an open pool on a new, empty database, and the
// driver and DSN that open it again. Here the engine is SQLite, in a
// file of the test's temporary directory, and the test is the body of
// func TestConformance(t *testing.T).
func ExampleRun() {
	testConformance := func(t *testing.T) {
		d := sqlite.New()
		dialecttest.Run(t, d, func(t testing.TB) *testkit.DB {
			dsn := "file:" + filepath.Join(t.TempDir(), "test.db")
			db, err := sql.Open("sqlite", dsn)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { db.Close() })
			return &testkit.DB{DB: db, DSN: dsn, Driver: "sqlite", Dialect: d}
		}, dialecttest.WithLockOutlivingSession())
	}
	_ = testConformance
}
