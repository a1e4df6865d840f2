package sdk_test

import (
	"slices"
	"strconv"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/hoistdb/hoist/sdk"
	"github.com/hoistdb/hoist/testkit"
)

// identifierLimits are the longest table names the engines keep as
// written; SQLite has none that hoist's names reach.
var identifierLimits = map[string]int{"postgres": 63, "mysql": 64}

// TestLongTableName: a history table name whose seed table name
// ("<table>_seeds") does not fit the engine is refused by New, naming the
// option, the derived name and the limit, when there are seeders; without
// seeders it works, and so does a name whose seed table just fits.
func TestLongTableName(t *testing.T) {
	t.Parallel()
	eachEngine(t, func(t *testing.T, db *testkit.DB) {
		ctx := testContext(t)
		long := "h" + strings.Repeat("x", 62) // 63 characters, as WithTable allows
		limit, limited := identifierLimits[db.Dialect.Name()]

		t.Run("without_seeders", func(t *testing.T) {
			fsys := fstest.MapFS{"0001_other.sql": {Data: []byte("-- +hoist up\nCREATE TABLE other (id INTEGER PRIMARY KEY);\n")}}
			m := newMigrator(t, db, sdk.WithTable(long), sdk.WithFS(fsys))
			if res, err := m.Up(ctx); err != nil || len(res.Applied) != 1 {
				t.Fatalf("Up with a 63-character table and no seeders: %v; want the migration applied", err)
			}
		})

		_, err := sdk.New(db.DB, db.Dialect, quiet(), sdk.WithTable(long), sdk.WithFS(lifecycleFS()), sdk.WithSeedFS(seedFS()))
		if limited {
			if err == nil {
				t.Fatalf("New with the 63-character table %q and seeders succeeded; want it refused, its seed table %s_seeds is longer than %d", long, long, limit)
			}
			for _, want := range []string{"WithTable", long + "_seeds", strconv.Itoa(limit), strconv.Itoa(limit - len("_seeds"))} {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("New: %v; want it to name %q", err, want)
				}
			}
		} else if err != nil {
			t.Fatalf("New with a 63-character table on %s: %v; want it accepted, the engine has no such limit", db.Dialect.Name(), err)
		}

		// The longest name whose seed table fits (or the long one, where
		// nothing limits it) works end to end.
		fits := "g" + strings.Repeat("z", 62) // not long's, which has other migrations
		if limited {
			fits = "f" + strings.Repeat("y", limit-len("_seeds")-1)
		}
		m := newMigrator(t, db, sdk.WithTable(fits), sdk.WithFS(lifecycleFS()), sdk.WithSeedFS(seedFS()))
		if res, err := m.Up(ctx); err != nil || len(res.Applied) != 3 {
			t.Fatalf("Up with table %s: %v", fits, err)
		}
		for round := 1; round <= 2; round++ {
			res, err := m.Seed(ctx)
			if err != nil {
				t.Fatalf("Seed round %d with table %s: %v", round, fits, err)
			}
			want := []string{"20_tags", "30_once"}
			if round == 2 {
				want = want[:1]
			}
			if !slices.Equal(seedNames(res.Ran), want) {
				t.Fatalf("Seed round %d ran %v; want %v", round, seedNames(res.Ran), want)
			}
		}
		if !tableExists(t, db, fits+"_seeds") {
			t.Errorf("no seed table %s_seeds", fits)
		}
		if n := countRows(t, db.DB, "SELECT COUNT(*) FROM "+db.Dialect.QuoteIdent(fits+"_seeds")); n != 1 {
			t.Errorf("seed table has %d rows; want 1, the once seeder", n)
		}
		if st, err := m.Status(ctx); err != nil || len(st.Applied) != 3 {
			t.Errorf("Status after seeding: %v; want 3 applied migrations", err)
		}
	})
}
