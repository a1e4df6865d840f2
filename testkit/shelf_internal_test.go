package testkit

import (
	"context"
	"fmt"
	"os"
	"slices"
	"testing"
	"time"

	"github.com/hoistdb/hoist/sdk"
)

// TestShelfOnlyBinaryTopsUpShelf: a binary whose tests all take clones
// from the shelf, and that never asks for the template itself, still
// learns the template (in the background) and leaves the shelf as full
// as it found it when it ends, so that the next binary's tests find
// their clones ready too. Without that, each binary would leave fewer
// clones than the last until the tests waited for copies again.
func TestShelfOnlyBinaryTopsUpShelf(t *testing.T) {
	t.Setenv("HOIST_TEST_POOL", "2")
	for _, c := range []struct {
		name string
		kind Kind
	}{{"postgres", Postgres}, {"mysql", MySQL}} {
		t.Run(c.name, func(t *testing.T) {
			e, srv := engineNamed(t, c.name)
			if srv.disposable() {
				t.Skip("the servers testkit starts keep no shelf")
			}
			sh := srv.(shelfStore)
			ctx := context.Background()
			opts := []sdk.Option{sdk.WithFS(HundredMigrations(fmt.Sprintf("TestShelfOnlyBinaryTopsUpShelf %d %d", os.Getpid(), time.Now().UnixNano())))}
			DropTemplateAtEnd(t, c.name, opts...)
			key, _, _, err := templateKey(ctx, e, srv.templates(), opts)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { pools.Delete(e.name + " " + key) })

			// The first binary: builds the template, fills its pool and
			// shelves both clones when it ends.
			Migrated(t, c.kind, opts...)
			v, _ := pools.Load(e.name + " " + key)
			first := v.(*clonePool)
			waitFull(t, first)
			first.close()
			shelved, err := sh.shelved(ctx, key)
			if err != nil || len(shelved) != 2 {
				t.Fatalf("the first binary shelved %v (%v); want 2 clones", shelved, err)
			}

			// The next binary knows neither the pool nor the template.
			pools.Delete(e.name + " " + key)
			templates.Delete(e.name + " " + key)
			db := Migrated(t, c.kind, opts...)
			if got := currentDatabase(t, db); !slices.Contains(shelved, shelfSibling(got, "pool")) {
				t.Fatalf("the next binary's test got %s; want a clone from the shelf %v", got, shelved)
			}
			v, _ = pools.Load(e.name + " " + key)
			next := v.(*clonePool)
			next.close()
			if next.tpl == "" {
				t.Error("the next binary's pool never learned its template")
			}
			after, err := sh.shelved(ctx, key)
			if err != nil || len(after) != 2 {
				t.Errorf("after the next binary, the shelf holds %v (%v); want it topped up to 2", after, err)
			}
			if got := TemplateBuilds(t, c.name, opts...); got != 1 {
				t.Errorf("template built %d times; want 1, the second binary finding it", got)
			}
		})
	}
}
