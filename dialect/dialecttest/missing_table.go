package dialecttest

import (
	"context"
	"fmt"
	"testing"

	"github.com/hoistdb/hoist/dialect"
	"github.com/hoistdb/hoist/dialect/internal/enginetest"
)

// isMissingTable feeds IsMissingTable the engine's own errors, and
// IsBusy where the dialect has it. Each dialect's tests add what only its
// engine and drivers produce (a busy error among them: how to make one
// differs from engine to engine).
func (s *suite) isMissingTable(t *testing.T) {
	t.Parallel()
	db := s.open(t)
	ctx := context.Background()

	_, missing := db.DB.ExecContext(ctx, "SELECT * FROM no_such_table")
	_, syntax := db.DB.ExecContext(ctx, "SELEC 1")
	_, missingColumn := db.DB.ExecContext(ctx, "SELECT no_such_column")
	if missing == nil || syntax == nil || missingColumn == nil {
		t.Fatalf("a statement did not fail: %v, %v, %v", missing, syntax, missingColumn)
	}
	enginetest.IsMissingTable(t, s.d, []enginetest.MissingTable{
		{Name: "missing_table", Err: missing, Want: true},
		{Name: "wrapped", Err: fmt.Errorf("read history: %w", missing), Want: true},
		{Name: "syntax_error", Err: syntax, Want: false},
		{Name: "missing_column", Err: missingColumn, Want: false},
		{Name: "nil", Err: nil, Want: false},
	})
	if b, ok := s.d.(dialect.BusyErrors); ok {
		for name, err := range map[string]error{"missing_table": missing, "syntax_error": syntax, "missing_column": missingColumn, "nil": nil} {
			if b.IsBusy(err) {
				t.Errorf("%s: IsBusy(%v) = true; an error that waiting cannot end is not busy", name, err)
			}
		}
	}
}
