package schema_test

import (
	"context"
	"database/sql"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/hoistdb/hoist/sdk"
	"github.com/hoistdb/hoist/sdk/schema"
	"github.com/hoistdb/hoist/testkit"
)

var ordersDef = schema.Define(1, "orders", func(s *schema.Builder) {
	s.CreateTable("orders", func(t *schema.Table) {
		t.ID()
		t.Enum("status", "PENDING", "PAID").EnumName("OrderStatus").Default("PENDING")
	})
})

var refundsDef = schema.Define(2, "refunds", func(s *schema.Builder) {
	s.CreateTable("refunds", func(t *schema.Table) {
		t.ID()
		t.EnumRef("status", "OrderStatus").Default("PAID")
	})
})

// TestEnumRefAcrossMigrations: EnumRef reuses an enum that an earlier
// migration defined, on every engine (MySQL and SQLite find it in the
// kept metadata), with its members and the default checked against
// them; the column reads back named; rollback restores the schema.
func TestEnumRefAcrossMigrations(t *testing.T) {
	t.Parallel()
	eachEngine(t, func(t *testing.T, db *testkit.DB) {
		ctx := context.Background()
		m, err := sdk.New(db.DB, db.Dialect, sdk.WithMigrations(ordersDef.Migration(), refundsDef.Migration()))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := m.Up(ctx); err != nil {
			t.Fatal(err)
		}
		checkNames(t, db, "after Up", []string{
			"enum OrderStatus [PENDING PAID]",
			"orders.status enum OrderStatus [PENDING PAID]",
			"refunds.status enum OrderStatus [PENDING PAID]",
		})
		s, err := schema.InspectWithMetadata(ctx, db.DB, db.Dialect, "")
		if err != nil {
			t.Fatal(err)
		}
		if got := s.Table("refunds").Column("status").String(); got != "status enum OrderStatus (PENDING, PAID) default 'PAID'" {
			t.Errorf("refunds.status = %s", got)
		}
	})
}

// TestEnumRefAcrossMigrationsRefused: an EnumRef whose default is not a
// member of the earlier migration's enum, or of an enum no migration
// defined, is refused before any SQL runs, on every engine.
func TestEnumRefAcrossMigrationsRefused(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		def  *schema.Definition
		want string
	}{
		{"bad_default", schema.Define(2, "refunds", func(s *schema.Builder) {
			s.CreateTable("refunds", func(t *schema.Table) { t.ID(); t.EnumRef("status", "OrderStatus").Default("SHIPPED") })
		}), `table refunds, column status: default "SHIPPED" is not a member of enum OrderStatus ([PENDING PAID])`},
		{"unknown_enum", schema.Define(2, "refunds", func(s *schema.Builder) {
			s.CreateTable("refunds", func(t *schema.Table) { t.ID(); t.EnumRef("status", "RefundStatus") })
		}), "table refunds, column status: EnumRef: there is no enum RefundStatus"},
		{"other_members", schema.Define(2, "refunds", func(s *schema.Builder) {
			s.CreateTable("refunds", func(t *schema.Table) { t.ID(); t.Enum("status", "PENDING").EnumName("OrderStatus") })
		}), "enum OrderStatus exists with other members"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			eachEngine(t, func(t *testing.T, db *testkit.DB) {
				ctx := context.Background()
				m, err := sdk.New(db.DB, db.Dialect, sdk.WithMigrations(ordersDef.Migration(), c.def.Migration()))
				if err != nil {
					t.Fatal(err)
				}
				_, err = m.Up(ctx)
				if err == nil || !strings.Contains(err.Error(), c.want) {
					t.Fatalf("Up = %v; want it refused with %q", err, c.want)
				}
				var me *sdk.MigrationError
				if !errors.As(err, &me) || me.Version != 2 || me.Dirty {
					t.Fatalf("Up = %#v; want a clean failure of migration 2 (nothing ran)", err)
				}
				if s, err := schema.Inspect(ctx, db.DB, db.Dialect); err != nil || s.Table("refunds") != nil {
					t.Fatalf("refunds exists after the refused migration (%v)", err)
				}
			})
		})
	}
}

// TestEnumRoundTrip: rolling back each enum migration restores the
// schema inspected before it.
func TestEnumRoundTrip(t *testing.T) {
	t.Parallel()
	eachEngine(t, func(t *testing.T, db *testkit.DB) {
		testkit.RoundTrip(t, db, sdk.WithMigrations(ordersDef.Migration(), refundsDef.Migration(), addRefunded.Migration()))
	})
}

var addRefunded = schema.Define(3, "refunded", func(s *schema.Builder) { s.AddEnumValue("OrderStatus", "REFUNDED") })

// TestAddEnumValueEveryEngine: a member added to an enum of an earlier
// migration reaches every column of the enum, keeps the rows, and can
// be stored; on MySQL by MODIFY COLUMN, on SQLite by rebuilding each
// table, on PostgreSQL by ALTER TYPE. The migration is irreversible.
func TestAddEnumValueEveryEngine(t *testing.T) {
	t.Parallel()
	eachEngine(t, func(t *testing.T, db *testkit.DB) {
		ctx := context.Background()
		m, err := sdk.New(db.DB, db.Dialect, sdk.WithMigrations(ordersDef.Migration(), refundsDef.Migration(), addRefunded.Migration()))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := m.UpTo(ctx, 2); err != nil {
			t.Fatal(err)
		}
		if _, err := db.DB.ExecContext(ctx, "INSERT INTO orders (status) VALUES ('PAID')"); err != nil {
			t.Fatal(err)
		}
		if _, err := m.Up(ctx); err != nil {
			t.Fatal(err)
		}
		checkNames(t, db, "after AddEnumValue", []string{
			"enum OrderStatus [PENDING PAID REFUNDED]",
			"orders.status enum OrderStatus [PENDING PAID REFUNDED]",
			"refunds.status enum OrderStatus [PENDING PAID REFUNDED]",
		})
		var status string
		if err := db.DB.QueryRowContext(ctx, "SELECT status FROM orders").Scan(&status); err != nil || status != "PAID" {
			t.Fatalf("the order's status after AddEnumValue = %q (%v); want PAID, kept", status, err)
		}
		for _, table := range []string{"orders", "refunds"} {
			if _, err := db.DB.ExecContext(ctx, "INSERT INTO "+table+" (status) VALUES ('REFUNDED')"); err != nil {
				t.Fatalf("storing the new member in %s: %v", table, err)
			}
			if _, err := db.DB.ExecContext(ctx, "INSERT INTO "+table+" (status) VALUES ('SHIPPED')"); err == nil {
				t.Fatalf("%s took SHIPPED, not a member", table)
			}
		}
		if slices.ContainsFunc(m.Migrations(), func(mig sdk.Migration) bool { return mig.Version == 3 && mig.Reversible() }) {
			t.Error("AddEnumValue migration is reversible; want irreversible")
		}
	})
}

// TestAddEnumValueSQLiteReferenced: on SQLite, a member is added to an
// enum of a table another table references: the table is rebuilt with
// foreign keys off around the transaction, and the referencing rows stay.
func TestAddEnumValueSQLiteReferenced(t *testing.T) {
	t.Parallel()
	db := testkit.SQLite(t)
	ctx := context.Background()
	fk, err := sql.Open(db.Driver, db.DSN+"&_pragma=foreign_keys(1)")
	if err != nil {
		t.Fatal(err)
	}
	defer fk.Close()
	lines := schema.Define(2, "lines", func(s *schema.Builder) {
		s.CreateTable("lines", func(t *schema.Table) {
			t.ID()
			t.BigInteger("order_id").Foreign().References("orders", "id").OnDelete(schema.Cascade)
		})
	})
	add := schema.Define(3, "refunded", func(s *schema.Builder) { s.AddEnumValue("OrderStatus", "REFUNDED") })
	m, err := sdk.New(fk, db.Dialect, sdk.WithMigrations(ordersDef.Migration(), lines.Migration(), add.Migration()))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := m.UpTo(ctx, 2); err != nil {
		t.Fatal(err)
	}
	if _, err := fk.ExecContext(ctx, `INSERT INTO orders (status) VALUES ('PAID')`); err != nil {
		t.Fatal(err)
	}
	if _, err := fk.ExecContext(ctx, `INSERT INTO lines (order_id) VALUES (1)`); err != nil {
		t.Fatal(err)
	}
	if _, err := m.Up(ctx); err != nil {
		t.Fatalf("Up = %v; want orders rebuilt with the new member", err)
	}
	var n int
	if err := fk.QueryRowContext(ctx, `SELECT count(*) FROM lines`).Scan(&n); err != nil || n != 1 {
		t.Errorf("lines after the rebuild of orders: %d rows (%v); want 1", n, err)
	}
	checkNames(t, db, "after the member was added", []string{
		"enum OrderStatus [PENDING PAID REFUNDED]",
		"orders.status enum OrderStatus [PENDING PAID REFUNDED]",
	})
}
