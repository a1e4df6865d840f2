package testkit

import (
	"context"
	"sort"
	"strconv"
	"time"
)

// Builds: with an unreleased hoist (its own tests, or a replace
// directive to a working tree), the test binary's build ID is in every
// template key (computeTemplateKey), so each rebuild of a test binary
// makes a template and a shelf of its own, and those of the builds
// before it are never used again. Left to their ages (a week, two
// hours), a few edit-and-test iterations leave dozens of templates and
// shelved clones, thousands of tables that slow every query of the
// server's catalogue.
//
// So the key of an unreleased build starts with 8 hex digits of the
// migration set alone (setKeyDigits, the same for every build of it),
// and a binary that found or built the template of such a key drops,
// in the background, the templates and shelves of the other builds of
// its set beyond the newest buildsKept, except those a live binary
// uses: a binary holds one of useSlots locks of each template it found
// (useTemplate), taken under the template's lock, and the sweep drops a
// template only under that lock with every slot free; shelved clones
// are claimed before they are dropped, so a clone a live binary claimed
// is never one of them. Released builds' keys have no set digits and
// are never swept this way: a released hoist keys a set of SQL
// migrations without the binary.

// setKeyDigits is how many leading hex digits of an unreleased build's
// key name its migration set without the build. Two sets share them
// once in 4 billion pairs; the cost then is an unused template or shelf
// dropped, and built again when needed.
const setKeyDigits = 8

// buildsKept is how many other builds of a binary's migration set keep
// their templates and shelves beside its own: the previous build, and
// one more, for two binaries run in turn (a package's tests with and
// without -race, or two packages that test the same migrations).
const buildsKept = 2

// useSlots is how many binaries at once hold a use lock of a template;
// a template that more use at once may be dropped under the others,
// which then build it again (cloneMigrated).
const useSlots = 8

// buildSweeper is what a server does, beside its shelf, to drop the
// templates and shelves of other builds. PostgreSQL and MySQL have one.
type buildSweeper interface {
	shelfStore
	// locks returns the connection that holds this binary's locks.
	locks() *lockConn
	// namesLike lists the testkit names LIKE pattern.
	namesLike(ctx context.Context, pattern string) []string
	// lockFree reports whether no session holds the lock that
	// lockConn.take takes for name.
	lockFree(ctx context.Context, name string) bool
}

// useSlotName is the name of slot n of the use locks of the template of
// key (its first 16 hex digits).
func useSlotName(key string, n int) string {
	return namePrefix + "use_" + key[:16] + "_" + strconv.Itoa(n)
}

// useTemplate takes a free use slot of the template of key for the rest
// of the binary's life; the caller holds the template's lock. It is
// best effort: with every slot taken, the template is merely less
// protected.
func useTemplate(ctx context.Context, srv server, key string) {
	bs, ok := srv.(buildSweeper)
	if !ok {
		return
	}
	for n := 0; n < useSlots; n++ {
		if got, err := bs.locks().take(ctx, useSlotName(key, n)); err != nil || got {
			return
		}
	}
}

// templateInUse reports whether a live binary holds a use slot of the
// template of key.
func templateInUse(ctx context.Context, bs buildSweeper, key string) bool {
	for n := 0; n < useSlots; n++ {
		if !bs.lockFree(ctx, useSlotName(key, n)) {
			return true
		}
	}
	return false
}

// build is what a server holds of one build of a migration set.
type build struct {
	key    string // first 16 hex digits of the key
	tpls   []string
	newest int64 // unix seconds of its newest template or clone
}

// sweepBuilds drops the templates and shelves of the builds of key's
// migration set other than key's own, beyond the newest buildsKept,
// that no live binary uses (see Builds above).
func sweepBuilds(ctx context.Context, srv server, key string) {
	bs, ok := srv.(buildSweeper)
	if !ok {
		return
	}
	set := key[:setKeyDigits]
	builds := map[string]*build{}
	note := func(key16, unix string) *build {
		b := builds[key16]
		if b == nil {
			b = &build{key: key16}
			builds[key16] = b
		}
		if sec, err := strconv.ParseInt(unix, 10, 64); err == nil && sec > b.newest {
			b.newest = sec
		}
		return b
	}
	for _, name := range bs.namesLike(ctx, `hoist\_test\_tpl\_`+set+`%`) {
		if m := templateName.FindStringSubmatch(name); m != nil && m[1] != key[:16] {
			b := note(m[1], m[2])
			b.tpls = append(b.tpls, name)
		}
	}
	for _, name := range bs.namesLike(ctx, `hoist\_test\_%\_`+set+`%`) {
		if m := shelfName.FindStringSubmatch(name); m != nil && m[2][:16] != key[:16] {
			note(m[2][:16], m[3])
		}
	}
	others := make([]*build, 0, len(builds))
	for _, b := range builds {
		others = append(others, b)
	}
	sort.Slice(others, func(i, j int) bool {
		if others[i].newest != others[j].newest {
			return others[i].newest > others[j].newest
		}
		return others[i].key > others[j].key
	})
	if len(others) <= buildsKept {
		return
	}
	for _, b := range others[buildsKept:] {
		dropBuild(ctx, srv, bs, b)
	}
}

// dropBuild drops the template and the shelf of build b, unless a live
// binary uses its template; it leaves the clones that live binaries
// claimed.
func dropBuild(ctx context.Context, srv server, bs buildSweeper, b *build) {
	unlock, err := srv.templates().lockTemplate(ctx, b.key)
	if err != nil {
		return
	}
	defer unlock()
	if templateInUse(ctx, bs, b.key) {
		return
	}
	for _, name := range b.tpls {
		_ = srv.drop(ctx, name)
	}
	names, _ := bs.shelved(ctx, b.key)
	for _, name := range names {
		claimed, _, ok, err := bs.claim(ctx, name)
		if err != nil || !ok {
			continue
		}
		_ = srv.drop(ctx, claimed)
		bs.locks().release(ctx, claimed)
	}
}

// sweepBuildsInBackground runs sweepBuilds for key off the first test's
// path, when key is an unreleased build's and the server outlives the
// binary.
func sweepBuildsInBackground(srv server, key string) {
	if _, released := hoistVersion(); released || srv.disposable() {
		return
	}
	if _, ok := srv.(buildSweeper); !ok {
		return
	}
	sweepInBackground(func(ctx context.Context, _ time.Time) { sweepBuilds(ctx, srv, key) })
}
