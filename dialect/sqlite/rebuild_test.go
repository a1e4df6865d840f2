package sqlite_test

import (
	"context"
	"database/sql"
	"strings"
	"testing"

	"github.com/hoistdb/hoist/dialect/sqlite"
	"github.com/hoistdb/hoist/sdk"
	"github.com/hoistdb/hoist/sdk/schema"
	"github.com/hoistdb/hoist/testkit"
)

// rebuildBase creates teams and members, members.team_id without a key.
var rebuildBase = schema.Migration(1, "base", func(s *schema.Builder) {
	s.CreateTable("teams", func(t *schema.Table) { t.ID(); t.String("name", 50) })
	s.CreateTable("members", func(t *schema.Table) {
		t.ID()
		t.BigInteger("team_id")
		t.String("email", 100).Index()
	})
})

// addTeamKey adds the key that needs members rebuilt.
var addTeamKey = schema.Migration(2, "team key", func(s *schema.Builder) {
	s.AlterTable("members", func(t *schema.Table) {
		t.ForeignKey("team_id").References("teams", "id").OnDelete(schema.Cascade)
	})
})

// withForeignKeys opens db's file again with foreign keys on.
func withForeignKeys(t *testing.T, db *testkit.DB) *sql.DB {
	t.Helper()
	fk, err := sql.Open(db.Driver, db.DSN+"&_pragma=foreign_keys(1)")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { fk.Close() })
	return fk
}

// TestRebuildKeepsRows: adding a foreign key rebuilds the table; its
// rows, its AUTOINCREMENT counter and its index survive, the key is
// enforced afterwards, and rolling back rebuilds it without the key.
func TestRebuildKeepsRows(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := withForeignKeys(t, testkit.SQLite(t))
	m, err := sdk.New(db, sqlite.New(), sdk.WithMigrations(rebuildBase, addTeamKey))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := m.UpTo(ctx, 1); err != nil {
		t.Fatal(err)
	}
	execAll(t, db, `INSERT INTO teams (name) VALUES ('a'), ('b')`,
		`INSERT INTO members (team_id, email) VALUES (1, 'x@a'), (2, 'y@b'), (2, 'gone@b')`,
		`DELETE FROM members WHERE email = 'gone@b'`)
	if _, err := m.Up(ctx); err != nil {
		t.Fatal(err)
	}
	var rows, seq int
	if err := db.QueryRowContext(ctx, `SELECT (SELECT count(*) FROM members), (SELECT seq FROM sqlite_sequence WHERE name = 'members')`).Scan(&rows, &seq); err != nil {
		t.Fatal(err)
	}
	if rows != 2 || seq != 3 {
		t.Errorf("after the rebuild: %d rows, AUTOINCREMENT counter %d; want 2 and 3", rows, seq)
	}
	if _, err := db.ExecContext(ctx, `INSERT INTO members (team_id, email) VALUES (9, 'z')`); err == nil || !strings.Contains(err.Error(), "FOREIGN KEY") {
		t.Errorf("a member of a missing team: %v, want a foreign key error", err)
	}
	s, err := schema.Inspect(ctx, db, sqlite.New())
	if err != nil {
		t.Fatal(err)
	}
	if got := s.Table("members").String(); !strings.Contains(got, "index members_email_idx (email)") ||
		!strings.Contains(got, "foreign key members_team_id_fkey (team_id) references teams (id) on delete cascade") {
		t.Errorf("members after the rebuild:\n%s", got)
	}
	if _, err := m.Rollback(ctx, sdk.RollbackOptions{Steps: 1}); err != nil {
		t.Fatal(err)
	}
	if _, err := db.ExecContext(ctx, `INSERT INTO members (team_id, email) VALUES (9, 'z')`); err != nil {
		t.Errorf("after rolling the key back, a member of a missing team: %v, want it accepted", err)
	}
}

// TestRebuildChecksRows: with foreign keys on, a row that breaks the
// new key fails the migration, and the transaction leaves the table as
// it was.
func TestRebuildChecksRows(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := withForeignKeys(t, testkit.SQLite(t))
	m, err := sdk.New(db, sqlite.New(), sdk.WithMigrations(rebuildBase, addTeamKey))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := m.UpTo(ctx, 1); err != nil {
		t.Fatal(err)
	}
	execAll(t, db, `INSERT INTO members (team_id, email) VALUES (7, 'orphan')`)
	before, err := schema.Inspect(ctx, db, sqlite.New())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := m.Up(ctx); err == nil || !strings.Contains(err.Error(), "FOREIGN KEY") {
		t.Fatalf("Up with an orphan row: %v, want a foreign key error", err)
	}
	after, err := schema.Inspect(ctx, db, sqlite.New())
	if err != nil {
		t.Fatal(err)
	}
	if after.String() != before.String() {
		t.Errorf("a failed rebuild changed the schema:\n%s\nwas:\n%s", after, before)
	}
}

// TestRebuildRefusesReferencedTable: a table that another references is
// not rebuilt, with an error that says why, before any SQL runs.
func TestRebuildRefusesReferencedTable(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := testkit.SQLite(t)
	base := schema.Migration(1, "base", func(s *schema.Builder) {
		s.CreateTable("orgs", func(t *schema.Table) { t.ID() })
		s.CreateTable("teams", func(t *schema.Table) { t.ID(); t.BigInteger("org_id") })
		s.CreateTable("members", func(t *schema.Table) { t.ID(); t.BigInteger("team_id").Foreign().References("teams", "id") })
	})
	key := schema.Migration(2, "org key", func(s *schema.Builder) {
		s.AlterTable("teams", func(t *schema.Table) { t.ForeignKey("org_id").References("orgs", "id") })
	})
	m, err := sdk.New(db.DB, sqlite.New(), sdk.WithMigrations(base, key))
	if err != nil {
		t.Fatal(err)
	}
	_, err = m.Up(ctx)
	if err == nil || !strings.Contains(err.Error(), "it needs table teams rebuilt, and table members references it") {
		t.Fatalf("Up = %v, want the rebuild refused", err)
	}
}

func execAll(t *testing.T, db *sql.DB, stmts ...string) {
	t.Helper()
	for _, s := range stmts {
		if _, err := db.ExecContext(context.Background(), s); err != nil {
			t.Fatalf("%s: %v", s, err)
		}
	}
}
