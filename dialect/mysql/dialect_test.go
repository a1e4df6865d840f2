package mysql_test

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/hoistdb/hoist/dialect/mysql"
	"github.com/hoistdb/hoist/testkit"
)

func TestDialect(t *testing.T) {
	t.Parallel()
	d := mysql.New()
	if got := d.Name(); got != "mysql" {
		t.Errorf("Name() = %q, want mysql", got)
	}
	if d.TransactionalDDL() {
		t.Error("TransactionalDDL() = true, want false")
	}
}

func TestQuoteIdent(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, in, want string
	}{
		{"plain", "hoist_migrations", "`hoist_migrations`"},
		{"mixed_case", "HoistMigrations", "`HoistMigrations`"},
		{"database_qualified", "app.hoist_migrations", "`app`.`hoist_migrations`"},
		{"embedded_backtick", "we`ird", "`we``ird`"},
		{"qualified_with_backticks", "a`pp.hoist `x`", "`a``pp`.`hoist ``x```"},
		{"double_quote_untouched", `a"b`, "`a\"b`"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := mysql.New().QuoteIdent(tt.in); got != tt.want {
				t.Errorf("QuoteIdent(%q) = %s, want %s", tt.in, got, tt.want)
			}
		})
	}
}

func TestIsMissingTable(t *testing.T) {
	t.Parallel()
	db := testkit.MySQL(t)
	d := mysql.New()
	ctx := context.Background()

	_, missing := db.DB.ExecContext(ctx, "SELECT * FROM no_such_table")
	_, missingInDatabase := db.DB.ExecContext(ctx, "SELECT * FROM no_such_database.no_such_table")
	_, syntax := db.DB.ExecContext(ctx, "SELEC 1")
	_, missingColumn := db.DB.ExecContext(ctx, "SELECT no_such_column")

	tests := []struct {
		name string
		err  error
		want bool
	}{
		{"missing_table", missing, true},
		{"missing_table_in_missing_database", missingInDatabase, true},
		{"wrapped", fmt.Errorf("read history: %w", missing), true},
		{"old_driver_format", errors.New("Error 1146: Table 'app.t' doesn't exist"), true},
		{"syntax_error", syntax, false},
		{"missing_column", missingColumn, false},
		{"other_number", errors.New("Error 11460 (HY000): something else"), false},
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
