package mysql_test

import (
	"fmt"

	"github.com/hoistdb/hoist/dialect/mysql"
)

func ExampleDialect_QuoteIdent() {
	d := mysql.New()
	fmt.Println(d.QuoteIdent("app.hoist_migrations"))
	fmt.Println(d.QuoteIdent("odd`name"))
	// Output:
	// `app`.`hoist_migrations`
	// `odd``name`
}
