package schema_test

import (
	"fmt"

	"github.com/hoistdb/hoist/sdk"
	"github.com/hoistdb/hoist/sdk/schema"
)

// A schema migration is a value for sdk.WithMigrations; what it
// describes can be read without a database.
func ExampleMigration() {
	createOrders := schema.Define(20261201090000, "create orders", func(s *schema.Builder) {
		s.CreateTable("users", func(t *schema.Table) {
			t.ID()
			t.String("email", 255).Unique()
		})
		s.CreateTable("orders", func(t *schema.Table) {
			t.ID()
			t.Enum("status", "PENDING", "PAID").EnumName("OrderStatus").Default("PENDING")
			t.BigInteger("user_id").Foreign().References("users", "id").OnDelete(schema.Cascade).As("owner")
		})
	})
	if createOrders.Err != nil {
		panic(createOrders.Err)
	}
	described, err := createOrders.Apply(&schema.Schema{})
	if err != nil {
		panic(err)
	}
	fmt.Print(described)

	// sdk.New(db, postgres.New(), sdk.WithMigrations(createOrders.Migration()))
	var _ sdk.Migration = createOrders.Migration()
	// Output:
	// enum OrderStatus (PENDING, PAID)
	// table orders
	//   id bigint auto_increment
	//   status enum OrderStatus (PENDING, PAID) default 'PENDING'
	//   user_id bigint
	//   primary key (id)
	//   foreign key orders_user_id_fkey (user_id) references users (id) on delete cascade as owner
	// table users
	//   id bigint auto_increment
	//   email string(255)
	//   primary key (id)
	//   unique index users_email_key (email)
}

// Mistakes are reported before any SQL runs, naming the migration,
// table and column.
func ExampleDefine_errors() {
	bad := schema.Define(20261201090100, "bad enum", func(s *schema.Builder) {
		s.CreateTable("orders", func(t *schema.Table) {
			t.ID()
			t.Enum("status", "PENDING", "PAID").EnumName("OrderStatus").Default("SHIPPED")
		})
	})
	fmt.Println(bad.Err)
	// Output:
	// schema migration 20261201090100 "bad enum": table orders, column status: default "SHIPPED" is not a member of enum OrderStatus ([PENDING PAID]); give the member's name
}
