package schema_test

import (
	"context"
	"database/sql"
	"fmt"
	"log/slog"

	"github.com/hoistdb/hoist/dialect/sqlite"
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

// The names no catalogue holds (relation names, field names, and on
// MySQL and SQLite enum names) are kept with the history and read back
// with the schema.
func ExampleInspectWithMetadata() {
	ctx := context.Background()
	db, err := sql.Open("sqlite", "file:example_meta?mode=memory&cache=shared")
	if err != nil {
		panic(err)
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	create := schema.Migration(1, "tokens", func(s *schema.Builder) {
		s.CreateTable("users", func(t *schema.Table) { t.ID() })
		s.CreateTable("tokens", func(t *schema.Table) {
			t.ID()
			t.BigInteger("user_id").Map("UserID")
			t.Enum("kind", "API", "SESSION").EnumName("TokenKind")
			t.ForeignKey("user_id").References("users", "id").Alias("TokenUser").As("owner").InverseAlias("tokens")
		})
	})
	m, err := sdk.New(db, sqlite.New(), sdk.WithMigrations(create), sdk.WithLogger(slog.New(slog.DiscardHandler)))
	if err != nil {
		panic(err)
	}
	if _, err := m.Up(ctx); err != nil {
		panic(err)
	}
	s, err := schema.InspectWithMetadata(ctx, db, sqlite.New(), "")
	if err != nil {
		panic(err)
	}
	fmt.Print(s.Table("tokens"))
	// Output:
	// table tokens
	//   id bigint auto_increment
	//   user_id bigint field UserID
	//   kind enum TokenKind (API, SESSION)
	//   primary key (id)
	//   foreign key tokens_user_id_fkey (user_id) references users (id) alias TokenUser as owner inverse tokens
}
