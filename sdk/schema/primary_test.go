package schema_test

import (
	"strings"
	"testing"

	"github.com/hoistdb/hoist/sdk/schema"
)

// TestPrimaryKeyPlanErrors: a new primary key is refused, before any SQL
// runs, where some engine could not make it or would make something
// else: a nullable or missing column, a table keyed by a self-numbering
// column, a key that another table references.
func TestPrimaryKeyPlanErrors(t *testing.T) {
	t.Parallel()
	base := schema.Define(1, "base", func(s *schema.Builder) {
		s.CreateTable("users", func(t *schema.Table) { t.ID(); t.String("email", 100) })
		s.CreateTable("codes", func(t *schema.Table) {
			t.String("code", 20)
			t.Integer("rev")
			t.Text("note").Nullable()
			t.Primary("code")
		})
		s.CreateTable("uses", func(t *schema.Table) {
			t.ID()
			t.String("code", 20).Foreign().References("codes", "code")
		})
	})
	current, err := base.Apply(&schema.Schema{})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, table string
		cols        []string
		want        string
	}{
		{"nullable_column", "codes", []string{"code", "note"}, "table codes, column note: a primary key column must be NOT NULL"},
		{"missing_column", "codes", []string{"nope"}, "table codes, column nope: the primary key names a column the table does not have"},
		{"self_numbering", "users", []string{"email"}, "table users, column id: the table's key is its self-numbering column"},
		{"referenced", "codes", []string{"code", "rev"}, "foreign key uses_code_fkey of table uses references the primary key (code)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			d := schema.Define(2, "key", func(s *schema.Builder) {
				s.AlterTable(tt.table, func(t *schema.Table) { t.Primary(tt.cols...) })
			})
			if d.Err != nil {
				t.Fatalf("builder error %v; the mistake is for the plan to find", d.Err)
			}
			if _, err := d.Apply(current); err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error = %v, want one containing %q", err, tt.want)
			}
		})
	}
	t.Run("irreversible_without_down", func(t *testing.T) {
		d := schema.Define(2, "key", func(s *schema.Builder) {
			s.AlterTable("uses", func(t *schema.Table) { t.Primary("id") })
		})
		if d.Err != nil || d.Down != nil {
			t.Fatalf("Err %v, Down %v; want no error and no derived down (the old key is not described)", d.Err, d.Down)
		}
	})
	t.Run("no_columns", func(t *testing.T) {
		d := schema.Define(2, "key", func(s *schema.Builder) {
			s.AlterTable("codes", func(t *schema.Table) { t.Primary() })
		})
		if d.Err == nil || !strings.Contains(d.Err.Error(), "Primary needs at least one column") {
			t.Fatalf("Err = %v, want Primary without columns refused", d.Err)
		}
	})
}
