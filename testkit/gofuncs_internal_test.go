package testkit

import "testing"

// Where the platform cannot tell where a closure lies, the symbol decides:
// only declared functions and methods are known to capture nothing.
func TestLiteralName(t *testing.T) {
	for name, literal := range map[string]bool{
		"app/migrations.addUsers":                   false,
		"app/migrations.(*Set).Up":                  false,
		"app/migrations.Set.Up":                     false,
		"app/migrations.All.func3":                  true,
		"app/migrations.All.func3.1":                true,
		"app/migrations_test.TestX.func1.createT.1": true,
		"app/migrations.(*Set).Up-fm":               true,
		"app/migrations.F.gowrap2":                  true,
		"app/migrations.F-range1":                   true,
	} {
		if got := literalName.MatchString(name); got != literal {
			t.Errorf("literalName(%q) = %t, want %t", name, got, literal)
		}
	}
}
