package postgres_test

import (
	"fmt"

	"github.com/hoistdb/hoist/dialect/postgres"
)

func ExampleDialect_QuoteIdent() {
	d := postgres.New()
	fmt.Println(d.QuoteIdent("app.hoist_migrations"))
	fmt.Println(d.QuoteIdent(`odd"name`))
	// Output:
	// "app"."hoist_migrations"
	// "odd""name"
}
