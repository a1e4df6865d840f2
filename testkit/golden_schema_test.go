package testkit_test

import (
	"database/sql"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hoistdb/hoist/sdk"
	"github.com/hoistdb/hoist/sdk/schema"
	"github.com/hoistdb/hoist/testkit"
)

// gdUser and gdPost are the models of the GoldenDiff tests: users as the
// migration makes it, plus a nullable phone and a wider email, and a
// new posts table.
type gdUser struct {
	ID    int64          `db:"id" hoist:"pk;autoincrement"`
	Name  string         `db:"name" hoist:"size:100"`
	Email string         `db:"email" hoist:"size:500"`
	Phone sql.NullString `db:"phone" hoist:"size:30"`
}

func (gdUser) TableName() string { return "users" }

type gdPost struct {
	ID     int64  `db:"id" hoist:"pk;autoincrement"`
	UserID int64  `db:"user_id" hoist:"fk:users.id;ondelete:cascade"`
	Title  string `db:"title" hoist:"size:200"`
}

func (gdPost) TableName() string { return "posts" }

var gdUsersMigration = schema.Migration(1, "users", func(s *schema.Builder) {
	s.CreateTable("users", func(t *schema.Table) { t.ID(); t.String("name", 100); t.String("email", 255) })
})

var gdKinds = []struct {
	name string
	kind testkit.Kind
}{{"postgres", testkit.Postgres}, {"mysql", testkit.MySQL}, {"sqlite", testkit.SQLite}}

// TestGoldenDiff pins, per engine, the migration the models need on top
// of the migrations: create posts, add phone, widen email.
func TestGoldenDiff(t *testing.T) {
	t.Parallel()
	m, err := schema.FromModels(gdUser{}, gdPost{})
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range gdKinds {
		t.Run(k.name, func(t *testing.T) {
			t.Parallel()
			testkit.GoldenDiff(t, k.kind, m, sdk.WithMigrations(gdUsersMigration))
		})
	}
}

// TestGoldenDiffAgrees: models that match the migrations give an empty
// golden file (testdata/TestGoldenDiffAgrees/*.golden are empty).
func TestGoldenDiffAgrees(t *testing.T) {
	t.Parallel()
	type user struct {
		ID    int64  `db:"id" hoist:"pk;autoincrement"`
		Name  string `db:"name" hoist:"size:100"`
		Email string `db:"email" hoist:"size:255"`
	}
	m, err := schema.FromModels(user{})
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range gdKinds {
		t.Run(k.name, func(t *testing.T) {
			t.Parallel()
			b, err := os.ReadFile(filepath.Join("testdata", t.Name()+".golden"))
			if err != nil || strings.TrimSpace(string(b)) != "" {
				t.Fatalf("the golden file must exist and be empty: %q, %v", b, err)
			}
			testkit.GoldenDiff(t, k.kind, m, sdk.WithMigrations(gdUsersMigration))
		})
	}
}

// TestGoldenDiffFails: a model changed without a migration fails the
// test, with the missing migration in the diff.
func TestGoldenDiffFails(t *testing.T) {
	m, err := schema.FromModels(gdUser{}, gdPost{})
	if err != nil {
		t.Fatal(err)
	}
	dir := goldenDir(t, "TestGoldenDiffFails", "")
	if err := os.MkdirAll(filepath.Join(dir, "testdata"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "testdata", "TestGoldenDiffFails.golden"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	rec := tkRecord(t, func(t testing.TB) { testkit.GoldenDiff(t, testkit.SQLite, m, sdk.WithMigrations(gdUsersMigration)) })
	if !rec.Failed() || !strings.Contains(rec.output(), `+ALTER TABLE "users" ADD COLUMN "phone"`) {
		t.Fatalf("GoldenDiff with an empty golden and changed models: failed=%v, want a failure showing the missing migration:\n%s", rec.Failed(), rec.output())
	}
}
