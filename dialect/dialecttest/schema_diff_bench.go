package dialecttest

import (
	"context"
	"log/slog"
	"testing"

	"github.com/hoistdb/hoist/dialect"
	"github.com/hoistdb/hoist/sdk"
	"github.com/hoistdb/hoist/sdk/schema"
	"github.com/hoistdb/hoist/testkit"
)

// BenchCompare measures what migrate:generate does against a live
// database of [BenchSchema]'s 500 tables: settle the models (create
// them in a scratch place and read them back), inspect the database,
// diff, and render the file. The models are the schema itself, so the
// diff is empty; the work is the same.
func BenchCompare(b *testing.B, d dialect.Dialect, open func(t testing.TB) *testkit.DB) {
	db := open(b)
	ctx := context.Background()
	def := BenchSchema()
	m, err := sdk.New(db.DB, d, sdk.WithMigrations(def.Migration()), sdk.WithLogger(slog.New(slog.DiscardHandler)))
	if err != nil {
		b.Fatal(err)
	}
	if _, err := m.Up(ctx); err != nil {
		b.Fatal(err)
	}
	models, err := def.Apply(&schema.Schema{})
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		cs, err := schema.Compare(ctx, db.DB, d, models, schema.DiffOptions{})
		if err != nil {
			b.Fatal(err)
		}
		if !cs.Empty() {
			b.Fatalf("the schema differs from itself: %v", cs.Up)
		}
		if _, err := cs.SQLFile(d); err != nil {
			b.Fatal(err)
		}
	}
}
