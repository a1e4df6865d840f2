package testkit

import (
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
// A migration without a down (an irreversible one) is applied and its
// down check skipped, with a t.Log line saying so; the final roll back
// then stops at the newest irreversible migration (RollbackTo its
// version) and requires the schema the migration left.
//
// The first difference stops the test (t.Fatalf) with the migration's
// version, name and file and a unified diff of the two snapshots; so does
// an error from the engine. Migration logs are discarded unless opts
// include sdk.WithLogger.
func RoundTrip(t testing.TB, db *DB, opts ...sdk.Option) {
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

	snap := func(when string) string {
		t.Helper()
		s, err := snapshot(ctx, db, m.Table())
		if err != nil {
			t.Fatalf("testkit: RoundTrip: snapshot %s: %v", when, err)
		}
		return s
	}
	run := func(mig *sdk.Migration, what string, f func() (*sdk.Result, error)) *sdk.Result {
		t.Helper()
		res, err := f()
		if err != nil {
			t.Fatalf("testkit: RoundTrip: %s %s: %v", what, describe(mig), err)
		}
		return res
	}

	empty := snap("before the first migration")
	var (
		lastIrreversible  *sdk.Migration // newest migration without a down
		afterIrreversible string         // the schema it left
		final             string
	)
	for i := range migs {
		mig := &migs[i]
		upTo := func() (*sdk.Result, error) { return m.UpTo(ctx, mig.Version) }
		before := final // the schema after the previous migration, checked
		if i == 0 {
			before = empty
		}
		run(mig, "applying", upTo)
		after := snap("after " + describe(mig))
		final = after
		if !mig.Reversible() {
			t.Logf("testkit: RoundTrip: %s has no down; not checking that it undoes its up", describe(mig))
			lastIrreversible, afterIrreversible = mig, after
			continue
		}
		res := run(mig, "rolling back", func() (*sdk.Result, error) { return m.Rollback(ctx, sdk.RollbackOptions{Steps: 1}) })
		if got := snap("after rolling back " + describe(mig)); got != before {
			down := ""
			if len(res.Applied) == 1 && res.Applied[0].File != "" && res.Applied[0].File != mig.File {
				down = " (down in " + res.Applied[0].File + ")"
			}
			t.Fatalf("testkit: RoundTrip: the down of %s%s does not undo its up: the schema after up and down differs from the schema before up:\n%s",
				describe(mig), down, unifiedDiff(fmt.Sprintf("before up %d", mig.Version), fmt.Sprintf("after up and down %d", mig.Version), before, got))
		}
		run(mig, "applying again", upTo)
		if got := snap("after applying again " + describe(mig)); got != after {
			t.Fatalf("testkit: RoundTrip: applying %s again after its down gives another schema than applying it the first time:\n%s",
				describe(mig), unifiedDiff(fmt.Sprintf("after up %d", mig.Version), fmt.Sprintf("after up, down and up %d", mig.Version), after, got))
		}
	}

	target, want, what := int64(0), empty, "the schema before the first migration"
	if lastIrreversible != nil {
		target, want, what = lastIrreversible.Version, afterIrreversible, "the schema "+describe(lastIrreversible)+" left"
	}
	if _, err := m.RollbackTo(ctx, target); err != nil {
		t.Fatalf("testkit: RoundTrip: rolling back all migrations above %d: %v", target, err)
	}
	if got := snap("after rolling back all"); got != want {
		t.Fatalf("testkit: RoundTrip: rolling back all migrations above %d does not give %s:\n%s",
			target, what, unifiedDiff("expected", "after rolling back all", want, got))
	}
	if _, err := m.Up(ctx); err != nil {
		t.Fatalf("testkit: RoundTrip: applying all migrations again: %v", err)
	}
	if got := snap("after applying all again"); got != final {
		t.Fatalf("testkit: RoundTrip: applying all migrations again after rolling them back gives another schema than the first time:\n%s",
			unifiedDiff("after the first run", "after down-all and up-all", final, got))
	}
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
