package testkit

import (
	"context"
	"database/sql"
	"log/slog"
	"testing"
	"testing/fstest"
	"time"

	"github.com/hoistdb/hoist/sdk"
)

// TestSweepBuildsBound: builds of one migration set under several build
// IDs (the test binary rebuilt, with an unreleased hoist) leave their
// templates and shelves; a new build leaves at most buildsKept other
// builds' ones, and keeps a template a live binary uses and a shelf
// clone a live binary claimed.
func TestSweepBuildsBound(t *testing.T) {
	for _, name := range []string{"postgres", "mysql"} {
		t.Run(name, func(t *testing.T) { testSweepBuildsBound(t, name) })
	}
}

func testSweepBuildsBound(t *testing.T, engineName string) {
	e, srv := engineNamed(t, engineName)
	bs, ok := srv.(buildSweeper)
	if !ok {
		t.Fatalf("the %s server has no buildSweeper", e.title)
	}
	if _, released := hoistVersion(); released {
		t.Skip("hoist is released in this binary: its keys are not per build")
	}
	ctx := context.Background()
	salt := randomHex(4)
	fsys := fstest.MapFS{"0001_builds.sql": {Data: []byte("-- +hoist up\nCREATE TABLE builds_" + salt +
		" (id INTEGER PRIMARY KEY);\n-- +hoist down\nDROP TABLE builds_" + salt + ";\n")}}
	newMigrator := func(db *sql.DB) (*sdk.Migrator, error) {
		return sdk.New(db, e.dialect, sdk.WithFS(fsys), sdk.WithLogger(slog.New(slog.DiscardHandler)))
	}
	realID := binaryID
	var set string
	t.Cleanup(func() {
		binaryID = realID
		sweeping.Wait()
		for _, name := range bs.namesLike(ctx, `hoist\_test\_%`+set+`%`) {
			if isTemplate(name) || shelfKind(name) != "" {
				if err := srv.drop(ctx, name); err != nil {
					t.Errorf("drop %s: %v", name, err)
				}
				bs.locks().release(ctx, name)
			}
		}
	})

	// build runs the binary of build id: it finds or builds the
	// template (and sweeps the other builds) and shelves two clones.
	build := func(id string) string {
		t.Helper()
		binaryID = func() (string, error) { return "test build " + salt + " " + id, nil }
		key, uncached, err := computeTemplateKey(ctx, e, srv.templates(), newMigrator)
		if err != nil || uncached != "" {
			t.Fatalf("key of build %s: %v %s", id, err, uncached)
		}
		set = key[:setKeyDigits]
		te := templateFor(ctx, nil, e, srv, key, newMigrator)
		if te.err != nil {
			t.Fatalf("template of build %s: %v", id, te.err)
		}
		for range 2 {
			if err := bs.shelve(ctx, te.name, key); err != nil {
				t.Fatalf("shelve a clone of build %s: %v", id, err)
			}
		}
		sweeping.Wait()
		return key
	}
	// end ends the binary of the build of key: its use of the template.
	end := func(key string) {
		for n := range useSlots {
			bs.locks().release(ctx, useSlotName(key, n))
		}
	}

	live := build("live") // its binary still runs and uses its template
	claimedKey := build("claimed")
	end(claimedKey)
	shelved, err := bs.shelved(ctx, claimedKey)
	if err != nil || len(shelved) == 0 {
		t.Fatalf("shelf of build claimed: %v %v", shelved, err)
	}
	claimed, _, ok, err := bs.claim(ctx, shelved[0])
	if err != nil || !ok {
		t.Fatalf("claim %s: %v %v", shelved[0], ok, err)
	}
	// The names carry seconds: the later builds are newer than those two.
	time.Sleep(time.Until(time.Now().Truncate(time.Second).Add(time.Second)))
	for _, id := range []string{"1", "2", "3", "4"} {
		end(build(id))
	}
	last := build("last")
	sweepBuilds(ctx, srv, last) // again, where the server is disposable

	tpls, clones := map[string]int{}, map[string]int{}
	for _, name := range bs.namesLike(ctx, `hoist\_test\_%`+set+`%`) {
		if m := templateName.FindStringSubmatch(name); m != nil {
			tpls[m[1]]++
		}
		if m := shelfName.FindStringSubmatch(name); m != nil && m[1] == map[bool]string{true: "pool", false: "rdy"}[e == postgresEngine] {
			clones[m[2][:16]]++
		}
	}
	others := map[string]bool{}
	for k := range tpls {
		others[k] = true
	}
	for k := range clones {
		others[k] = true
	}
	delete(others, last[:16])
	delete(others, live[:16])
	if len(others) > buildsKept {
		t.Errorf("%d other builds keep templates or shelves (templates %v, shelved clones %v); want at most %d", len(others), tpls, clones, buildsKept)
	}
	if others[claimedKey[:16]] {
		t.Errorf("build claimed, the oldest but one, kept its template or shelf (templates %v, shelved clones %v)", tpls, clones)
	}
	if tpls[last[:16]] != 1 || clones[last[:16]] != 2 {
		t.Errorf("the new build has %d templates and %d shelved clones; want 1 and 2", tpls[last[:16]], clones[last[:16]])
	}
	if tpls[live[:16]] != 1 {
		t.Errorf("the template that a live binary uses was dropped (templates %v)", tpls)
	}
	if len(bs.namesLike(ctx, claimed)) != 1 {
		t.Errorf("clone %s, claimed by a live binary, was dropped", claimed)
	}
}
