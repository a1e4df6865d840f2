package sdk_test

import (
	"context"
	"database/sql"
	"io"
	"log/slog"
	"testing"
	"testing/fstest"
	"time"

	"github.com/hoistdb/hoist/sdk"
	"github.com/hoistdb/hoist/testkit"
)

// engines are the real engines every behaviour is tested on.
var engines = []struct {
	name string
	open func(testing.TB) *testkit.DB
}{
	{"postgres", func(t testing.TB) *testkit.DB { return testkit.Postgres(t) }},
	{"mysql", func(t testing.TB) *testkit.DB { return testkit.MySQL(t) }},
	{"sqlite", func(t testing.TB) *testkit.DB { return testkit.SQLite(t) }},
}

// eachEngine runs f in a parallel subtest per engine, each with a fresh
// database.
func eachEngine(t *testing.T, f func(t *testing.T, db *testkit.DB)) {
	t.Helper()
	for _, e := range engines {
		t.Run(e.name, func(t *testing.T) {
			t.Parallel()
			f(t, e.open(t))
		})
	}
}

func quiet() sdk.Option { return sdk.WithLogger(slog.New(slog.NewTextHandler(io.Discard, nil))) }

func newMigrator(t testing.TB, db *testkit.DB, opts ...sdk.Option) *sdk.Migrator {
	t.Helper()
	m, err := sdk.New(db.DB, db.Dialect, append([]sdk.Option{quiet()}, opts...)...)
	if err != nil {
		t.Fatalf("sdk.New: %v", err)
	}
	return m
}

func testContext(t testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	t.Cleanup(cancel)
	return ctx
}

// lifecycleFS holds one migration in each file layout.
func lifecycleFS() fstest.MapFS {
	return fstest.MapFS{
		"0001_create_users.sql": {Data: []byte(`-- +hoist up
CREATE TABLE users (id INTEGER PRIMARY KEY, name VARCHAR(100) NOT NULL);
-- +hoist down
DROP TABLE users;
`)},
		"0002_create_posts.up.sql":   {Data: []byte("CREATE TABLE posts (id INTEGER PRIMARY KEY, user_id INTEGER NOT NULL, title VARCHAR(200) NOT NULL);\n")},
		"0002_create_posts.down.sql": {Data: []byte("DROP TABLE posts;\n")},
		"0003_create_tags.sql": {Data: []byte(`-- +goose Up
-- +goose StatementBegin
CREATE TABLE tags (id INTEGER PRIMARY KEY, label VARCHAR(50) NOT NULL)
-- +goose StatementEnd
;
INSERT INTO tags (id, label) VALUES (1, 'semi;colon');
-- +goose Down
DROP TABLE tags;
`)},
		"embed.go":  {Data: []byte("package migrations\n")},
		"README.md": {Data: []byte("# migrations\n")},
	}
}

// seedAdmin is a Go migration that inserts a row and deletes it on down.
var seedAdmin = sdk.GoMigration(4, "seed_admin",
	func(ctx context.Context, tx sdk.Tx) error {
		_, err := tx.ExecContext(ctx, "INSERT INTO users (id, name) VALUES (1, 'admin')")
		return err
	},
	func(ctx context.Context, tx sdk.Tx) error {
		_, err := tx.ExecContext(ctx, "DELETE FROM users WHERE id = 1")
		return err
	})

func versions(applied []sdk.Applied) []int64 {
	out := make([]int64, len(applied))
	for i, a := range applied {
		out[i] = a.Version
	}
	return out
}

func statusVersions(s []sdk.MigrationStatus) []int64 {
	out := make([]int64, len(s))
	for i, a := range s {
		out[i] = a.Version
	}
	return out
}

// tableExists asks the engine's catalogue whether a table exists.
func tableExists(t testing.TB, db *testkit.DB, name string) bool {
	t.Helper()
	var q string
	switch db.Dialect.Name() {
	case "postgres":
		q = "SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = current_schema() AND table_name = $1"
	case "mysql":
		q = "SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = DATABASE() AND table_name = ?"
	default:
		q = "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = ?"
	}
	var n int
	if err := db.DB.QueryRow(q, name).Scan(&n); err != nil {
		t.Fatalf("looking for table %s: %v", name, err)
	}
	return n > 0
}

func countRows(t testing.TB, q interface {
	QueryRow(string, ...any) *sql.Row
}, query string) int {
	t.Helper()
	var n int
	if err := q.QueryRow(query).Scan(&n); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	return n
}
