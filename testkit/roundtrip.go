package testkit

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"testing"

	"github.com/hoistdb/hoist/sdk"
)

// RoundTrip proves that every migration's down undoes its up. db should
// be a fresh database (testkit.Postgres(t) and friends); opts are the
// sdk options the application gives sdk.New: the migrations (sdk.WithFS,
// sdk.WithMigrations) and, if it uses one, sdk.WithTable.
//
// For each migration in version order RoundTrip takes a [Snapshot],
// applies the migration ([sdk.Migrator.UpTo] its version), takes a
// second snapshot, rolls it back ([sdk.Migrator.Rollback], one step) and
// requires the first snapshot, applies it again and requires the second.
// Then it rolls everything back ([sdk.Migrator.RollbackTo] 0) and
// requires the schema it started from, and applies everything again
// ([sdk.Migrator.Up]) and requires the final schema once more. The
// history and seed tables are left out of the snapshots. The database is
// left with every migration applied.
//
// Columns are compared by name: a down that re-adds a dropped column at
// the end of its table passes, since PostgreSQL and MySQL's ADD COLUMN
// cannot put it back where it was (a t.Log line says the order
// changed). [RoundTripOptions.StrictColumnOrder] requires the order too.
// Every other difference counts.
//
// A migration without a down (an irreversible one) is applied and its
// down check skipped, with a t.Log line saying so; the final roll back
// then stops at the newest irreversible migration (RollbackTo its
// version) and requires the schema the migration left.
//
// The first difference stops the test (t.Fatalf) with the migration's
// version, name and file and a unified diff of the two snapshots; so does
// an error from the engine. [RoundTripAll] goes on and lists every
// failing migration instead. Migration logs are discarded unless opts
// include sdk.WithLogger.
func RoundTrip(t testing.TB, db *DB, opts ...sdk.Option) {
	t.Helper()
	RoundTripOptions{}.Run(t, db, opts...)
}

// RoundTripAll is [RoundTrip] that does not stop at the first migration
// whose down fails: it reports each one as it finds it (t.Errorf, with
// its diff or error) and ends with t.Fatalf listing them all, so that a
// team adopting hoist on an old history sees the whole list in one run.
// See [RoundTripOptions.ReportAll] for how it goes on after a failure.
func RoundTripAll(t testing.TB, db *DB, opts ...sdk.Option) {
	t.Helper()
	RoundTripOptions{ReportAll: true}.Run(t, db, opts...)
}

// RoundTripOptions are the settings of a round trip that are not the
// application's sdk options (RoundTrip's variadic parameter holds
// those). The zero value is [RoundTrip]:
//
//	testkit.RoundTripOptions{StrictColumnOrder: true}.Run(t, db, sdk.WithFS(migrations.FS))
type RoundTripOptions struct {
	// StrictColumnOrder requires each table's columns in the same order
	// after a down as before the up. Off by default: a down that re-adds
	// a dropped column can only add it at the end on PostgreSQL, and
	// code that names its columns does not see the order.
	StrictColumnOrder bool
	// ReportAll goes on after a failing migration and lists every
	// failure at the end ([RoundTripAll]). After a down that does not
	// undo its up, or that fails, the round trip needs the schema with
	// the migration applied to go on with the next one: it applies the
	// migration again; if that fails or gives another schema, it drops
	// everything in the database (every table, view, routine and, on
	// PostgreSQL, every schema but the system ones) and migrates it from
	// scratch up to the migration. An up that fails still stops the
	// round trip, since nothing after it can be checked.
	ReportAll bool
}

// Run runs the round trip that o describes: see [RoundTrip].
func (o RoundTripOptions) Run(t testing.TB, db *DB, opts ...sdk.Option) {
	t.Helper()
	if db == nil || db.DB == nil || db.Dialect == nil {
		t.Fatalf("testkit: RoundTrip: nil or incomplete *testkit.DB")
	}
	ctx := t.Context()
	all := append([]sdk.Option{sdk.WithLogger(slog.New(slog.DiscardHandler))}, opts...)
	m, err := sdk.New(db.DB, db.Dialect, all...)
	if err != nil {
		t.Fatalf("testkit: RoundTrip: %v", err)
	}
	migs := m.Migrations()
	if len(migs) == 0 {
		t.Fatalf("testkit: RoundTrip: no migrations; give sdk.WithFS or sdk.WithMigrations")
	}
	st, err := m.Status(ctx)
	if err != nil {
		t.Fatalf("testkit: RoundTrip: %v", err)
	}
	if n := len(st.Applied) + len(st.Failed) + len(st.Missing); n > 0 {
		t.Fatalf("testkit: RoundTrip: %d migration(s) already applied to the database; give RoundTrip a fresh one", n)
	}
	rt := &roundTrip{t: t, ctx: ctx, db: db, m: m, o: o}
	rt.run(migs)
}

// roundTrip is one run of RoundTripOptions.Run.
type roundTrip struct {
	t        testing.TB
	ctx      context.Context
	db       *DB
	m        *sdk.Migrator
	o        RoundTripOptions
	failures []string // one line per failing migration, for ReportAll
}

// shape is a snapshot in both forms: with columns in table order, and
// by name.
type shape struct{ strict, byName string }

// equal compares two snapshots as the options ask.
func (rt *roundTrip) equal(a, b shape) bool {
	if rt.o.StrictColumnOrder {
		return a.strict == b.strict
	}
	return a.byName == b.byName
}

// snap takes a snapshot; an error stops the round trip.
func (rt *roundTrip) snap(when string) shape {
	rt.t.Helper()
	objs, err := snapshotObjects(rt.ctx, rt.db, rt.m.Table())
	if err != nil {
		rt.fatalf("snapshot %s: %v", when, err)
	}
	return shape{strict: render(objs), byName: render(columnsByName(objs))}
}

// fatalf stops the round trip, listing the failures found before.
func (rt *roundTrip) fatalf(format string, args ...any) {
	rt.t.Helper()
	msg := fmt.Sprintf(format, args...)
	if len(rt.failures) > 0 {
		msg += "\n" + rt.summary()
	}
	rt.t.Fatalf("testkit: RoundTrip: %s", msg)
}

// fail reports one failing migration with msg: at once with Fatalf, or,
// under ReportAll, with Errorf and a line for the final list, which names
// the migration and says short.
func (rt *roundTrip) fail(mig *sdk.Migration, short, msg string) {
	rt.t.Helper()
	if !rt.o.ReportAll {
		rt.t.Fatalf("testkit: RoundTrip: %s", msg)
	}
	rt.t.Errorf("testkit: RoundTrip: %s", msg)
	rt.failures = append(rt.failures, describe(mig)+": "+short)
}

// summary lists the failures found so far.
func (rt *roundTrip) summary() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%d migration(s) fail the round trip:\n", len(rt.failures))
	for _, f := range rt.failures {
		fmt.Fprintf(&b, "  - %s\n", f)
	}
	return strings.TrimSuffix(b.String(), "\n")
}

// diff shows two snapshots as the options compare them.
func (rt *roundTrip) diff(aName, bName string, a, b shape) string {
	if rt.o.StrictColumnOrder {
		return unifiedDiff(aName, bName, a.strict, b.strict)
	}
	return unifiedDiff(aName, bName, a.byName, b.byName)
}

func (rt *roundTrip) run(migs []sdk.Migration) {
	t, ctx, m := rt.t, rt.ctx, rt.m
	t.Helper()
	empty := rt.snap("before the first migration")
	var (
		lastIrreversible  *sdk.Migration // newest migration without a down
		afterIrreversible shape          // the schema it left
		final             shape
	)
	for i := range migs {
		mig := &migs[i]
		before := final // the schema after the previous migration
		if i == 0 {
			before = empty
		}
		if _, err := m.UpTo(ctx, mig.Version); err != nil {
			rt.fatalf("applying %s: %v", describe(mig), err)
		}
		after := rt.snap("after " + describe(mig))
		final = after
		if !mig.Reversible() {
			t.Logf("testkit: RoundTrip: %s has no down; not checking that it undoes its up", describe(mig))
			lastIrreversible, afterIrreversible = mig, after
			continue
		}
		res, err := m.Rollback(ctx, sdk.RollbackOptions{Steps: 1})
		if err != nil {
			rt.fail(mig, "its down fails: "+oneLine(err.Error()), fmt.Sprintf("rolling back %s: %v", describe(mig), err))
			final = rt.recover(mig, after)
			continue
		}
		got := rt.snap("after rolling back " + describe(mig))
		if !rt.equal(got, before) {
			down := ""
			if len(res.Applied) == 1 && res.Applied[0].File != "" && res.Applied[0].File != mig.File {
				down = " (down in " + res.Applied[0].File + ")"
			}
			rt.fail(mig, "its down"+down+" does not undo its up", fmt.Sprintf("the down of %s%s does not undo its up: the schema after up and down differs from the schema before up:\n%s",
				describe(mig), down, rt.diff(fmt.Sprintf("before up %d", mig.Version), fmt.Sprintf("after up and down %d", mig.Version), before, got)))
			final = rt.recover(mig, after)
			continue
		}
		if got.strict != before.strict {
			t.Logf("testkit: RoundTrip: the down of %s puts columns back in another order; columns are compared by name (RoundTripOptions.StrictColumnOrder compares the order):\n%s",
				describe(mig), unifiedDiff(fmt.Sprintf("before up %d", mig.Version), fmt.Sprintf("after up and down %d", mig.Version), before.strict, got.strict))
		}
		if _, err := m.UpTo(ctx, mig.Version); err != nil {
			rt.fatalf("applying %s again: %v", describe(mig), err)
		}
		if again := rt.snap("after applying again " + describe(mig)); !rt.equal(again, after) {
			rt.fail(mig, "applying it again gives another schema", fmt.Sprintf("applying %s again after its down gives another schema than applying it the first time:\n%s",
				describe(mig), rt.diff(fmt.Sprintf("after up %d", mig.Version), fmt.Sprintf("after up, down and up %d", mig.Version), after, again)))
			final = again
		}
	}

	if len(rt.failures) > 0 {
		t.Fatalf("testkit: RoundTrip: %s\n(rolling back and applying every migration at once was not checked: fix the migrations above first)", rt.summary())
	}
	target, want, what := int64(0), empty, "the schema before the first migration"
	if lastIrreversible != nil {
		target, want, what = lastIrreversible.Version, afterIrreversible, "the schema "+describe(lastIrreversible)+" left"
	}
	if _, err := m.RollbackTo(ctx, target); err != nil {
		t.Fatalf("testkit: RoundTrip: rolling back all migrations above %d: %v", target, err)
	}
	if got := rt.snap("after rolling back all"); !rt.equal(got, want) {
		t.Fatalf("testkit: RoundTrip: rolling back all migrations above %d does not give %s:\n%s",
			target, what, rt.diff("expected", "after rolling back all", want, got))
	}
	if _, err := m.Up(ctx); err != nil {
		t.Fatalf("testkit: RoundTrip: applying all migrations again: %v", err)
	}
	if got := rt.snap("after applying all again"); !rt.equal(got, final) {
		t.Fatalf("testkit: RoundTrip: applying all migrations again after rolling them back gives another schema than the first time:\n%s",
			rt.diff("after the first run", "after down-all and up-all", final, got))
	}
}

// recover brings the database back to mig applied after its down failed
// (ReportAll only; fail has stopped the test otherwise), and returns the
// schema it then has: it applies mig again, and when that fails or gives
// another schema than after, wipes the database and migrates it up to
// mig from scratch.
func (rt *roundTrip) recover(mig *sdk.Migration, after shape) shape {
	rt.t.Helper()
	if _, err := rt.m.UpTo(rt.ctx, mig.Version); err == nil {
		if got := rt.snap("after applying " + describe(mig) + " again"); rt.equal(got, after) {
			return got
		}
	}
	if err := wipe(rt.ctx, rt.db); err != nil {
		rt.fatalf("emptying the database to go on after %s: %v", describe(mig), err)
	}
	if _, err := rt.m.UpTo(rt.ctx, mig.Version); err != nil {
		rt.fatalf("migrating an emptied database up to %s to go on after its failure: %v", describe(mig), err)
	}
	return rt.snap("after migrating up to " + describe(mig) + " from scratch")
}

// describe names a migration for messages: version, name and file, or
// "Go" for a Go migration.
func describe(mig *sdk.Migration) string {
	var b strings.Builder
	fmt.Fprintf(&b, "migration %d %s", mig.Version, mig.Name)
	if mig.File != "" {
		fmt.Fprintf(&b, " (%s)", mig.File)
	} else {
		b.WriteString(" (Go)")
	}
	return b.String()
}
