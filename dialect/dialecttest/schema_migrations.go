package dialecttest

import (
	"fmt"
	"strings"
	"testing"

	"github.com/hoistdb/hoist/dialect"
	"github.com/hoistdb/hoist/sdk/schema"
)

// SchemaMigrations are the builder migrations [RunSchema] applies: the
// issue's tokens, next of kin and orders examples, every column type
// with a default where the type takes one, comments, composite and
// named indexes, foreign keys with actions and relation names, enums
// reused by name, and renames.
func SchemaMigrations() []*schema.Definition {
	return []*schema.Definition{
		schema.Define(20261201090000, "create tokens", func(s *schema.Builder) {
			s.CreateTable("users", func(t *schema.Table) {
				t.ID()
				t.String("email", 255).Unique()
				t.String("name", 100).Nullable().Comment("display name")
				t.Boolean("active").Default(true)
				t.Timestamps()
			})
			s.CreateTable("next_of_kins", func(t *schema.Table) {
				t.UUID("id")
				t.Text("name")
				t.Primary("id")
			})
			s.CreateTable("personal_access_tokens", func(t *schema.Table) {
				t.ID()
				t.BigInteger("user_id")
				t.String("value", 255).Unique()
				t.Timestamps()
				t.ForeignKey("user_id").References("users", "id").OnDelete(schema.Cascade).
					Alias("TokenUser").As("owner").InverseAlias("personalAccessTokens")
			})
			s.CreateTable("orders", func(t *schema.Table) {
				t.Comment("orders placed")
				t.ID()
				t.Enum("status", "PENDING", "PAID", "CANCELLED").EnumName("OrderStatus").Default("PENDING")
				t.Decimal("total", 10, 2).Default(0)
				t.Integer("qty").Default(-1)
				t.SmallInteger("priority").Default(3)
				t.Float("ratio").Nullable()
				t.Double("weight").Default(1.5)
				t.JSON("meta").Nullable()
				t.Timestamp("paid_at").Nullable()
				t.Timestamp("placed_at").UseCurrent()
				t.Date("due").Nullable()
				t.Time("slot").Nullable()
				t.Binary("receipt").Nullable()
				t.Text("note").Nullable()
				t.String("code", 20).Default(`it's a\b`)
				t.Boolean("gift").Default(false)
				t.BigInteger("user_id").Nullable().Foreign().References("users", "id").OnDelete(schema.SetNull).OnUpdate(schema.Cascade)
				t.Index("status", "qty")
				t.Unique("code").Name("orders_code_unique")
			})
		}),
		schema.Define(20261201090100, "link next of kin", func(s *schema.Builder) {
			s.AlterTable("users", func(t *schema.Table) {
				t.UUID("nok_id").Nullable().Unique().Map("NokID")
				t.ForeignKey("nok_id").References("next_of_kins", "id").As("NextOfKin")
				t.String("nickname", 50).Nullable().Index()
			})
		}),
		schema.Define(20261201090200, "carts and refunds", func(s *schema.Builder) {
			s.CreateTable("carts", func(t *schema.Table) {
				t.Increments("id")
				t.Enum("status", "PENDING", "PAID", "CANCELLED").EnumName("OrderStatus").Default("PAID")
			})
			s.CreateTable("refunds", func(t *schema.Table) {
				t.ID()
				t.Enum("reason", "LOST", "DAMAGED").EnumName("RefundReason")
				t.BigInteger("order_id").Foreign().References("orders", "id").Name("refunds_order")
			})
			s.CreateTable("returns", func(t *schema.Table) {
				t.ID()
				t.EnumRef("reason", "RefundReason").Default("DAMAGED")
			})
		}),
		schema.Define(20261201090300, "renames", func(s *schema.Builder) {
			s.RenameTable("carts", "baskets")
			s.AlterTable("orders", func(t *schema.Table) {
				t.RenameColumn("note", "remark")
			})
		}),
	}
}

// RenderSchema returns the DDL that d renders for [SchemaMigrations],
// up then down, each migration planned against the schema the builder
// describes before it: a text for a golden file, made without a
// database.
func RenderSchema(t testing.TB, d dialect.Dialect) string {
	t.Helper()
	var b strings.Builder
	current := &schema.Schema{}
	for _, def := range SchemaMigrations() {
		up, err := def.Statements(d, current, def.Up)
		if err != nil {
			t.Fatalf("rendering %d up: %v", def.Version, err)
		}
		after, err := def.Apply(current)
		if err != nil {
			t.Fatal(err)
		}
		down, err := def.Statements(d, after, def.Down)
		if err != nil {
			t.Fatalf("rendering %d down: %v", def.Version, err)
		}
		fmt.Fprintf(&b, "-- %d %s: up\n%s;\n\n-- %d %s: down\n%s;\n\n", def.Version, def.Name, strings.Join(up, ";\n"),
			def.Version, def.Name, strings.Join(down, ";\n"))
		current = after
	}
	return b.String()
}
