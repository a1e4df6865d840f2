package dialecttest

import (
	"context"
	"testing"
	"time"
)

func (s *suite) seeds(t *testing.T) {
	t.Parallel()
	db := s.open(t)
	d := s.d
	ctx := context.Background()
	const table = "hoist_seeds"

	if rows, err := db.DB.QueryContext(ctx, d.SelectSeeds(table)); !d.IsMissingTable(err) {
		if err == nil {
			rows.Close()
		}
		t.Errorf("select before create: IsMissingTable(%v) = false, want true", err)
	}
	for _, q := range []string{d.CreateSeedTable(table), d.CreateSeedTable(table)} { // idempotent
		if _, err := db.DB.ExecContext(ctx, q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	at := time.Date(2026, 11, 22, 4, 5, 6, 123456000, time.UTC)
	for _, name := range []string{"countries", "admin user"} {
		if _, err := db.DB.ExecContext(ctx, d.InsertSeed(table), name, "c-"+name, at); err != nil {
			t.Fatalf("%s: %v", d.InsertSeed(table), err)
		}
	}
	if _, err := db.DB.ExecContext(ctx, d.InsertSeed(table), "countries", "other", at); err == nil {
		t.Error("recording a seeder twice succeeded, want a primary key violation")
	}

	rows, err := db.DB.QueryContext(ctx, d.SelectSeeds(table))
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	got := map[string]bool{}
	for rows.Next() {
		var name string
		if err := rows.Scan(&name); err != nil {
			t.Fatal(err)
		}
		got[name] = true
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || !got["countries"] || !got["admin user"] {
		t.Errorf("seeds = %v, want countries and admin user", got)
	}
}
