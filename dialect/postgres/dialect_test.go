package postgres_test

import (
	"context"
	"errors"
	"testing"

	"github.com/hoistdb/hoist/dialect/dialecttest"
	"github.com/hoistdb/hoist/dialect/internal/enginetest"
	"github.com/hoistdb/hoist/dialect/postgres"
	"github.com/hoistdb/hoist/testkit"
)

// TestConformance runs the checks every dialect passes on PostgreSQL,
// with history tables in schemas besides.
func TestConformance(t *testing.T) {
	t.Parallel()
	dialecttest.Run(t, postgres.New(), func(t testing.TB) *testkit.DB { return testkit.Postgres(t) },
		dialecttest.WithHistoryTables(func(t testing.TB, db *testkit.DB) []string {
			if _, err := db.DB.ExecContext(context.Background(), `CREATE SCHEMA app; CREATE SCHEMA "we""ird"`); err != nil {
				t.Fatal(err)
			}
			return []string{"app.hoist_migrations", `we"ird.hoist "migrations"`}
		}))
}

func TestDialect(t *testing.T) {
	t.Parallel()
	d := postgres.New()
	if got := d.Name(); got != "postgres" {
		t.Errorf("Name() = %q, want postgres", got)
	}
	if !d.TransactionalDDL() {
		t.Error("TransactionalDDL() = false, want true")
	}
}

func TestQuoteIdent(t *testing.T) {
	t.Parallel()
	d := postgres.New()
	enginetest.Pins(t, []enginetest.Pin{
		{Name: "plain", Got: d.QuoteIdent("hoist_migrations"), Want: `"hoist_migrations"`},
		{Name: "mixed_case", Got: d.QuoteIdent("HoistMigrations"), Want: `"HoistMigrations"`},
		{Name: "schema_qualified", Got: d.QuoteIdent("app.hoist_migrations"), Want: `"app"."hoist_migrations"`},
		{Name: "embedded_quote", Got: d.QuoteIdent(`we"ird`), Want: `"we""ird"`},
		{Name: "qualified_with_quotes", Got: d.QuoteIdent(`a"pp.hoist "x"`), Want: `"a""pp"."hoist ""x"""`},
		{Name: "backtick_untouched", Got: d.QuoteIdent("a`b"), Want: "\"a`b\""},
	})
}

// TestIsMissingTable adds PostgreSQL's own cases to the suite's: a
// missing schema, and the error as text only.
func TestIsMissingTable(t *testing.T) {
	t.Parallel()
	db := testkit.Postgres(t)
	d := postgres.New()
	ctx := context.Background()

	_, missing := db.DB.ExecContext(ctx, "SELECT * FROM no_such_table")
	_, missingInSchema := db.DB.ExecContext(ctx, "SELECT * FROM no_such_schema.no_such_table")
	if missing == nil || missingInSchema == nil {
		t.Fatalf("the statements did not fail: %v, %v", missing, missingInSchema)
	}

	enginetest.IsMissingTable(t, d, []enginetest.MissingTable{
		{Name: "missing_table_in_missing_schema", Err: missingInSchema, Want: true},
		{Name: "text_only", Err: errors.New(missing.Error()), Want: true},
		{Name: "other_text", Err: errors.New("relation does not exist"), Want: false},
	})
}
