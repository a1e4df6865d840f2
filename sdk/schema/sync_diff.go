package schema

import (
	"fmt"
	"strings"
)

// UnifiedDiff returns the changes from old to new as a unified diff
// (diff -u, three lines of context) with headers naming path, or ""
// when they are equal; old is empty for a new file. models:sync
// --dry-run prints it, so that the change can be reviewed before it is
// written. Model files are small, so a plain longest-common-subsequence
// table is enough.
func UnifiedDiff(path string, old, new []byte) string {
	if string(old) == string(new) {
		return ""
	}
	a, b := diffSplit(string(old)), diffSplit(string(new))
	n, m := len(a), len(b)
	lcs := make([][]int, n+1)
	for i := range lcs {
		lcs[i] = make([]int, m+1)
	}
	for i := n - 1; i >= 0; i-- {
		for j := m - 1; j >= 0; j-- {
			if a[i] == b[j] {
				lcs[i][j] = lcs[i+1][j+1] + 1
			} else {
				lcs[i][j] = max(lcs[i+1][j], lcs[i][j+1])
			}
		}
	}
	type op struct {
		kind byte
		line string
		ai   int // lines of a before this one
		bi   int
	}
	var ops []op
	i, j := 0, 0
	for i < n || j < m {
		switch {
		case i < n && j < m && a[i] == b[j]:
			ops = append(ops, op{' ', a[i], i, j})
			i, j = i+1, j+1
		case i < n && (j == m || lcs[i+1][j] >= lcs[i][j+1]):
			ops = append(ops, op{'-', a[i], i, j})
			i++
		default:
			ops = append(ops, op{'+', b[j], i, j})
			j++
		}
	}
	from := "a/" + path
	if len(old) == 0 {
		from = "/dev/null"
	}
	var out strings.Builder
	fmt.Fprintf(&out, "--- %s\n+++ b/%s\n", from, path)
	const context = 3
	for k := 0; k < len(ops); {
		for k < len(ops) && ops[k].kind == ' ' {
			k++
		}
		if k == len(ops) {
			break
		}
		lo, end := max(0, k-context), k
		for x := k; x < len(ops) && x-end <= 2*context; x++ {
			if ops[x].kind != ' ' {
				end = x
			}
		}
		hi := min(len(ops), end+1+context)
		var al, bl int
		for _, o := range ops[lo:hi] {
			if o.kind != '+' {
				al++
			}
			if o.kind != '-' {
				bl++
			}
		}
		as, bs := ops[lo].ai+1, ops[lo].bi+1
		if al == 0 {
			as--
		}
		if bl == 0 {
			bs--
		}
		fmt.Fprintf(&out, "@@ -%d,%d +%d,%d @@\n", as, al, bs, bl)
		for _, o := range ops[lo:hi] {
			out.WriteByte(o.kind)
			out.WriteString(o.line)
			out.WriteByte('\n')
		}
		k = hi
	}
	return out.String()
}

func diffSplit(s string) []string {
	if s == "" {
		return nil
	}
	return strings.Split(strings.TrimSuffix(s, "\n"), "\n")
}
