package mysql_test

import (
	"context"
	"testing"

	"github.com/hoistdb/hoist/dialect/mysql"
	"github.com/hoistdb/hoist/sdk/schema"
	"github.com/hoistdb/hoist/testkit"
)

// TestInspectNormalises reads a schema written by hand, as MariaDB
// prints it, as the portable model: quoted string defaults,
// current_timestamp(), tinyint(1) booleans, int(11) widths, the JSON
// check, RESTRICT reported for a key without actions, and the index
// InnoDB adds for a foreign key.
func TestInspectNormalises(t *testing.T) {
	t.Parallel()
	db := testkit.MySQL(t)
	ctx := context.Background()
	for _, stmt := range []string{
		`CREATE TABLE teams (id int NOT NULL AUTO_INCREMENT PRIMARY KEY, code varchar(8) NOT NULL, UNIQUE KEY teams_code_key (code)) ENGINE=InnoDB`,
		`CREATE TABLE people (
  id bigint NOT NULL AUTO_INCREMENT,
  team_id int NULL,
  name varchar(20) NOT NULL DEFAULT 'it''s',
  n int NOT NULL DEFAULT -1,
  price decimal(6,2) NOT NULL DEFAULT 1.50,
  at datetime(6) NOT NULL DEFAULT current_timestamp(6),
  ok tinyint(1) NOT NULL DEFAULT 1,
  mood enum('HAPPY','SAD') NOT NULL DEFAULT 'SAD',
  doc json NULL,
  PRIMARY KEY (id),
  CONSTRAINT people_team FOREIGN KEY (team_id) REFERENCES teams (id),
  CONSTRAINT positive CHECK (n > -2)
) ENGINE=InnoDB COMMENT='humans'`,
	} {
		if _, err := db.DB.ExecContext(ctx, stmt); err != nil {
			t.Fatal(err)
		}
	}
	s, err := schema.Inspect(ctx, db.DB, mysql.New())
	if err != nil {
		t.Fatal(err)
	}
	want := `table people comment "humans"
  id bigint auto_increment
  team_id integer null
  name string(20) default 'it''s'
  n integer default -1
  price decimal(6,2) default 1.5
  at timestamp default CURRENT_TIMESTAMP
  ok boolean default true
  mood enum (HAPPY, SAD) default 'SAD'
  doc json null
  primary key (id)
  index people_team (team_id)
  foreign key people_team (team_id) references teams (id)
  check positive (` + "`n`" + ` > -2)
table teams
  id integer auto_increment
  code string(8)
  primary key (id)
  unique index teams_code_key (code)
`
	if got := s.String(); got != want {
		t.Errorf("inspected:\n%s\nwant:\n%s", got, want)
	}
}
