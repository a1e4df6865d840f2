package postgres_test

import (
	"context"
	"strings"
	"testing"

	"github.com/hoistdb/hoist/dialect/dialecttest"
	"github.com/hoistdb/hoist/dialect/postgres"
	"github.com/hoistdb/hoist/sdk"
	"github.com/hoistdb/hoist/sdk/schema"
	"github.com/hoistdb/hoist/testkit"
)

// TestSchemaConformance builds, inspects and rolls back the suite's
// builder migrations on PostgreSQL.
func TestSchemaConformance(t *testing.T) {
	t.Parallel()
	dialecttest.RunSchema(t, postgres.New(), func(t testing.TB) *testkit.DB { return testkit.Postgres(t) })
}

// TestRenderDDL pins the DDL of the suite's builder migrations, up and
// down, as postgres spells it.
func TestRenderDDL(t *testing.T) {
	t.Parallel()
	testkit.Golden(t, "schema_ddl.sql", dialecttest.RenderSchema(t, postgres.New()))
}

// BenchmarkInspect reads a schema of 500 tables, 1,000 foreign keys and
// 100 enums back.
func BenchmarkInspect(b *testing.B) {
	dialecttest.BenchInspect(b, postgres.New(), func(t testing.TB) *testkit.DB { return testkit.Postgres(t) })
}

// TestAddEnumValue: a member added to a PostgreSQL enum inside the
// migration's transaction shows in the enum and in its columns; using
// it as a default in the same migration is refused before any SQL runs,
// and works in the next one. The migration is irreversible.
func TestAddEnumValue(t *testing.T) {
	t.Parallel()
	db := testkit.Postgres(t)
	ctx := context.Background()
	base := schema.Migration(1, "orders", func(s *schema.Builder) {
		s.CreateTable("orders", func(t *schema.Table) {
			t.ID()
			t.Enum("status", "PENDING", "PAID").EnumName("OrderStatus").Default("PENDING")
		})
	})
	tooSoon := schema.Migration(2, "refunded too soon", func(s *schema.Builder) {
		s.AddEnumValue("OrderStatus", "REFUNDED")
		s.CreateTable("refunds", func(t *schema.Table) { t.ID(); t.EnumRef("status", "OrderStatus").Default("REFUNDED") })
	})
	m, err := sdk.New(db.DB, postgres.New(), sdk.WithMigrations(base, tooSoon))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := m.Up(ctx); err == nil || !strings.Contains(err.Error(), "table refunds, column status: default REFUNDED is a member of enum OrderStatus that this migration adds") {
		t.Fatalf("Up = %v, want the new member refused as a default", err)
	}
	add := schema.Migration(2, "refunded", func(s *schema.Builder) { s.AddEnumValue("OrderStatus", "REFUNDED") })
	use := schema.Migration(3, "refunds", func(s *schema.Builder) {
		s.CreateTable("refunds", func(t *schema.Table) { t.ID(); t.EnumRef("status", "OrderStatus").Default("REFUNDED") })
	})
	if add.Reversible() {
		t.Error("adding an enum member is reversible, want irreversible")
	}
	m, err = sdk.New(db.DB, postgres.New(), sdk.WithMigrations(base, add, use))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := m.Up(ctx); err != nil {
		t.Fatal(err)
	}
	s, err := schema.Inspect(ctx, db.DB, postgres.New())
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"enum OrderStatus (PENDING, PAID, REFUNDED)",
		"status enum OrderStatus (PENDING, PAID, REFUNDED) default 'PENDING'",
		"status enum OrderStatus (PENDING, PAID, REFUNDED) default 'REFUNDED'",
	} {
		if !strings.Contains(s.String(), want) {
			t.Errorf("inspected schema lacks %q:\n%s", want, s)
		}
	}
}
