package cli_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/spf13/cobra"

	"github.com/hoistdb/hoist/sdk"
	"github.com/hoistdb/hoist/sdk/cli"
	"github.com/hoistdb/hoist/sdk/schema"
	"github.com/hoistdb/hoist/testkit"
)

// TestMountedSchemaDryRun: `migrate --dry-run` of a mounted command shows
// the SQL of pending schema migrations, the second rendered as the first
// would leave the schema; one after a pending Go migration says why its
// SQL is not shown, in the text and in --json. Nothing runs.
func TestMountedSchemaDryRun(t *testing.T) {
	eachEngine(t, func(t *testing.T, db *testkit.DB, _ string) {
		create := schema.Migration(1, "create gadgets", func(s *schema.Builder) {
			s.CreateTable("gadgets", func(t *schema.Table) { t.ID(); t.String("name", 50) })
		})
		alter := schema.Migration(2, "gadget colour", func(s *schema.Builder) {
			s.AlterTable("gadgets", func(t *schema.Table) { t.String("colour", 20).Nullable() })
		})
		nothing := func(context.Context, sdk.Tx) error { return nil }
		later := schema.Migration(4, "create parts", func(s *schema.Builder) {
			s.CreateTable("parts", func(t *schema.Table) { t.ID() })
		})
		m, err := sdk.New(db.DB, db.Dialect, sdk.WithMigrations(create, alter, sdk.GoMigration(3, "go step", nothing, nothing), later), quiet)
		if err != nil {
			t.Fatal(err)
		}
		build := func() (*cobra.Command, error) { return cli.Command(m, cli.WithName("myapp")) }
		out, _ := execute(t, build, nil, "migrate", "--dry-run")
		for _, want := range []string{"CREATE TABLE", "gadgets", "colour", "-- SQL not shown", "3 go step"} {
			if !strings.Contains(out, want) {
				t.Errorf("migrate --dry-run lacks %q:\n%s", want, out)
			}
		}
		if strings.Count(out, "-- Go code") != 1 {
			t.Errorf("migrate --dry-run: want the Go-code note for the Go migration only:\n%s", out)
		}
		out, _ = execute(t, build, nil, "migrate", "--dry-run", "--json")
		var res struct {
			Migrations []struct {
				Version int64    `json:"version"`
				SQL     []string `json:"sql"`
				Note    string   `json:"note"`
			} `json:"migrations"`
		}
		if err := json.Unmarshal([]byte(out), &res); err != nil || len(res.Migrations) != 4 {
			t.Fatalf("migrate --dry-run --json: %v\n%s", err, out)
		}
		if len(res.Migrations[1].SQL) == 0 || res.Migrations[3].Note == "" {
			t.Errorf("migrate --dry-run --json: want SQL for 2 and a note for 4:\n%s", out)
		}
		if s, err := schema.Inspect(t.Context(), db.DB, db.Dialect); err != nil || len(s.Tables) != 0 {
			t.Errorf("the dry run changed the schema (%v):\n%s", err, s)
		}
	})
}
