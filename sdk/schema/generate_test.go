package schema_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/hoistdb/hoist/sdk"
	"github.com/hoistdb/hoist/sdk/schema"
)

// TestGenerate: the programmatic migrate:generate writes one SQL file
// of the traced example, whose text is the returned one; applied with
// the Migrator, a second Generate finds nothing and writes nothing.
func TestGenerate(t *testing.T) {
	t.Parallel()
	m, err := schema.FromModels(tracedUser{}, tracedPost{})
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range engines {
		t.Run(e.name, func(t *testing.T) {
			t.Parallel()
			db := e.open(t)
			ctx := context.Background()
			dir := t.TempDir()
			mig, err := sdk.New(db.DB, e.d, sdk.WithMigrations(tracedBase))
			if err != nil {
				t.Fatal(err)
			}
			if _, err := mig.Up(ctx); err != nil {
				t.Fatal(err)
			}
			opts := schema.GenerateOptions{Models: m, Dir: dir, Name: "Add phone to users",
				Now: func() time.Time { return time.Date(2026, 12, 2, 12, 0, 0, 0, time.UTC) }}
			g, err := schema.Generate(ctx, db.DB, e.d, opts)
			if err != nil {
				t.Fatal(err)
			}
			if g.File != filepath.Join(dir, "20261202120000_add_phone_to_users.sql") {
				t.Fatalf("file %q, want 20261202120000_add_phone_to_users.sql in %s", g.File, dir)
			}
			b, err := os.ReadFile(g.File)
			if err != nil || string(b) != g.Text || g.Text == "" {
				t.Fatalf("the file holds %q (%v), want the returned text %q", b, err, g.Text)
			}
			mig, err = sdk.New(db.DB, e.d, sdk.WithMigrations(tracedBase), sdk.WithFS(os.DirFS(dir)))
			if err != nil {
				t.Fatal(err)
			}
			if _, err := mig.Up(ctx); err != nil {
				t.Fatal(err)
			}
			opts.Now = func() time.Time { return time.Date(2026, 12, 2, 13, 0, 0, 0, time.UTC) }
			again, err := schema.Generate(ctx, db.DB, e.d, opts)
			if err != nil || again.File != "" || again.Text != "" || !again.Changes.Empty() {
				t.Fatalf("after applying it, Generate = %+v, %v; want nothing", again, err)
			}
			if entries, _ := os.ReadDir(dir); len(entries) != 1 {
				t.Fatalf("%d files in %s, want the one generated", len(entries), dir)
			}
		})
	}
}
