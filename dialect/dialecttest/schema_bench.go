package dialecttest

import (
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"testing"

	"github.com/hoistdb/hoist/dialect"
	"github.com/hoistdb/hoist/sdk"
	"github.com/hoistdb/hoist/sdk/schema"
	"github.com/hoistdb/hoist/testkit"
)

// Sizes of the schema BenchmarkInspect reads.
const (
	benchTables = 500
	benchEnums  = 100
)

// BenchSchema describes the schema that [BenchInspect] reads: 500
// tables with 1,000 foreign keys between them and 100 enums, each table
// with a key, four columns, an index and a unique index.
func BenchSchema() *schema.Definition {
	return schema.Define(1, "bench schema", func(s *schema.Builder) {
		for i := range benchTables {
			s.CreateTable(fmt.Sprintf("t%03d", i), func(t *schema.Table) {
				t.ID()
				t.String("name", 100).Unique()
				t.Integer("qty").Default(0).Index()
				t.Enum("state", "A", "B", fmt.Sprintf("C%d", i%benchEnums)).EnumName(fmt.Sprintf("state_%02d", i%benchEnums))
				t.Timestamp("at").Nullable()
				var refs []int
				if i >= 1 {
					refs = append(refs, i-1)
				}
				if i >= 2 {
					refs = append(refs, i/2)
				}
				if i >= 2 && i <= 4 {
					refs = append(refs, 0)
				}
				for k, r := range refs {
					col := fmt.Sprintf("ref%d_id", k)
					t.BigInteger(col).Nullable().Foreign().References(fmt.Sprintf("t%03d", r), "id")
				}
			})
		}
	})
}

// BenchInspect measures [schema.Inspect] of [BenchSchema] on d, with a
// database from open, and reports the catalogue queries it sends as
// queries/op.
func BenchInspect(b *testing.B, d dialect.Dialect, open func(t testing.TB) *testkit.DB) {
	db := open(b)
	ctx := context.Background()
	m, err := sdk.New(db.DB, d, sdk.WithMigrations(BenchSchema().Migration()), sdk.WithLogger(slog.New(slog.DiscardHandler)))
	if err != nil {
		b.Fatal(err)
	}
	if _, err := m.Up(ctx); err != nil {
		b.Fatal(err)
	}
	q := &countingQuerier{db: db.DB}
	s, err := schema.Inspect(ctx, q, d)
	if err != nil {
		b.Fatal(err)
	}
	fks := 0
	for _, t := range s.Tables {
		fks += len(t.ForeignKeys)
	}
	if len(s.Tables) != benchTables || fks != 2*benchTables {
		b.Fatalf("inspected %d tables and %d foreign keys, want %d and %d", len(s.Tables), fks, benchTables, 2*benchTables)
	}
	q.n = 0
	b.ResetTimer()
	for b.Loop() {
		if _, err := schema.Inspect(ctx, q, d); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(q.n)/float64(b.N), "queries/op")
}

// countingQuerier counts the queries sent through it.
type countingQuerier struct {
	db *sql.DB
	n  int
}

func (c *countingQuerier) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	c.n++
	return c.db.QueryContext(ctx, query, args...)
}
