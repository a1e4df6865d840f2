package postgres_test

import (
	"context"
	"testing"

	"github.com/hoistdb/hoist/dialect/postgres"
	"github.com/hoistdb/hoist/sdk/schema"
	"github.com/hoistdb/hoist/testkit"
)

// TestInspectNormalises reads a schema written by hand, with the
// aliases, casts and implicit names PostgreSQL prints, as the portable
// model: no phantom differences from int4, character varying, serial,
// 'x'::character varying, '-1'::integer, now(), _pkey/_key/_fkey names
// or a mixed-case enum.
func TestInspectNormalises(t *testing.T) {
	t.Parallel()
	db := testkit.Postgres(t)
	ctx := context.Background()
	_, err := db.DB.ExecContext(ctx, `
CREATE TYPE "Mood" AS ENUM ('HAPPY', 'SAD');
CREATE TABLE teams (id serial PRIMARY KEY, code character varying(8) NOT NULL UNIQUE);
CREATE TABLE people (
  id bigserial PRIMARY KEY,
  team_id int4 REFERENCES teams (id) ON DELETE NO ACTION,
  name varchar(20) NOT NULL DEFAULT 'x',
  n int NOT NULL DEFAULT -1,
  price numeric(6,2) NOT NULL DEFAULT 1.50,
  at timestamptz NOT NULL DEFAULT now(),
  at2 timestamp(3) DEFAULT CURRENT_TIMESTAMP,
  ok bool NOT NULL DEFAULT 't',
  mood "Mood" NOT NULL DEFAULT 'SAD',
  doc json,
  CONSTRAINT positive CHECK (n > -2)
);
CREATE INDEX people_name_n ON people (name, n);
COMMENT ON TABLE people IS 'humans';`)
	if err != nil {
		t.Fatal(err)
	}
	s, err := schema.Inspect(ctx, db.DB, postgres.New())
	if err != nil {
		t.Fatal(err)
	}
	want := `enum Mood (HAPPY, SAD)
table people comment "humans"
  id bigint auto_increment
  team_id integer null
  name string(20) default 'x'
  n integer default -1
  price decimal(6,2) default 1.5
  at timestamp default CURRENT_TIMESTAMP
  at2 timestamp null default CURRENT_TIMESTAMP
  ok boolean default true
  mood enum Mood (HAPPY, SAD) default 'SAD'
  doc json null
  primary key (id)
  index people_name_n (name, n)
  foreign key people_team_id_fkey (team_id) references teams (id)
  check positive ((n > '-2'::integer))
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
