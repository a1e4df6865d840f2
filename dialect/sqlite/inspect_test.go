package sqlite_test

import (
	"context"
	"testing"

	"github.com/hoistdb/hoist/dialect/sqlite"
	"github.com/hoistdb/hoist/sdk/schema"
	"github.com/hoistdb/hoist/testkit"
)

// TestInspectNormalises reads a schema written by hand as the portable
// model: sqlite_autoindex_* for a primary key left out, a rowid key
// self-numbering, defaults as written, foreign keys named by rule. A
// key column other than the rowid may hold NULL unless declared NOT
// NULL (an old SQLite quirk), and reads back as nullable.
func TestInspectNormalises(t *testing.T) {
	t.Parallel()
	db := testkit.SQLite(t)
	ctx := context.Background()
	_, err := db.DB.ExecContext(ctx, `
CREATE TABLE teams (code TEXT PRIMARY KEY, name VARCHAR(20) NOT NULL DEFAULT 'it''s');
CREATE TABLE people (
  id INTEGER PRIMARY KEY,
  team_code TEXT REFERENCES teams (code) ON DELETE CASCADE,
  n INT NOT NULL DEFAULT (-1),
  ok BOOLEAN NOT NULL DEFAULT TRUE,
  at DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
  price NUMERIC(6, 2) DEFAULT 1.50
);
CREATE UNIQUE INDEX people_n ON people (n, team_code);`)
	if err != nil {
		t.Fatal(err)
	}
	s, err := schema.Inspect(ctx, db.DB, sqlite.New())
	if err != nil {
		t.Fatal(err)
	}
	want := `table people
  id bigint auto_increment
  team_code text null
  n integer default -1
  ok boolean default true
  at timestamp default CURRENT_TIMESTAMP
  price decimal(6,2) null default 1.5
  primary key (id)
  unique index people_n (n, team_code)
  foreign key people_team_code_fkey (team_code) references teams (code) on delete cascade
table teams
  code text null
  name string(20) default 'it''s'
  primary key (code)
`
	if got := s.String(); got != want {
		t.Errorf("inspected:\n%s\nwant:\n%s", got, want)
	}
}
