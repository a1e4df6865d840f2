package embedfs_test

import (
	"fmt"
	"log"
	"testing/fstest"

	"github.com/hoistdb/hoist/embedfs"
)

func ExampleReadMigrations() {
	// An embed.FS holding a migrations directory works the same way, after
	// fs.Sub(files, "migrations").
	fsys := fstest.MapFS{
		"0001_create_users.sql": {Data: []byte(`-- +hoist up
CREATE TABLE users (id bigint PRIMARY KEY, name text NOT NULL);
CREATE INDEX users_name ON users (name);

-- +hoist down
DROP TABLE users;
`)},
		"0002_add_email.up.sql":   {Data: []byte("ALTER TABLE users ADD COLUMN email text;\n")},
		"0002_add_email.down.sql": {Data: []byte("ALTER TABLE users DROP COLUMN email;\n")},
		"0003_seed_admin.sql": {Data: []byte(`-- +goose Up
INSERT INTO users (id, name) VALUES (1, 'admin; root');
`)},
		"embed.go": {Data: []byte("package migrations\n")},
	}
	migrations, err := embedfs.ReadMigrations(fsys)
	if err != nil {
		log.Fatal(err)
	}
	for _, m := range migrations {
		fmt.Printf("%d %s (%d up, reversible %t)\n", m.Version, m.Name, len(m.Up.Statements), m.Down != nil)
		for _, s := range m.Up.Statements {
			fmt.Printf("  %s:%d: %s\n", m.Up.File, s.Line, s.SQL)
		}
	}
	// Output:
	// 1 create_users (2 up, reversible true)
	//   0001_create_users.sql:2: CREATE TABLE users (id bigint PRIMARY KEY, name text NOT NULL)
	//   0001_create_users.sql:3: CREATE INDEX users_name ON users (name)
	// 2 add_email (1 up, reversible true)
	//   0002_add_email.up.sql:1: ALTER TABLE users ADD COLUMN email text
	// 3 seed_admin (1 up, reversible false)
	//   0003_seed_admin.sql:2: INSERT INTO users (id, name) VALUES (1, 'admin; root')
}

func ExampleSplit() {
	statements, err := embedfs.Split("query.sql", `-- two statements
SELECT 'a;b' AS x;
CREATE FUNCTION one() RETURNS int AS $$ SELECT 1; $$ LANGUAGE sql`)
	if err != nil {
		log.Fatal(err)
	}
	for _, s := range statements {
		fmt.Printf("%d: %s\n", s.Line, s.SQL)
	}
	// Output:
	// 2: SELECT 'a;b' AS x
	// 3: CREATE FUNCTION one() RETURNS int AS $$ SELECT 1; $$ LANGUAGE sql
}

func ExampleError() {
	fsys := fstest.MapFS{
		"0001_a.sql":      {Data: []byte("-- +hoist up\nSELECT 1;\n")},
		"0001_b.sql":      {Data: []byte("-- +hoist up\nSELECT 2;\n")},
		"0002_c.sql":      {Data: []byte("-- +hoist up\n-- +hoist statment-begin\n")},
		"0003_d.down.sql": {Data: []byte("SELECT 3;\n")},
	}
	_, err := embedfs.ReadMigrations(fsys)
	fmt.Println(err)
	// Output:
	// 0001_b.sql: duplicate version 1, also used by 0001_a.sql: rename one of them
	// 0002_c.sql:2: unknown annotation "-- +hoist statment-begin": use up, down, statement-begin, statement-end or no-transaction
	// 0003_d.down.sql: down file without an up file: add 0003_d.up.sql, or remove the down file
}
