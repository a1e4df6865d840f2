package schema_test

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"testing"

	"github.com/hoistdb/hoist/sdk"
	"github.com/hoistdb/hoist/sdk/schema"
	"github.com/hoistdb/hoist/testkit"
)

// syncDefs are the seed's relations (relationDefs) and an orders table
// with an enum, a decimal, JSON, a nullable text and defaults.
var syncDefs = append(append([]*schema.Definition{}, relationDefs...),
	schema.Define(4, "orders", func(s *schema.Builder) {
		s.CreateTable("orders", func(t *schema.Table) {
			t.ID()
			t.BigInteger("user_id")
			t.Enum("status", "PENDING", "PAID", "CANCELLED").EnumName("OrderStatus").Default("PENDING")
			t.Decimal("total", 10, 2).Default(0)
			t.JSON("meta").Nullable()
			t.Text("note").Nullable()
			t.Boolean("gift").Default(false)
			t.Timestamp("placed_at").UseCurrent()
			t.Index("status")
			t.ForeignKey("user_id").References("users", "id")
		})
	}))

// syncModels is a models package as an application keeps it: doc
// comments, methods, a field that is no column, an embedded type, a
// relation of its own, a column gone from the database (nickname), a
// string too short (email), a field of the wrong type (meta), a
// compatible sql.NullString (note), and no field yet for status.
var syncModels = map[string]string{
	"user.go": `// Package models holds the application's rows.
package models

import (
	"database/sql"
	"fmt"
	"strings"
)

// User is a person who signs in.
type User struct {
	// ID is the key.
	ID       int64          ` + "`db:\"id\" hoist:\"pk;autoincrement\"`" + `
	Email    string         ` + "`db:\"email\" hoist:\"size:100\" json:\"email\"`" + ` // shown on the profile
	Nickname sql.NullString ` + "`db:\"nickname\"`" + `

	Audit // bookkeeping shared by the models

	cache map[string]string
	Posts []string ` + "`db:\"-\"`" + ` // loaded by hand
}

// Audit is kept by the application, not by the database.
type Audit struct {
	Touched bool ` + "`db:\"-\"`" + `
}

// DisplayName is the name shown on screen.
func (u User) DisplayName() string { return strings.ToUpper(u.Email) }

func (u *User) String() string { return fmt.Sprintf("user %d", u.ID) }
`,
	"order.go": `package models

import (
	"database/sql"
	"time"
)

// Order is a purchase.
type Order struct {
	ID     int64  ` + "`db:\"id\" hoist:\"pk;autoincrement\"`" + `
	UserID int64  ` + "`db:\"user_id\" hoist:\"fk:users.id\"`" + `
	Total  string ` + "`db:\"total\" hoist:\"type:decimal(8,2)\"`" + `

	// Meta was text once.
	Meta     *string        ` + "`db:\"meta\"`" + `
	Note     sql.NullString ` + "`db:\"note\"`" + `
	Gift     bool           ` + "`db:\"gift\" hoist:\"default:false\"`" + `
	PlacedAt time.Time      ` + "`db:\"placed_at\" hoist:\"default:CURRENT_TIMESTAMP\"`" + `
}

// TableName keeps the table's name explicit.
func (Order) TableName() string { return "orders" }

// Paid says whether the order was paid.
func (o Order) Paid() bool { return o.Total != "" }
`,
}

// TestSync: models:sync on the seed's relations and an orders table, on
// every engine, against a golden file of the whole models package:
// retyped, removed and added fields, relation fields, a new enum file and
// new model files, the rest of each file as it was. Then: a second sync
// changes nothing; the synced models read back by FromSource agree with
// the database (an empty diff); and the package compiles (go vet).
func TestSync(t *testing.T) {
	t.Parallel()
	eachEngine(t, func(t *testing.T, db *testkit.DB) {
		ctx := context.Background()
		m, err := sdk.New(db.DB, db.Dialect, sdk.WithMigrations(migrations(syncDefs)...))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := m.Up(ctx); err != nil {
			t.Fatal(err)
		}
		dir := filepath.Join(t.TempDir(), "models")
		writeModels(t, dir, syncModels)
		sync := func() *schema.SyncResult {
			t.Helper()
			live, err := schema.InspectWithMetadata(ctx, db.DB, db.Dialect, "")
			if err != nil {
				t.Fatal(err)
			}
			res, err := schema.Sync(live, schema.SyncOptions{Dir: dir})
			if err != nil {
				t.Fatal(err)
			}
			for _, f := range res.Files {
				if err := os.WriteFile(f.Path, f.New, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			return res
		}
		first := sync()
		var got strings.Builder
		for _, n := range first.Notes {
			got.WriteString("note: " + strings.ReplaceAll(n, dir, "models") + "\n")
		}
		got.WriteString(readModels(t, dir))
		testkit.Golden(t, "sync_"+db.Dialect.Name(), got.String())

		if again := sync(); len(again.Files) != 0 {
			t.Errorf("a second sync changed %d files; first %s", len(again.Files), schema.UnifiedDiff(again.Files[0].Path, again.Files[0].Old, again.Files[0].New))
		}
		models, err := schema.FromSource(dir)
		if err != nil {
			t.Fatal(err)
		}
		cs, err := schema.Compare(ctx, db.DB, db.Dialect, models.Schema, schema.DiffOptions{Renames: models.Renames})
		if err != nil {
			t.Fatal(err)
		}
		if !cs.Empty() {
			t.Errorf("the synced models differ from the database they came from: %v", cs.Up)
		}
		goVet(t, dir)
	})
}

func writeModels(t *testing.T, dir string, files map[string]string) {
	t.Helper()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	for name, text := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// readModels prints every file of dir under its name, in name order.
func readModels(t *testing.T, dir string) string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	sort.Strings(names)
	var b strings.Builder
	for _, n := range names {
		data, err := os.ReadFile(filepath.Join(dir, n))
		if err != nil {
			t.Fatal(err)
		}
		b.WriteString("=== " + n + "\n" + string(data))
	}
	return b.String()
}

// goVet runs go vet on the models package in a module of its own whose
// go.mod points at this repository with a replace directive, and
// whose one extra file reads the models through FromModels, so that the
// synced models compile as an application's would.
func goVet(t *testing.T, dir string) {
	t.Helper()
	_, file, _, _ := runtime.Caller(0)
	repo := filepath.Join(filepath.Dir(file), "..", "..")
	sum, err := os.ReadFile(filepath.Join(repo, "go.sum"))
	if err != nil {
		t.Fatal(err)
	}
	mod := filepath.Dir(dir)
	writeModels(t, mod, map[string]string{
		"go.mod": "module example.com/app\n\ngo 1.24.0\n\nrequire (\n\tgithub.com/google/uuid v1.6.0\n\tgithub.com/hoistdb/hoist v0.0.0\n)\n\nreplace github.com/hoistdb/hoist => " + repo + "\n",
		"go.sum": string(sum),
	})
	check := "package models\n\nimport \"github.com/hoistdb/hoist/sdk/schema\"\n\nvar _, _ = schema.FromModels(Order{})\n"
	if err := os.WriteFile(filepath.Join(dir, "check_hoist.go"), []byte(check), 0o644); err != nil {
		t.Fatal(err)
	}
	defer os.Remove(filepath.Join(dir, "check_hoist.go"))
	cmd := exec.Command("go", "vet", "-mod=mod", "./...")
	cmd.Dir = mod
	cmd.Env = append(os.Environ(), "GOFLAGS=", "GOPROXY=off", "GOWORK=off")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go vet of the synced models: %v\n%s", err, out)
	}
}
