package dialecttest

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strconv"
	"testing"

	"github.com/hoistdb/hoist/dialect"
	"github.com/hoistdb/hoist/sdk"
	"github.com/hoistdb/hoist/sdk/schema"
	"github.com/hoistdb/hoist/testkit"
)

// randomCases is how many random schemas RunSchema builds per engine.
const randomCases = 40

// schemaRandom applies randomCases random schemas one after the other on
// one database: each is built, inspected and compared with what the
// builder describes, then rolled back and the database is empty again.
// Case i is generated from seed i, so a failure names a case that can be
// generated again with RandomSchema(i).
func schemaRandom(t *testing.T, d dialect.Dialect, ins schema.Inspector, open func(t testing.TB) *testkit.DB) {
	t.Parallel()
	db := open(t)
	ctx := context.Background()
	for i := range randomCases {
		def := RandomSchema(uint64(i))
		if def.Err != nil {
			t.Fatalf("case %d: the generator made a mistake: %v", i, def.Err)
		}
		m, err := sdk.New(db.DB, d, sdk.WithMigrations(def.Migration()))
		if err != nil {
			t.Fatalf("case %d: %v", i, err)
		}
		if _, err := m.Up(ctx); err != nil {
			t.Fatalf("case %d: %v", i, err)
		}
		described, err := def.Apply(&schema.Schema{})
		if err != nil {
			t.Fatalf("case %d: %v", i, err)
		}
		s, err := schema.Inspect(ctx, db.DB, d)
		if err != nil {
			t.Fatal(err)
		}
		if got, want := s.String(), ins.Catalogued(described).String(); got != want {
			t.Fatalf("case %d, inspected:\n%s\nwant (described):\n%s\ndiff:\n%s", i, got, want, lineDiff(want, got))
		}
		if _, err := m.Rollback(ctx, sdk.RollbackOptions{}); err != nil {
			t.Fatalf("case %d: rollback: %v", i, err)
		}
		if s, err = schema.Inspect(ctx, db.DB, d); err != nil {
			t.Fatal(err)
		} else if len(s.Tables) != 0 || len(s.Enums) != 0 {
			t.Fatalf("case %d: rollback left:\n%s", i, s)
		}
	}
	t.Logf("%d random schemas built, inspected and rolled back on %s", randomCases, d.Name())
}

// RandomSchema returns a migration that creates a random schema from
// seed: two to five tables with columns of every type, nullable or not,
// defaults where every engine reads them back alike, comments, indexes,
// unique indexes, foreign keys to earlier tables and enums shared by
// name. It keeps to what every engine accepts (no index on text, JSON or
// binary columns, no SET DEFAULT, no SET NULL on a NOT NULL column).
func RandomSchema(seed uint64) *schema.Definition {
	r := rand.New(rand.NewPCG(seed, 0x5eed))
	enums := []struct {
		name    string
		members []string
	}{
		{"OrderStatus", []string{"PENDING", "PAID", "CANCELLED"}},
		{"mood", []string{"HAPPY", "SAD"}},
		{"Level_2", []string{"LOW", "MID", "HIGH", "MAX_LEVEL"}},
	}
	return schema.Define(int64(seed)+1, "random "+strconv.FormatUint(seed, 10), func(s *schema.Builder) {
		var tables []string
		for ti := range 2 + r.IntN(4) {
			name := fmt.Sprintf("t%d_%d", seed, ti)
			s.CreateTable(name, func(t *schema.Table) {
				t.ID()
				var indexable []string
				for ci := range 1 + r.IntN(8) {
					col := fmt.Sprintf("c%d", ci)
					var c *schema.Column
					dflt := r.IntN(3) == 0
					index := true
					switch r.IntN(16) {
					case 0:
						c = t.Integer(col)
						if dflt {
							c.Default(r.IntN(2000) - 1000)
						}
					case 1:
						c = t.BigInteger(col)
						if dflt {
							c.Default(int64(r.Uint32()) * 3)
						}
					case 2:
						c = t.SmallInteger(col)
						if dflt {
							c.Default(r.IntN(100) - 50)
						}
					case 3:
						c = t.String(col, 1+r.IntN(255))
						if dflt {
							c.Default([]string{"", "x", "it's", `a\b`, "héllo"}[r.IntN(5)])
						}
					case 4:
						c, index = t.Text(col), false
					case 5:
						c = t.Boolean(col)
						if dflt {
							c.Default(r.IntN(2) == 0)
						}
					case 6:
						p := 1 + r.IntN(18)
						sc := r.IntN(p + 1)
						c = t.Decimal(col, p, sc)
						if dflt && p-sc > 0 {
							c.Default(r.IntN(9) + 1)
						}
					case 7:
						c = t.Float(col)
						if dflt {
							c.Default(float64(r.IntN(100)) / 4)
						}
					case 8:
						c = t.Double(col)
						if dflt {
							c.Default(-float64(r.IntN(100)) / 8)
						}
					case 9:
						c = t.UUID(col)
						if dflt {
							c.Default("0b9f7c9e-4a7e-4d34-9b1b-2f1a6c3e5d7a")
						}
					case 10:
						c, index = t.JSON(col), false
					case 11:
						c = t.Timestamp(col)
						if dflt {
							c.UseCurrent()
						}
					case 12:
						c = t.Date(col)
						if dflt {
							c.Default("2026-12-01")
						}
					case 13:
						c = t.Time(col)
						if dflt {
							c.Default("09:30:00")
						}
					case 14:
						c, index = t.Binary(col), false
					case 15:
						e := enums[r.IntN(len(enums))]
						c = t.Enum(col, e.members...).EnumName(e.name)
						if dflt {
							c.Default(e.members[r.IntN(len(e.members))])
						}
					}
					nullable := r.IntN(2) == 0
					if nullable {
						c.Nullable()
					}
					if r.IntN(5) == 0 {
						c.Comment("comment " + col)
					}
					if index {
						indexable = append(indexable, col)
						switch r.IntN(6) {
						case 0:
							c.Index()
						case 1:
							c.Unique()
						}
					}
				}
				if len(indexable) >= 2 && r.IntN(2) == 0 {
					a, b := indexable[r.IntN(len(indexable))], indexable[r.IntN(len(indexable))]
					if a != b {
						t.Index(a, b).Name(name + "_pair")
					}
				}
				if len(tables) > 0 && r.IntN(3) > 0 {
					fkCol := "ref_id"
					c := t.BigInteger(fkCol)
					actions := []schema.Action{schema.NoAction, schema.Cascade, schema.Restrict}
					if r.IntN(2) == 0 {
						c.Nullable()
						actions = append(actions, schema.SetNull)
					}
					t.ForeignKey(fkCol).References(tables[r.IntN(len(tables))], "id").
						OnDelete(actions[r.IntN(len(actions))]).OnUpdate(actions[r.IntN(len(actions))])
				}
				if r.IntN(4) == 0 {
					t.Timestamps()
				}
			})
			tables = append(tables, name)
		}
	})
}
