package sqlite_test

import (
	"fmt"

	"github.com/hoistdb/hoist/dialect/sqlite"
)

func ExampleDialect_QuoteIdent() {
	d := sqlite.New()
	fmt.Println(d.QuoteIdent("main.hoist_migrations"))
	fmt.Println(d.QuoteIdent(`odd"name`))
	// Output:
	// "main"."hoist_migrations"
	// "odd""name"
}
