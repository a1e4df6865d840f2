package postgres_test

import (
	"context"
	"testing"

	"github.com/hoistdb/hoist/dialect"
	"github.com/hoistdb/hoist/dialect/postgres"
	"github.com/hoistdb/hoist/testkit"
)

var _ dialect.Scripter = postgres.New()

// TestScript runs the scripted history statements on the server, with
// names that need quoting, inside one multi-statement string as the
// engine sends them.
func TestScript(t *testing.T) {
	t.Parallel()
	db := testkit.Postgres(t)
	ctx := context.Background()
	d := postgres.New()
	if _, err := db.DB.ExecContext(ctx, d.CreateHistoryTable("hist")); err != nil {
		t.Fatal(err)
	}
	names := []string{"plain", "it's", `back\slash`, `both\'s`, "ünï"}
	script := "BEGIN;\n" + d.MigrationPrologue() + ";\n"
	for i, n := range names {
		script += d.InsertHistoryScript("hist", int64(i+1), n, "c'k", 3) + ";\n"
	}
	script += d.DeleteHistoryScript("hist", 5) + ";\nCOMMIT"
	if _, err := db.DB.ExecContext(ctx, script); err != nil {
		t.Fatalf("script: %v", err)
	}
	rows, err := db.DB.QueryContext(ctx, "SELECT version, name, checksum, batch, state, execution_ms >= 0, applied_at > now() - interval '1 minute' FROM hist ORDER BY version")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var got []string
	for rows.Next() {
		var (
			v, batch            int
			name, sum, state    string
			msOK, appliedRecent bool
		)
		if err := rows.Scan(&v, &name, &sum, &batch, &state, &msOK, &appliedRecent); err != nil {
			t.Fatal(err)
		}
		if sum != "c'k" || batch != 3 || state != "applied" || !msOK || !appliedRecent {
			t.Errorf("row %d: checksum %q batch %d state %q ms ok %v recent %v", v, sum, batch, state, msOK, appliedRecent)
		}
		got = append(got, name)
	}
	if len(got) != 4 || got[0] != names[0] || got[1] != names[1] || got[2] != names[2] || got[3] != names[3] {
		t.Fatalf("names read back %q; want %q without the deleted fifth", got, names[:4])
	}
}
