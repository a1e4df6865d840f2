package schema_test

import (
	"fmt"
	"testing"

	"github.com/hoistdb/hoist/dialect/dialecttest"
	"github.com/hoistdb/hoist/sdk/schema"
)

// BenchmarkDiff diffs two models of 500 tables (dialecttest.BenchSchema:
// 1,000 foreign keys, 100 enums) that differ in every tenth table: a
// column added, one widened, an index dropped. The issue asks for 20 ms
// or less.
func BenchmarkDiff(b *testing.B) {
	live, err := dialecttest.BenchSchema().Apply(&schema.Schema{})
	if err != nil {
		b.Fatal(err)
	}
	desired := live.Clone()
	for i, t := range desired.Tables {
		if i%10 != 0 {
			continue
		}
		t.Columns = append(t.Columns, &schema.ColumnDef{Name: fmt.Sprintf("added_%d", i), Type: schema.TypeText, Nullable: true})
		for _, c := range t.Columns {
			if c.Type == schema.TypeString {
				c.Length += 10
				break
			}
		}
		if len(t.Indexes) > 0 {
			t.Indexes = t.Indexes[1:]
		}
	}
	var changes int
	for b.Loop() {
		cs, err := schema.Diff(desired, live, schema.DiffOptions{})
		if err != nil {
			b.Fatal(err)
		}
		changes = len(cs.Up)
	}
	b.ReportMetric(float64(changes), "changes")
}
