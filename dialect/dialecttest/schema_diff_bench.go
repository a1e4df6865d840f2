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
// database of [BenchSchema]'s 500 tables: inspect the database, settle
// the models' tables that can differ (create them in a scratch place
// and read them back), diff, and render the file; with models identical
// to the database, which settles nothing, and with [BenchModels]' four
// changes, which settles the changed tables and those they reference.
func BenchCompare(b *testing.B, d dialect.Dialect, open func(t testing.TB) *testkit.DB) {
	db := open(b)
	ctx := context.Background()
	m, err := sdk.New(db.DB, d, sdk.WithMigrations(BenchSchema().Migration()), sdk.WithLogger(slog.New(slog.DiscardHandler)))
	if err != nil {
		b.Fatal(err)
	}
	if _, err := m.Up(ctx); err != nil {
		b.Fatal(err)
	}
	identical, changed, err := BenchModels()
	if err != nil {
		b.Fatal(err)
	}
	for _, c := range []struct {
		name    string
		models  *schema.Schema
		changes int
	}{{"identical", identical, 0}, {"four_changes", changed, 4}} {
		b.Run(c.name, func(b *testing.B) {
			for b.Loop() {
				cs, err := schema.Compare(ctx, db.DB, d, c.models, schema.DiffOptions{})
				if err != nil {
					b.Fatal(err)
				}
				if len(cs.Up) != c.changes {
					b.Fatalf("%d changes, want %d: %v", len(cs.Up), c.changes, cs.Up)
				}
				if _, err := cs.SQLFile(d); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchModels returns [BenchSchema] as described, which is what a
// database built from it holds, and the same with the handful of
// changes a day's work brings to models: a column added to t100, t200's
// name widened from 100 to 200, an index on t300's at, and a new table
// that references t400.
func BenchModels() (identical, changed *schema.Schema, err error) {
	identical, err = BenchSchema().Apply(&schema.Schema{})
	if err != nil {
		return nil, nil, err
	}
	changed = identical.Clone()
	t := changed.Table("t100")
	t.Columns = append(t.Columns, &schema.ColumnDef{Name: "note", Type: schema.TypeString, Length: 200, Nullable: true})
	changed.Table("t200").Column("name").Length = 200
	t = changed.Table("t300")
	t.Indexes = append(t.Indexes, &schema.IndexDef{Name: "t300_at_idx", Columns: []string{"at"}})
	changed.Tables = append(changed.Tables, &schema.TableDef{Name: "t_new", PrimaryKey: []string{"id"},
		Columns: []*schema.ColumnDef{
			{Name: "id", Type: schema.TypeBigInt, AutoIncrement: true},
			{Name: "t400_id", Type: schema.TypeBigInt},
			{Name: "label", Type: schema.TypeString, Length: 50},
		},
		ForeignKeys: []*schema.ForeignKeyDef{{Name: "t_new_t400_id_fkey", Columns: []string{"t400_id"}, RefTable: "t400", RefColumns: []string{"id"}, OnDelete: schema.Cascade}},
	})
	changed.Sort()
	return identical, changed, nil
}
