package schema_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/hoistdb/hoist/sdk/schema"
	"github.com/hoistdb/hoist/sdk/schema/internal/modeltest"
)

// wantModels is the schema of package modeltest's models.
const wantModels = `enum Mood (HAPPY, SAD)
enum OrderStatus (PENDING, PAID, REFUNDED)
table posts
  id bigint auto_increment
  user_id bigint
  title string(200)
  status enum OrderStatus (PENDING, PAID, REFUNDED) default 'PENDING'
  primary key (id)
  foreign key posts_user_id_fkey (user_id) references users (id) on delete cascade
table taxonomy
  id bigint auto_increment
  parent_id bigint null
  label string(80)
  kind enum OrderStatus (PENDING, PAID, REFUNDED) null
  primary key (id)
  unique index taxonomy_label_key (label)
  foreign key taxonomy_parent_id_fkey (parent_id) references taxonomy (id) on delete set null
table users
  id bigint auto_increment
  email_address string(255)
  name string(100)
  age smallint default 0
  score integer
  active boolean default true
  ratio double
  balance decimal(10,2) default 0
  bio text null
  nick string(50) null
  visits bigint null
  token uuid
  prefs json
  avatar binary
  mood enum Mood (HAPPY, SAD) default 'HAPPY'
  last_seen timestamp default CURRENT_TIMESTAMP
  created_at timestamp null
  updated_at timestamp null
  primary key (id)
  unique index users_email_address_key (email_address)
  index users_name_age (name, age)
`

// TestFromModels: the compiled models map to the schema of the table in
// docs/schema.md, with the rename they state.
func TestFromModels(t *testing.T) {
	m, err := schema.FromModels(modeltest.User{}, &modeltest.Post{}, modeltest.Category{})
	if err != nil {
		t.Fatal(err)
	}
	if got := m.Schema.String(); got != wantModels {
		t.Fatalf("schema:\n%s\nwant:\n%s", got, wantModels)
	}
	checkRenames(t, m.Renames)
}

// checkRenames: the models state a column rename with renamed_from and
// a table rename with RenamedFrom.
func checkRenames(t *testing.T, got []schema.Rename) {
	t.Helper()
	want := []schema.Rename{{Table: "users", From: "email", To: "email_address"}, {From: "categories", To: "taxonomy"}}
	if !slices.Equal(got, want) {
		t.Fatalf("renames %v, want %v", got, want)
	}
}

// TestFromSource: the same models parsed from source, unbuilt, map to
// the same schema.
func TestFromSource(t *testing.T) {
	m, err := schema.FromSource("internal/modeltest")
	if err != nil {
		t.Fatal(err)
	}
	if got := m.Schema.String(); got != wantModels {
		t.Fatalf("schema:\n%s\nwant:\n%s", got, wantModels)
	}
	checkRenames(t, m.Renames)
}

// TestFromModelsRefuses: mistakes are errors that name the model, the
// field and what to do.
func TestFromModelsRefuses(t *testing.T) {
	type money struct{ cents int64 }
	for _, c := range []struct {
		model any
		want  string
	}{
		{struct {
			ID    int64   `hoist:"pk"`
			Total float64 `hoist:"type:decimal(10,2)"`
		}{}, "field Total: type:decimal(10,2) on a float64: a float cannot hold a decimal exactly"},
		{struct {
			ID int64 `hoist:"pk;primary"`
		}{}, `unknown option "primary"`},
		{struct {
			ID    int64 `hoist:"pk"`
			Price money
		}{}, `field Price: type schema_test.money has no column type: give one with hoist:"type:..."`},
		{struct {
			ID   int64  `hoist:"pk"`
			Name string `hoist:"default:1;size:0"`
		}{}, "size:0: want a positive number"},
		{struct {
			ID     int64 `hoist:"pk"`
			UserID int64 `hoist:"fk:users"`
		}{}, "fk:users: want fk:table.column"},
		{struct {
			ID   int64  `hoist:"pk"`
			Kind string `hoist:"enum:Nope"`
		}{}, "enum Nope is not the type of any model field"},
		{struct {
			ID   int64 `hoist:"pk"`
			Flag bool  `hoist:"default:maybe"`
		}{}, "default:maybe: want true or false"},
	} {
		_, err := schema.FromModels(c.model)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("FromModels(%T) = %v, want an error saying %q", c.model, err, c.want)
		}
	}
}
