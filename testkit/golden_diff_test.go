package testkit

import (
	"math/rand/v2"
	"strings"
	"testing"
)

func TestUnifiedDiff(t *testing.T) {
	tests := []struct {
		name, a, b, want string
	}{
		{name: "equal", a: "x\ny\n", b: "x\ny\n", want: ""},
		{name: "from_empty", a: "", b: "x\ny\n", want: "--- a\n+++ b\n@@ -0,0 +1,2 @@\n+x\n+y"},
		{name: "to_empty", a: "x\n", b: "", want: "--- a\n+++ b\n@@ -1 +0,0 @@\n-x"},
		{
			name: "two_hunks",
			a:    "1\n2\n3\n4\n5\n6\n7\n8\n9\n10\n11\n12\n13\n14\n15\n",
			b:    "1\n2\nthree\n4\n5\n6\n7\n8\n9\n10\n11\n12\n13\n15\n",
			want: "--- a\n+++ b\n@@ -1,6 +1,6 @@\n 1\n 2\n-3\n+three\n 4\n 5\n 6\n@@ -11,5 +11,4 @@\n 11\n 12\n 13\n-14\n 15",
		},
		{
			name: "insert_in_middle",
			a:    "a\nb\nc\n",
			b:    "a\nb\nnew\nc\n",
			want: "--- a\n+++ b\n@@ -1,3 +1,4 @@\n a\n b\n+new\n c",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := unifiedDiff("a", "b", tt.a, tt.b); got != tt.want {
				t.Errorf("unifiedDiff:\n%s\nwant:\n%s", got, tt.want)
			}
		})
	}
}

// TestDiffLinesMinimal checks on random inputs that the edit script turns
// a into b and is as short as the longest common subsequence allows.
func TestDiffLinesMinimal(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	words := []string{"a", "b", "c", "d"}
	gen := func() []string {
		out := make([]string, r.IntN(12))
		for i := range out {
			out[i] = words[r.IntN(len(words))]
		}
		return out
	}
	for range 2000 {
		a, b := gen(), gen()
		var gotA, gotB []string
		edits := 0
		for _, e := range diffLines(a, b) {
			if e.op != '+' {
				gotA = append(gotA, e.line)
			}
			if e.op != '-' {
				gotB = append(gotB, e.line)
			}
			if e.op != ' ' {
				edits++
			}
		}
		if strings.Join(gotA, ",") != strings.Join(a, ",") || strings.Join(gotB, ",") != strings.Join(b, ",") {
			t.Fatalf("diff of %q and %q does not rebuild them: %q and %q", a, b, gotA, gotB)
		}
		if want := len(a) + len(b) - 2*lcs(a, b); edits != want {
			t.Fatalf("diff of %q and %q has %d edits, want %d", a, b, edits, want)
		}
	}
}

func lcs(a, b []string) int {
	dp := make([][]int, len(a)+1)
	for i := range dp {
		dp[i] = make([]int, len(b)+1)
	}
	for i := len(a) - 1; i >= 0; i-- {
		for j := len(b) - 1; j >= 0; j-- {
			if a[i] == b[j] {
				dp[i][j] = dp[i+1][j+1] + 1
			} else {
				dp[i][j] = max(dp[i+1][j], dp[i][j+1])
			}
		}
	}
	return dp[0][0]
}

// TestDiffLinesLarge checks the fallback for texts too different to diff
// line by line.
func TestDiffLinesLarge(t *testing.T) {
	var a, b []string
	for i := range 3000 {
		a = append(a, "a"+strings.Repeat("x", i%7))
		b = append(b, "b"+strings.Repeat("y", i%5))
	}
	ops := map[byte]int{}
	for _, e := range diffLines(a, b) {
		ops[e.op]++
	}
	if ops['-'] != len(a) || ops['+'] != len(b) || ops[' '] != 0 {
		t.Errorf("ops = %v, want all of a removed and all of b added", ops)
	}
}

func TestNormalizeSQL(t *testing.T) {
	tests := []struct{ in, want string }{
		{"SELECT  a ,b\n FROM t ;", "SELECT a, b FROM t"},
		{"f( x )  -- comment\n/* more */ WHERE s = 'two  spaces'", "f(x) WHERE s = 'two  spaces'"},
		{`CREATE INDEX "my  idx" ON t (a)`, `CREATE INDEX "my  idx" ON t (a)`},
	}
	for _, tt := range tests {
		if got := normalizeSQL(tt.in); got != tt.want {
			t.Errorf("normalizeSQL(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
	if got, want := afterName(`CREATE UNIQUE INDEX IF NOT EXISTS main.x ON t (a)`), "ON t (a)"; got != want {
		t.Errorf("afterName = %q, want %q", got, want)
	}
}
