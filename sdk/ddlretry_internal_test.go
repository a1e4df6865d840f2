package sdk

import (
	"slices"
	"testing"
	"time"

	"github.com/hoistdb/hoist/dialect"
)

// TestRankBlockers: of the sessions in an open transaction, the one that
// holds a table the migration names comes first, however much younger
// its transaction is; a table whose name only contains the named one
// does not count.
func TestRankBlockers(t *testing.T) {
	t.Parallel()
	bs := []dialect.Blocker{
		{Session: "pid 1", Tables: []string{"public.accounts"}},
		{Session: "pid 2", Tables: []string{"public.t_archive"}},
		{Session: "pid 3", Tables: []string{"public.other", `app."T"`}},
		{Session: "pid 4", Tables: []string{"t"}},
	}
	rankBlockers(bs, "ALTER TABLE T ADD COLUMN note VARCHAR(20)\n")
	var got []string
	for _, b := range bs {
		got = append(got, b.Session)
	}
	if want := []string{"pid 3", "pid 4", "pid 1", "pid 2"}; !slices.Equal(got, want) {
		t.Fatalf("ranked %v; want %v", got, want)
	}
}

func TestDescribeBlocker(t *testing.T) {
	t.Parallel()
	b := dialect.Blocker{Session: "pid 4711 (psql) from 10.0.0.3", State: "idle in transaction", Age: 12500 * time.Millisecond,
		Since: time.Date(2026, 12, 2, 15, 30, 0, 0, time.UTC), Tables: []string{"public.t"}, Query: "SELECT count(*)\n  FROM t"}
	want := "pid 4711 (psql) from 10.0.0.3, idle in transaction for 12.5s since 2026-12-02T15:30:00Z, holding public.t, query: SELECT count(*) FROM t"
	if got := describeBlocker(b); got != want {
		t.Fatalf("describeBlocker = %q; want %q", got, want)
	}
}
