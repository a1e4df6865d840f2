package schema_test

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/hoistdb/hoist/sdk/schema"
)

// TestSyncEnumMembersDiffer: an enum type the package already has is
// not rewritten, and when its members differ from the column's, a note
// says so instead of a silent mismatch.
func TestSyncEnumMembersDiffer(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(t.TempDir(), "models")
	writeModels(t, dir, map[string]string{"status.go": "package models\n\ntype Status string\n\nconst (\n\tStatusA Status = \"A\"\n)\n"})
	live := &schema.Schema{Tables: []*schema.TableDef{{
		Name:       "jobs",
		PrimaryKey: []string{"id"},
		Columns: []*schema.ColumnDef{
			{Name: "id", Type: schema.TypeBigInt},
			{Name: "state", Type: schema.TypeEnum, Enum: "Status", Values: []string{"A", "B"}},
		},
	}}}
	res, err := schema.Sync(live, schema.SyncOptions{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Files) != 1 || filepath.Base(res.Files[0].Path) != "job.go" || !strings.Contains(string(res.Files[0].New), "State Status `db:\"state\"`") {
		t.Fatalf("files %v; want only job.go, with State of the existing type Status", res.Files)
	}
	if !strings.Contains(strings.Join(res.Notes, "\n"), "enum type Status has the members [A], column jobs.state [A B]") {
		t.Fatalf("notes %q; want the differing members named", res.Notes)
	}
}

// TestUnifiedDiff: a changed line inside a file, and a new file from
// /dev/null.
func TestUnifiedDiff(t *testing.T) {
	t.Parallel()
	got := schema.UnifiedDiff("m.go", []byte("a\nb\nc\n"), []byte("a\nB\nc\n"))
	want := "--- a/m.go\n+++ b/m.go\n@@ -1,3 +1,3 @@\n a\n-b\n+B\n c\n"
	if got != want {
		t.Errorf("changed line:\n%s\nwant:\n%s", got, want)
	}
	got = schema.UnifiedDiff("n.go", nil, []byte("x\n"))
	if want := "--- /dev/null\n+++ b/n.go\n@@ -0,0 +1,1 @@\n+x\n"; got != want {
		t.Errorf("new file:\n%s\nwant:\n%s", got, want)
	}
	if got := schema.UnifiedDiff("m.go", []byte("a\n"), []byte("a\n")); got != "" {
		t.Errorf("equal files: %q, want nothing", got)
	}
}

// TestSyncFieldNameTaken: a new column whose field name the struct
// already uses for something that is no column is not added (that
// would not compile); a note says so, and the file stays as it was.
func TestSyncFieldNameTaken(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(t.TempDir(), "models")
	src := "package models\n\n// Post is a post.\ntype Post struct {\n\tID int64 `db:\"id\" hoist:\"pk\"`\n\tTags []string `db:\"-\"` // loaded apart\n}\n"
	writeModels(t, dir, map[string]string{"post.go": src})
	live := &schema.Schema{Tables: []*schema.TableDef{{
		Name:       "posts",
		PrimaryKey: []string{"id"},
		Columns:    []*schema.ColumnDef{{Name: "id", Type: schema.TypeBigInt}, {Name: "tags", Type: schema.TypeText}},
	}}}
	res, err := schema.Sync(live, schema.SyncOptions{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Files) != 0 {
		t.Fatalf("changed %s", schema.UnifiedDiff(res.Files[0].Path, res.Files[0].Old, res.Files[0].New))
	}
	if !strings.Contains(strings.Join(res.Notes, "\n"), "column tags would be the field Tags, which the struct has for something else") {
		t.Fatalf("notes %q; want the taken name said", res.Notes)
	}
}
