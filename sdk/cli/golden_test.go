package cli_test

import (
	"flag"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// updateGolden reports whether -update was given. The flag is defined
// by testkit when it is linked, else here.
func updateGolden() bool {
	f := flag.Lookup("update")
	return f != nil && f.Value.String() == "true"
}

func init() {
	if flag.Lookup("update") == nil {
		flag.Bool("update", false, "rewrite testdata/*.golden with what the tests got")
	}
}

// golden compares got with testdata/<name>.golden, or writes it there
// with -update.
func golden(t *testing.T, name, got string) {
	t.Helper()
	file := filepath.Join("testdata", name+".golden")
	if updateGolden() {
		if err := os.MkdirAll(filepath.Dir(file), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(file, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(file)
	if err != nil {
		t.Fatalf("%v (run go test -run '%s' -update to write it)", err, t.Name())
	}
	if string(want) != got {
		t.Errorf("%s differs from what the test got (run with -update to rewrite it after checking)\n%s", file, lineDiff(string(want), got))
	}
}

// lineDiff lists the lines that differ, with their numbers.
func lineDiff(want, got string) string {
	w, g := strings.Split(want, "\n"), strings.Split(got, "\n")
	var b strings.Builder
	for i := 0; i < max(len(w), len(g)); i++ {
		var wl, gl string
		if i < len(w) {
			wl = w[i]
		}
		if i < len(g) {
			gl = g[i]
		}
		if wl != gl {
			b.WriteString("line " + strconv.Itoa(i+1) + ":\n  want: " + wl + "\n  got:  " + gl + "\n")
		}
	}
	return b.String()
}

// Volatile parts of the commands' output.
var (
	reTimestamp = regexp.MustCompile(`\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}:\d{2}(\.\d+)?Z?`)
	reDuration  = regexp.MustCompile(`\b(\d+(\.\d+)?(ns|µs|us|ms|s|m|h))+\b`)
	reMillis    = regexp.MustCompile(`"(duration_ms|execution_ms)": [0-9.]+`)
)

// normalize replaces what changes from run to run: the given strings
// (temporary directories, versions) by their names, then timestamps and
// durations.
func normalize(s string, replace ...string) string {
	s = strings.NewReplacer(replace...).Replace(s)
	s = reTimestamp.ReplaceAllString(s, "TIMESTAMP")
	s = reMillis.ReplaceAllString(s, `"$1": MS`)
	return reDuration.ReplaceAllString(s, "DURATION")
}
