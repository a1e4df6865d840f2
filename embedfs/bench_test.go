package embedfs_test

import (
	"fmt"
	"testing"
	"testing/fstest"

	"github.com/hoistdb/hoist/embedfs"
)

// benchFS returns a file system of 10,000 generated files in one layout.
func benchFS(layout string) fstest.MapFS {
	const files = 10_000
	fsys := make(fstest.MapFS, files)
	for v := 1; len(fsys) < files; v++ {
		up := fmt.Sprintf(`CREATE TABLE t%[1]d (
	id bigint PRIMARY KEY,
	name text NOT NULL DEFAULT 'none; really', -- a comment; with a semicolon
	created timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX t%[1]d_name ON t%[1]d (name);
`, v)
		down := fmt.Sprintf("DROP TABLE t%d;\n", v)
		switch layout {
		case "native":
			fsys[fmt.Sprintf("%05d_table_%d.sql", v, v)] = &fstest.MapFile{Data: []byte("-- +hoist up\n" + up + "-- +hoist down\n" + down)}
		case "goose":
			fsys[fmt.Sprintf("%05d_table_%d.sql", v, v)] = &fstest.MapFile{Data: []byte("-- +goose Up\n-- +goose StatementBegin\n" + up + "-- +goose StatementEnd\n-- +goose Down\n" + down)}
		case "pair":
			fsys[fmt.Sprintf("%05d_table_%d.up.sql", v, v)] = &fstest.MapFile{Data: []byte(up)}
			fsys[fmt.Sprintf("%05d_table_%d.down.sql", v, v)] = &fstest.MapFile{Data: []byte(down)}
		}
	}
	return fsys
}

func BenchmarkReadMigrations(b *testing.B) {
	for _, layout := range []string{"native", "goose", "pair"} {
		b.Run(layout, func(b *testing.B) {
			fsys := benchFS(layout)
			b.ReportAllocs()
			for b.Loop() {
				if _, err := embedfs.ReadMigrations(fsys); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
