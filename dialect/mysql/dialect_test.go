package mysql_test

import (
	"context"
	"errors"
	"testing"

	"github.com/hoistdb/hoist/dialect/dialecttest"
	"github.com/hoistdb/hoist/dialect/internal/enginetest"
	"github.com/hoistdb/hoist/dialect/mysql"
	"github.com/hoistdb/hoist/embedfs"
	"github.com/hoistdb/hoist/testkit"
)

// TestConformance runs the checks every dialect passes on MySQL or
// MariaDB, with a history table qualified by its database besides.
// testkit's DSN lacks parseTime=true, as hoist's users' may, so
// DATETIME(6) comes back as text.
func TestConformance(t *testing.T) {
	t.Parallel()
	dialecttest.Run(t, mysql.New(), func(t testing.TB) *testkit.DB { return testkit.MySQL(t) },
		dialecttest.WithTextTimestamps("2006-01-02 15:04:05.999999"),
		dialecttest.WithHistoryTables(func(t testing.TB, db *testkit.DB) []string {
			var database string
			if err := db.DB.QueryRowContext(context.Background(), "SELECT DATABASE()").Scan(&database); err != nil {
				t.Fatal(err)
			}
			return []string{database + ".qualified_migrations"}
		}))
}

func TestDialect(t *testing.T) {
	t.Parallel()
	d := mysql.New()
	if got := d.Name(); got != "mysql" {
		t.Errorf("Name() = %q, want mysql", got)
	}
	if d.TransactionalDDL() {
		t.Error("TransactionalDDL() = true, want false")
	}
	if got, want := d.Syntax(), (embedfs.Syntax{BackslashEscapes: true, HashComments: true}); got != want {
		t.Errorf("Syntax() = %+v, want %+v", got, want)
	}
}

func TestQuoteIdent(t *testing.T) {
	t.Parallel()
	d := mysql.New()
	enginetest.Pins(t, []enginetest.Pin{
		{Name: "plain", Got: d.QuoteIdent("hoist_migrations"), Want: "`hoist_migrations`"},
		{Name: "mixed_case", Got: d.QuoteIdent("HoistMigrations"), Want: "`HoistMigrations`"},
		{Name: "database_qualified", Got: d.QuoteIdent("app.hoist_migrations"), Want: "`app`.`hoist_migrations`"},
		{Name: "embedded_backtick", Got: d.QuoteIdent("we`ird"), Want: "`we``ird`"},
		{Name: "qualified_with_backticks", Got: d.QuoteIdent("a`pp.hoist `x`"), Want: "`a``pp`.`hoist ``x```"},
		{Name: "double_quote_untouched", Got: d.QuoteIdent(`a"b`), Want: "`a\"b`"},
	})
}

// TestIsMissingTable adds MySQL's own cases to the suite's: a missing
// database, and the message formats of go-sql-driver before and after
// version 1.8.
func TestIsMissingTable(t *testing.T) {
	t.Parallel()
	db := testkit.MySQL(t)
	d := mysql.New()

	_, missingInDatabase := db.DB.ExecContext(context.Background(), "SELECT * FROM no_such_database.no_such_table")
	if missingInDatabase == nil {
		t.Fatal("the statement did not fail")
	}

	enginetest.IsMissingTable(t, d, []enginetest.MissingTable{
		{Name: "missing_table_in_missing_database", Err: missingInDatabase, Want: true},
		{Name: "old_driver_format", Err: errors.New("Error 1146: Table 'app.t' doesn't exist"), Want: true},
		{Name: "other_number", Err: errors.New("Error 11460 (HY000): something else"), Want: false},
	})
}
