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

// referencedBase has members reference teams with ON DELETE CASCADE, so
// that a rebuild of teams with foreign keys on would empty members.
var referencedBase = schema.Migration(1, "base", func(s *schema.Builder) {
	s.CreateTable("orgs", func(t *schema.Table) { t.ID() })
	s.CreateTable("teams", func(t *schema.Table) { t.ID(); t.BigInteger("org_id") })
	s.CreateTable("members", func(t *schema.Table) {
		t.ID()
		t.BigInteger("team_id").Foreign().References("teams", "id").OnDelete(schema.Cascade)
	})
})

// referencedKey adds a key to teams, which rebuilds it.
var referencedKey = schema.Migration(2, "org key", func(s *schema.Builder) {
	s.AlterTable("teams", func(t *schema.Table) { t.ForeignKey("org_id").References("orgs", "id") })
})

// oneConn returns db with foreign keys on and one connection, so that
// the connection the migration ran on is the one every later statement
// gets from the pool.
func oneConn(t *testing.T) *sql.DB {
	t.Helper()
	db := withForeignKeys(t, testkit.SQLite(t))
	db.SetMaxOpenConns(1)
	return db
}

func foreignKeysOn(t *testing.T, db *sql.DB) bool {
	t.Helper()
	var on int
	if err := db.QueryRow("PRAGMA foreign_keys").Scan(&on); err != nil {
		t.Fatal(err)
	}
	return on == 1
}

// TestRebuildReferencedTable: a table that another references is rebuilt
// by SQLite's procedure, foreign keys off around the transaction: no
// referencing row is deleted by the drop of the old table, the
// reference is enforced afterwards, both ways of the migration work,
// and the pooled connection has foreign keys on again.
func TestRebuildReferencedTable(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := oneConn(t)
	m, err := sdk.New(db, sqlite.New(), sdk.WithMigrations(referencedBase, referencedKey))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := m.UpTo(ctx, 1); err != nil {
		t.Fatal(err)
	}
	execAll(t, db, `INSERT INTO orgs DEFAULT VALUES`, `INSERT INTO teams (org_id) VALUES (1), (1)`,
		`INSERT INTO members (team_id) VALUES (1), (2), (2)`)
	if _, err := m.Up(ctx); err != nil {
		t.Fatal(err)
	}
	if !foreignKeysOn(t, db) {
		t.Fatal("foreign_keys is off on the pooled connection after the migration; want it on again")
	}
	var teams, members int
	if err := db.QueryRowContext(ctx, `SELECT (SELECT count(*) FROM teams), (SELECT count(*) FROM members)`).Scan(&teams, &members); err != nil {
		t.Fatal(err)
	}
	if teams != 2 || members != 3 {
		t.Errorf("after the rebuild: %d teams, %d members; want 2 and 3", teams, members)
	}
	if _, err := db.ExecContext(ctx, `INSERT INTO members (team_id) VALUES (9)`); err == nil || !strings.Contains(err.Error(), "FOREIGN KEY") {
		t.Errorf("a member of a missing team after the rebuild: %v, want a foreign key error", err)
	}
	if _, err := db.ExecContext(ctx, `INSERT INTO teams (org_id) VALUES (9)`); err == nil || !strings.Contains(err.Error(), "FOREIGN KEY") {
		t.Errorf("a team of a missing org after the rebuild: %v, want a foreign key error", err)
	}
	if _, err := m.Rollback(ctx, sdk.RollbackOptions{Steps: 1}); err != nil {
		t.Fatal(err)
	}
	if err := db.QueryRowContext(ctx, `SELECT count(*) FROM members`).Scan(&members); err != nil || members != 3 {
		t.Errorf("after the rollback's rebuild: %d members (%v); want 3", members, err)
	}
	if !foreignKeysOn(t, db) {
		t.Error("foreign_keys is off after the rollback; want it on again")
	}
}

// TestRebuildReferencedTableCheck: with foreign keys off for the rebuild,
// PRAGMA foreign_key_check before the commit fails a rebuild that leaves
// a broken reference, naming the table and row; the migration is rolled
// back and foreign keys are on again.
func TestRebuildReferencedTableCheck(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := oneConn(t)
	m, err := sdk.New(db, sqlite.New(), sdk.WithMigrations(referencedBase, referencedKey))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := m.UpTo(ctx, 1); err != nil {
		t.Fatal(err)
	}
	execAll(t, db, `INSERT INTO teams (org_id) VALUES (7)`, `INSERT INTO members (team_id) VALUES (1)`)
	before, err := schema.Inspect(ctx, db, sqlite.New())
	if err != nil {
		t.Fatal(err)
	}
	_, err = m.Up(ctx)
	if err == nil || !strings.Contains(err.Error(), "foreign_key_check") || !strings.Contains(err.Error(), "table teams, rowid 1 references a row of orgs") {
		t.Fatalf("Up with a team of a missing org = %v; want foreign_key_check naming teams rowid 1", err)
	}
	if !foreignKeysOn(t, db) {
		t.Error("foreign_keys is off after the failed migration; want it on again")
	}
	after, err := schema.Inspect(ctx, db, sqlite.New())
	if err != nil {
		t.Fatal(err)
	}
	if after.String() != before.String() {
		t.Errorf("a failed rebuild changed the schema:\n%s\nwas:\n%s", after, before)
	}
	st, err := m.Status(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(st.Pending) != 1 {
		t.Errorf("after the failure: %d pending; want migration 2 pending", len(st.Pending))
	}
}

// TestRebuildReferencedTableRenamed: a rebuilt table that the same
// migration then renames is checked by a foreign_key_check of the whole
// database (its old name is gone by the commit), and the references
// follow the rename.
func TestRebuildReferencedTableRenamed(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := oneConn(t)
	rename := schema.Migration(2, "key and rename", func(s *schema.Builder) {
		s.AlterTable("teams", func(t *schema.Table) { t.ForeignKey("org_id").References("orgs", "id") })
		s.RenameTable("teams", "squads")
	})
	m, err := sdk.New(db, sqlite.New(), sdk.WithMigrations(referencedBase, rename))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := m.UpTo(ctx, 1); err != nil {
		t.Fatal(err)
	}
	execAll(t, db, `INSERT INTO orgs DEFAULT VALUES`, `INSERT INTO teams (org_id) VALUES (1)`, `INSERT INTO members (team_id) VALUES (1)`)
	plan, err := m.Plan(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(plan.String(), "PRAGMA foreign_key_check /* before COMMIT") {
		t.Errorf("Plan:\n%s\nwant a foreign_key_check of the whole database", plan)
	}
	if _, err := m.Up(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := db.ExecContext(ctx, `INSERT INTO members (team_id) VALUES (9)`); err == nil || !strings.Contains(err.Error(), "FOREIGN KEY") {
		t.Errorf("a member of a missing squad: %v, want a foreign key error", err)
	}
	if _, err := db.ExecContext(ctx, `INSERT INTO members (team_id) VALUES (1)`); err != nil {
		t.Errorf("a member of squad 1: %v", err)
	}
}

// TestRebuildReferencedTablePlan: a dry run lists the PRAGMAs that the
// rebuild of a referenced table runs around and after its DDL.
func TestRebuildReferencedTablePlan(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := oneConn(t)
	m, err := sdk.New(db, sqlite.New(), sdk.WithMigrations(referencedBase, referencedKey))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := m.UpTo(ctx, 1); err != nil {
		t.Fatal(err)
	}
	plan, err := m.Plan(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(plan.Applied) != 1 {
		t.Fatalf("Plan:\n%s", plan)
	}
	sql := plan.Applied[0].SQL
	if len(sql) < 5 || sql[0] != "PRAGMA foreign_keys = OFF /* before BEGIN */" || sql[len(sql)-1] != "PRAGMA foreign_keys = ON /* after the transaction */" ||
		!strings.HasPrefix(sql[len(sql)-3], `PRAGMA foreign_key_check("teams")`) || !strings.HasPrefix(sql[len(sql)-2], `PRAGMA foreign_key_check("members")`) {
		t.Errorf("Plan of the rebuild of teams:\n%s\nwant foreign keys off first, then the DDL, the checks of teams and members, foreign keys on", plan)
	}
	if !foreignKeysOn(t, db) {
		t.Error("the dry run left foreign keys off")
	}
}

// TestRebuildReferencedTableSingleTransaction: under
// WithSingleTransaction the migrations share one transaction, before
// which no migration can switch foreign keys off: the rebuild of a
// referenced table is refused, naming both tables, and nothing stays.
func TestRebuildReferencedTableSingleTransaction(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := oneConn(t)
	m, err := sdk.New(db, sqlite.New(), sdk.WithMigrations(referencedBase, referencedKey), sdk.WithSingleTransaction())
	if err != nil {
		t.Fatal(err)
	}
	_, err = m.Up(ctx)
	if err == nil || !strings.Contains(err.Error(), "it needs table teams rebuilt, and table members references it") {
		t.Fatalf("Up = %v, want the rebuild refused", err)
	}
	s, err := schema.Inspect(ctx, db, sqlite.New())
	if err != nil {
		t.Fatal(err)
	}
	if len(s.Tables) != 0 {
		t.Errorf("the refused single transaction left:\n%s", s)
	}
}

// TestRebuildReferencedTableRefusedWithForeignKeysOn: DDL that rebuilds a
// referenced table is refused on a connection with foreign keys on (one
// no Migrator prepared), before it runs, with an error that says why.
func TestRebuildReferencedTableRefusedWithForeignKeysOn(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := oneConn(t)
	m, err := sdk.New(db, sqlite.New(), sdk.WithMigrations(referencedBase))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := m.Up(ctx); err != nil {
		t.Fatal(err)
	}
	current, err := schema.Inspect(ctx, db, sqlite.New())
	if err != nil {
		t.Fatal(err)
	}
	def := schema.Define(2, "org key", func(s *schema.Builder) {
		s.AlterTable("teams", func(t *schema.Table) { t.ForeignKey("org_id").References("orgs", "id") })
	})
	planned, _, err := schema.Plan(current, def.Up)
	if err != nil {
		t.Fatal(err)
	}
	err = sqlite.New().CheckConn(ctx, db, current, planned)
	if err == nil || !strings.Contains(err.Error(), "it needs table teams rebuilt, and table members references it") {
		t.Fatalf("CheckConn = %v, want the rebuild refused", err)
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

// TestRebuildRefusesTriggers: a rebuild would drop the table's triggers
// with the old table, and the model cannot describe them to create them
// again, so the migration is refused before any DDL, naming the
// trigger, and the trigger and the table stay as they were.
func TestRebuildRefusesTriggers(t *testing.T) {
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
	execAll(t, db, `CREATE TABLE audit (email TEXT)`,
		`CREATE TRIGGER members_audit AFTER INSERT ON members BEGIN INSERT INTO audit (email) VALUES (NEW.email); END`)
	_, err = m.Up(ctx)
	if err == nil || !strings.Contains(err.Error(), "trigger members_audit on members") {
		t.Fatalf("Up: %v; want a refusal naming trigger members_audit on members", err)
	}
	execAll(t, db, `INSERT INTO teams (name) VALUES ('a')`, `INSERT INTO members (team_id, email) VALUES (1, 'x@a')`)
	var audited int
	if err := db.QueryRowContext(ctx, `SELECT count(*) FROM audit`).Scan(&audited); err != nil || audited != 1 {
		t.Fatalf("the trigger after the refusal: %d audit rows, %v; want it still there, firing once", audited, err)
	}
	st, err := m.Status(ctx)
	if err != nil || len(st.Pending) != 1 || len(st.Failed) != 0 {
		t.Fatalf("Status: %v, %+v; want migration 2 pending and nothing failed", err, st)
	}
}
