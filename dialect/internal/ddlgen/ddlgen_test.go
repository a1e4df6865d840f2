package ddlgen

import (
	"testing"

	"github.com/hoistdb/hoist/sdk/schema"
)

func TestNumber(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"1.50": "1.5", "0.00": "0", "-1": "-1", "+3": "3", "10": "10", "100.0": "100", "1e3": "1000", " 2.0 ": "2", "-0.0": "0",
	} {
		if got, ok := Number(in); !ok || got != want {
			t.Errorf("Number(%q) = %q, %v; want %q", in, got, ok, want)
		}
	}
	for _, in := range []string{"", "x", "'1'", "1,5"} {
		if got, ok := Number(in); ok {
			t.Errorf("Number(%q) = %q, true; want not a number", in, got)
		}
	}
}

func TestUnquote(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in          string
		backslashes bool
		want        string
		ok          bool
	}{
		{`'it''s'`, false, `it's`, true},
		{`'a\b'`, false, `a\b`, true},
		{`'a\\b'`, true, `a\b`, true},
		{`'a\'b'`, true, `a'b`, true},
		{`'line\n'`, true, "line\n", true},
		{`''`, false, ``, true},
		{`x`, false, ``, false},
		{`'open`, false, ``, false},
	}
	for _, tt := range tests {
		got, ok := Unquote(tt.in, tt.backslashes)
		if got != tt.want || ok != tt.ok {
			t.Errorf("Unquote(%q, %v) = %q, %v; want %q, %v", tt.in, tt.backslashes, got, ok, tt.want, tt.ok)
		}
	}
}

func TestIsNow(t *testing.T) {
	t.Parallel()
	for _, in := range []string{"CURRENT_TIMESTAMP", "now()", "current_timestamp()", "current_timestamp(6)", " Now() "} {
		if !IsNow(in) {
			t.Errorf("IsNow(%q) = false, want true", in)
		}
	}
	for _, in := range []string{"'now'", "nextval('x')", "CURRENT_DATE", ""} {
		if IsNow(in) {
			t.Errorf("IsNow(%q) = true, want false", in)
		}
	}
}

func TestLiteral(t *testing.T) {
	t.Parallel()
	tests := []struct {
		typ  schema.Type
		in   string
		want string
	}{
		{schema.TypeBoolean, "1", "true"},
		{schema.TypeBoolean, "f", "false"},
		{schema.TypeDecimal, "0.00", "0"},
		{schema.TypeInteger, "-1", "-1"},
		{schema.TypeString, "0.00", "0.00"},
		{schema.TypeText, "true", "true"},
	}
	for _, tt := range tests {
		if got := Literal(&schema.ColumnDef{Type: tt.typ}, tt.in); got.Value != tt.want || got.Expr {
			t.Errorf("Literal(%s, %q) = %+v, want %q", tt.typ, tt.in, got, tt.want)
		}
	}
}
