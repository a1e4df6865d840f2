package testkit_test

import (
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hoistdb/hoist/testkit"
)

// goldenDir makes a temporary package directory with testdata/<name>.golden
// holding content (none when content is ""), makes it the working
// directory for the rest of the test, and clears HOIST_UPDATE and CI.
// Tests that call it cannot run in parallel.
func goldenDir(t *testing.T, name, content string) string {
	t.Helper()
	dir := t.TempDir()
	if content != "" {
		file := filepath.Join(dir, "testdata", name+".golden")
		if err := os.MkdirAll(filepath.Dir(file), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(file, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	t.Chdir(dir)
	t.Setenv("HOIST_UPDATE", "")
	t.Setenv("CI", "")
	return dir
}

func TestGoldenMatch(t *testing.T) {
	goldenDir(t, "sub/report", "line one\r\nline two   \r\n\r\n\r\n")
	rec := tkRecord(t, func(t testing.TB) { testkit.Golden(t, "sub/report", "line one\nline two\t\n") })
	if rec.Failed() {
		t.Errorf("Golden failed on text that differs only in line endings and trailing blanks:\n%s", rec.output())
	}
}

func TestGoldenMismatch(t *testing.T) {
	goldenDir(t, "report", "a\nb\nc\nd\ne\nf\ng\nh\n")
	rec := tkRecord(t, func(t testing.TB) {
		testkit.Golden(t, "report", "a\nb\nc\nD\ne\nf\ng\nh\ni\n")
	})
	out := rec.output()
	if !rec.Failed() || rec.fatal {
		t.Fatalf("Golden on a mismatch: failed=%v fatal=%v, want an Errorf:\n%s", rec.Failed(), rec.fatal, out)
	}
	want := `--- testdata/report.golden
+++ got
@@ -1,8 +1,9 @@
 a
 b
 c
-d
+D
 e
 f
 g
 h
+i
`
	for _, w := range []string{want, "rerun with -update (or HOIST_UPDATE=1)", "go test -run '^TestGoldenMismatch$' -update"} {
		if !strings.Contains(out, w) {
			t.Errorf("report:\n%s\nwant it to contain:\n%s", out, w)
		}
	}
}

func TestGoldenMissing(t *testing.T) {
	goldenDir(t, "absent", "")
	rec := tkRecord(t, func(t testing.TB) { testkit.Golden(t, "absent", "x") })
	if out := rec.output(); !rec.fatal || !strings.Contains(out, "testdata/absent.golden does not exist") || !strings.Contains(out, "-update") {
		t.Errorf("report:\n%s\nwant a fatal error saying how to create the file", out)
	}
}

func TestGoldenBadName(t *testing.T) {
	goldenDir(t, "x", "")
	for _, name := range []string{"", "../escape", "/abs", "a/../../b"} {
		rec := tkRecord(t, func(t testing.TB) { testkit.Golden(t, name, "x") })
		if !rec.fatal {
			t.Errorf("Golden(%q) did not fail", name)
		}
	}
}

func TestGoldenUpdateEnv(t *testing.T) {
	dir := goldenDir(t, "report", "old\n")
	t.Setenv("HOIST_UPDATE", "1")
	rec := tkRecord(t, func(t testing.TB) { testkit.Golden(t, "report", "new  \r\nlines\n\n") })
	if rec.Failed() {
		t.Fatalf("update failed:\n%s", rec.output())
	}
	b, err := os.ReadFile(filepath.Join(dir, "testdata", "report.golden"))
	if err != nil {
		t.Fatal(err)
	}
	if got, want := string(b), "new\nlines\n"; got != want {
		t.Errorf("golden file = %q, want %q", got, want)
	}

	// New files and directories are created too.
	rec = tkRecord(t, func(t testing.TB) { testkit.Golden(t, "deep/er/fresh", "x") })
	if rec.Failed() {
		t.Fatalf("update failed:\n%s", rec.output())
	}
	if _, err := os.Stat(filepath.Join(dir, "testdata", "deep", "er", "fresh.golden")); err != nil {
		t.Error(err)
	}

	// Without the variable the rewritten files match.
	t.Setenv("HOIST_UPDATE", "")
	rec = tkRecord(t, func(t testing.TB) { testkit.Golden(t, "report", "new\nlines") })
	if rec.Failed() {
		t.Errorf("rewritten golden file does not match:\n%s", rec.output())
	}
}

func TestGoldenRefusesUpdateInCI(t *testing.T) {
	dir := goldenDir(t, "report", "old\n")
	t.Setenv("HOIST_UPDATE", "1")
	t.Setenv("CI", "true")
	rec := tkRecord(t, func(t testing.TB) { testkit.Golden(t, "report", "new\n") })
	if out := rec.output(); !rec.fatal || !strings.Contains(out, "refusing to rewrite testdata/report.golden because CI=true") {
		t.Errorf("report:\n%s\nwant a refusal", out)
	}
	b, err := os.ReadFile(filepath.Join(dir, "testdata", "report.golden"))
	if err != nil {
		t.Fatal(err)
	}
	if string(b) != "old\n" {
		t.Errorf("golden file rewritten under CI: %q", b)
	}
}

func TestGoldenUpdateFlag(t *testing.T) {
	f := flag.Lookup("update")
	if f == nil {
		t.Fatal("no -update flag defined")
	}
	dir := goldenDir(t, "report", "old\n")
	if err := f.Value.Set("true"); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = f.Value.Set("false") })
	rec := tkRecord(t, func(t testing.TB) { testkit.Golden(t, "report", "new\n") })
	if rec.Failed() {
		t.Fatalf("update failed:\n%s", rec.output())
	}
	if b, err := os.ReadFile(filepath.Join(dir, "testdata", "report.golden")); err != nil || string(b) != "new\n" {
		t.Errorf("golden file = %q, %v; want %q", b, err, "new\n")
	}
}
