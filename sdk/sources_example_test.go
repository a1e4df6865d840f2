package sdk_test

import (
	"fmt"
	"log"

	"github.com/hoistdb/hoist/sdk"
)

// SourcesOf tells what a set of options reads its migrations from,
// without reading them: a test helper can tell two sets apart, or the
// same set given again, before it pays for parsing the files.
func ExampleSourcesOf() {
	opts := []sdk.Option{sdk.WithFS(migrationsFS), sdk.WithTable("app_migrations"), silent}
	src, err := sdk.SourcesOf(opts...)
	if err != nil {
		log.Fatal(err)
	}
	files := src.FS != nil
	fmt.Println("files:", files, "go migrations:", len(src.Migrations), "table:", src.Table)

	_, err = sdk.SourcesOf(sdk.WithTable("no such table!"))
	fmt.Println(err != nil)
	// Output:
	// files: true go migrations: 0 table: app_migrations
	// true
}
