package postgres_test

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/hoistdb/hoist/dialect/postgres"
	"github.com/hoistdb/hoist/testkit"
)

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
	tests := []struct {
		name, in, want string
	}{
		{"plain", "hoist_migrations", `"hoist_migrations"`},
		{"mixed_case", "HoistMigrations", `"HoistMigrations"`},
		{"schema_qualified", "app.hoist_migrations", `"app"."hoist_migrations"`},
		{"embedded_quote", `we"ird`, `"we""ird"`},
		{"qualified_with_quotes", `a"pp.hoist "x"`, `"a""pp"."hoist ""x"""`},
		{"backtick_untouched", "a`b", "\"a`b\""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := postgres.New().QuoteIdent(tt.in); got != tt.want {
				t.Errorf("QuoteIdent(%q) = %s, want %s", tt.in, got, tt.want)
			}
		})
	}
}

func TestIsMissingTable(t *testing.T) {
	t.Parallel()
	db := testkit.Postgres(t)
	d := postgres.New()
	ctx := context.Background()

	_, missing := db.DB.ExecContext(ctx, "SELECT * FROM no_such_table")
	_, missingInSchema := db.DB.ExecContext(ctx, "SELECT * FROM no_such_schema.no_such_table")
	_, syntax := db.DB.ExecContext(ctx, "SELEC 1")
	_, missingColumn := db.DB.ExecContext(ctx, "SELECT no_such_column")

	tests := []struct {
		name string
		err  error
		want bool
	}{
		{"missing_table", missing, true},
		{"missing_table_in_missing_schema", missingInSchema, true},
		{"wrapped", fmt.Errorf("read history: %w", missing), true},
		{"text_only", errors.New(missing.Error()), true},
		{"syntax_error", syntax, false},
		{"missing_column", missingColumn, false},
		{"other_text", errors.New("relation does not exist"), false},
		{"nil", nil, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.name != "nil" && tt.err == nil {
				t.Fatal("the statement did not fail")
			}
			if got := d.IsMissingTable(tt.err); got != tt.want {
				t.Errorf("IsMissingTable(%v) = %v, want %v", tt.err, got, tt.want)
			}
		})
	}
}
