package testkit

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/hoistdb/hoist/sdk"
)

// templateOf returns the name of the finished template of opts on the
// engine called engineName, failing t when there is none.
func templateOf(t *testing.T, engineName string, opts ...sdk.Option) (string, string) {
	t.Helper()
	e, srv := engineNamed(t, engineName)
	ctx := context.Background()
	key, _, _, err := templateKey(ctx, e, srv.templates(), opts)
	if err != nil {
		t.Fatal(err)
	}
	name, ok, err := srv.templates().findTemplate(ctx, key, func(context.Context, string) (bool, error) { return true, nil })
	if err != nil || !ok {
		t.Fatalf("no template for the migrations: %v", err)
	}
	return key, name
}

func TestPostgresTemplateIsClosed(t *testing.T) {
	t.Parallel()
	opts := []sdk.Option{sdk.WithFS(HundredMigrations("closed " + randomHex(8)))}
	DropTemplateAtEnd(t, "postgres", opts...)
	Migrated(t, Postgres, opts...)
	_, tpl := templateOf(t, "postgres", opts...)
	_, srv := engineNamed(t, "postgres")
	var allowConn, isTemplate bool
	var backends int
	err := srv.(*postgresServer).admin.QueryRow(`SELECT datallowconn, datistemplate,
		(SELECT count(*) FROM pg_stat_activity a WHERE a.datname = d.datname) FROM pg_database d WHERE datname = $1`, tpl).
		Scan(&allowConn, &isTemplate, &backends)
	if err != nil {
		t.Fatal(err)
	}
	if allowConn || !isTemplate || backends != 0 {
		t.Errorf("template %s: datallowconn %t, datistemplate %t, %d sessions; want it closed to connections, marked a template, unused",
			tpl, allowConn, isTemplate, backends)
	}
}

// TestTemplateRebuiltWhenGone drops a template behind testkit's back, as
// another test binary's sweep would: the next copy builds it again.
func TestTemplateRebuiltWhenGone(t *testing.T) {
	t.Parallel()
	for _, name := range []string{"postgres", "mysql", "sqlite"} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			kind := map[string]Kind{"postgres": Postgres, "mysql": MySQL, "sqlite": SQLite}[name]
			opts := []sdk.Option{sdk.WithFS(HundredMigrations("gone " + randomHex(8)))}
			DropTemplateAtEnd(t, name, opts...)
			Migrated(t, kind, opts...)
			_, tpl := templateOf(t, name, opts...)
			_, srv := engineNamed(t, name)
			var err error
			if name == "sqlite" {
				err = os.Remove(tpl)
			} else {
				err = srv.drop(context.Background(), tpl)
			}
			if err != nil {
				t.Fatal(err)
			}
			// Clones the pool made before the template went are still
			// good copies; empty it to reach the rebuild.
			e, _ := engineNamed(t, name)
			key, _, _, err := templateKey(context.Background(), e, srv.templates(), opts)
			if err != nil {
				t.Fatal(err)
			}
			if p, ok := pools.LoadAndDelete(e.name + " " + key); ok {
				p.(*clonePool).discard()
			}
			if p, ok := filePools.LoadAndDelete(key); ok {
				p.(*filePool).close()
			}
			db := Migrated(t, kind, opts...)
			var n int
			if err := db.DB.QueryRow("SELECT COUNT(*) FROM t99").Scan(&n); err != nil {
				t.Fatal(err)
			}
			if got := TemplateBuilds(t, name, opts...); got != 2 {
				t.Errorf("template built %d times, want 2: once, and again when it was gone", got)
			}
		})
	}
}

// TestMySQLHalfBuiltTemplateDiscarded leaves a template as a test binary
// killed while building it would: under its final name, with only part of
// the migrations applied. The next binary must not copy it.
func TestMySQLHalfBuiltTemplateDiscarded(t *testing.T) {
	t.Parallel()
	e, srv := engineNamed(t, "mysql")
	ctx := context.Background()
	opts := []sdk.Option{sdk.WithFS(HundredMigrations("half " + randomHex(8)))}
	DropTemplateAtEnd(t, "mysql", opts...)
	key, newMigrator, _, err := templateKey(ctx, e, srv.templates(), opts)
	if err != nil {
		t.Fatal(err)
	}
	half := newTemplateName(key, time.Now().Add(-time.Minute))
	dsn, err := srv.create(ctx, half)
	if err != nil {
		t.Fatal(err)
	}
	db, err := sql.Open(e.driver, dsn)
	if err != nil {
		t.Fatal(err)
	}
	m, err := newMigrator(db)
	if err == nil {
		_, err = m.UpTo(ctx, 10)
	}
	db.Close()
	if err != nil {
		t.Fatal(err)
	}

	clone := Migrated(t, MySQL, opts...)
	var n int
	if err := clone.DB.QueryRow("SELECT COUNT(*) FROM t99").Scan(&n); err != nil {
		t.Fatalf("the copy lacks the later migrations: %v", err)
	}
	if got := TemplateBuilds(t, "mysql", opts...); got != 1 {
		t.Errorf("template built %d times, want 1", got)
	}
	if names := srv.(*mysqlServer).list(ctx, half); len(names) != 0 {
		t.Errorf("the half-built template %s is still there", half)
	}
}

// mysqlEverything is a schema with what a MySQL or MariaDB migration may
// create beyond plain tables.
func mysqlEverything(salt string) fstest.MapFS {
	file := func(up string) *fstest.MapFile {
		return &fstest.MapFile{Data: []byte("-- +hoist up\n" + up + "\n")}
	}
	return fstest.MapFS{
		"0001_accounts.sql": file("-- " + salt + `
CREATE TABLE accounts (
  id BIGINT AUTO_INCREMENT PRIMARY KEY,
  email VARCHAR(200) NOT NULL UNIQUE,
  kind ENUM('user','admin') NOT NULL DEFAULT 'user',
  balance DECIMAL(10,2) NOT NULL DEFAULT 0 CHECK (balance >= 0),
  domain VARCHAR(200) AS (SUBSTRING_INDEX(email, '@', -1)) STORED,
  created_at DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
  note TEXT,
  FULLTEXT KEY note_text (note)
) ENGINE=InnoDB COMMENT='people; 100% of them';`),
		"0002_orders.sql": file(`CREATE TABLE orders (id BIGINT AUTO_INCREMENT PRIMARY KEY, account_id BIGINT NOT NULL, total DECIMAL(10,2),
  CONSTRAINT orders_account FOREIGN KEY (account_id) REFERENCES accounts (id) ON DELETE CASCADE);
CREATE TABLE audit (id BIGINT AUTO_INCREMENT PRIMARY KEY, what VARCHAR(100));`),
		"0003_rows.sql": file(`INSERT INTO accounts (email, note) VALUES ('a@x.org', '50% off'), ('b@y.org', NULL), ('c@z.org', 'gone');
DELETE FROM accounts WHERE email = 'c@z.org';
SET SESSION sql_mode = CONCAT(@@SESSION.sql_mode, ',NO_AUTO_VALUE_ON_ZERO');
INSERT INTO accounts (id, email) VALUES (0, 'zero@x.org');
SET SESSION sql_mode = REPLACE(@@SESSION.sql_mode, 'NO_AUTO_VALUE_ON_ZERO', '');
INSERT INTO orders (account_id, total) VALUES (1, 9.50), (2, 3.25);`),
		// big_order_count reads big_orders and sorts before it.
		"0004_views.sql": file(`CREATE VIEW big_orders AS SELECT id, total FROM orders WHERE total > 5;
CREATE VIEW big_order_count AS SELECT COUNT(*) AS n FROM big_orders;`),
		"0005_trigger.sql": file(`-- +hoist statement-begin
CREATE TRIGGER orders_audit AFTER INSERT ON orders FOR EACH ROW BEGIN
  INSERT INTO audit (what) VALUES (CONCAT('order ', NEW.id));
END
-- +hoist statement-end`),
		"0006_routines.sql": file(`CREATE FUNCTION twice(x INT) RETURNS INT DETERMINISTIC RETURN x * 2;
-- +hoist statement-begin
CREATE PROCEDURE count_orders(OUT n INT) BEGIN
  SELECT COUNT(*) INTO n FROM orders;
END
-- +hoist statement-end`),
	}
}

// TestMySQLCopyIsFaithful compares a copy of a template with everything in
// it against the template, object by object, and checks that the copy
// behaves: counters, triggers, routines.
func TestMySQLCopyIsFaithful(t *testing.T) {
	t.Parallel()
	_, srv := engineNamed(t, "mysql")
	ms := srv.(*mysqlServer)
	ctx := context.Background()
	fsys := mysqlEverything(randomHex(8))
	var mariadb bool
	if strings.Contains(ms.version, "MariaDB") {
		mariadb = true
		fsys["0007_sequence.sql"] = &fstest.MapFile{Data: []byte("-- +hoist up\nCREATE SEQUENCE invoice_numbers START WITH 100;\nSELECT NEXTVAL(invoice_numbers);\n")}
	}
	opts := []sdk.Option{sdk.WithFS(fsys)}
	DropTemplateAtEnd(t, "mysql", opts...)
	clone := Migrated(t, MySQL, opts...)
	_, tpl := templateOf(t, "mysql", opts...)
	var cloneName string
	if err := clone.DB.QueryRow("SELECT DATABASE()").Scan(&cloneName); err != nil {
		t.Fatal(err)
	}

	got, want := mysqlObjects(t, ms.admin, cloneName), mysqlObjects(t, ms.admin, tpl)
	for i := range want {
		want[i] = strings.ReplaceAll(want[i], quoteIdent(tpl), quoteIdent(cloneName))
	}
	if !slices.Equal(got, want) {
		t.Errorf("the copy differs from its template:\ncopy:\n%s\n\ntemplate:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}

	var ids string
	query := func(q string, dest ...any) {
		t.Helper()
		if err := clone.DB.QueryRowContext(ctx, q).Scan(dest...); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	query("SELECT GROUP_CONCAT(id ORDER BY id) FROM accounts", &ids)
	if ids != "0,1,2" {
		t.Errorf("account ids %s, want 0,1,2 (a copied 0 stays 0)", ids)
	}
	if _, err := clone.DB.ExecContext(ctx, "INSERT INTO accounts (email) VALUES ('d@x.org')"); err != nil {
		t.Fatal(err)
	}
	var next int
	query("SELECT MAX(id) FROM accounts", &next)
	if next != 4 {
		t.Errorf("next account id %d, want 4: the AUTO_INCREMENT counter is part of the copy", next)
	}
	var audits int
	query("SELECT COUNT(*) FROM audit", &audits)
	if audits != 0 {
		t.Errorf("the copy has %d audit rows: copying the rows fired the trigger", audits)
	}
	if _, err := clone.DB.ExecContext(ctx, "INSERT INTO orders (account_id, total) VALUES (4, 20)"); err != nil {
		t.Fatal(err)
	}
	var what string
	query("SELECT what FROM audit", &what)
	if !strings.HasPrefix(what, "order ") {
		t.Errorf("the trigger wrote %q", what)
	}
	var n, twice int
	query("SELECT n FROM big_order_count", &n)
	query("SELECT twice(21)", &twice)
	if n != 2 || twice != 42 {
		t.Errorf("big_order_count %d, twice(21) %d; want 2, 42", n, twice)
	}
	var domain string
	query("SELECT domain FROM accounts WHERE id = 4", &domain)
	if domain != "x.org" {
		t.Errorf("generated column reads %q", domain)
	}
	if mariadb {
		var inv int
		query("SELECT NEXTVAL(invoice_numbers)", &inv)
		// Like a dump and restore, or a restart, the copy starts after
		// the values the template had cached: a gap, never a repeat.
		if inv <= 100 {
			t.Errorf("the sequence gives %d, want more than the template's 100", inv)
		}
	}
	if _, err := clone.DB.ExecContext(ctx, "DELETE FROM accounts WHERE id = 1"); err != nil {
		t.Fatal(err)
	}
	query("SELECT COUNT(*) FROM orders WHERE account_id = 1", &n)
	if n != 0 {
		t.Error("the foreign key's ON DELETE CASCADE did not survive the copy")
	}
}

// mysqlObjects describes every object of database db, one line each:
// tables and views with their definition and rows, triggers, routines.
func mysqlObjects(t *testing.T, admin *sql.DB, db string) []string {
	t.Helper()
	r := &schemaReader{ctx: context.Background(), tpl: db}
	conn, err := admin.Conn(r.ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	r.conn = conn
	var out []string
	tables, err := r.strings(`SELECT TABLE_NAME, TABLE_TYPE FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? ORDER BY TABLE_NAME`, 2)
	if err != nil {
		t.Fatal(err)
	}
	for _, tb := range tables {
		what := "TABLE"
		if tb[1] == "VIEW" {
			what = "VIEW"
		}
		v, err := r.show("SHOW CREATE "+what+" "+r.qualified(tb[0]), 1)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, v[0])
		if tb[1] == "BASE TABLE" && !strings.HasPrefix(tb[0], "hoist_") {
			rows, err := conn.QueryContext(r.ctx, "SELECT * FROM "+r.qualified(tb[0])+" ORDER BY 1")
			if err != nil {
				t.Fatal(err)
			}
			cols, _ := rows.Columns()
			for rows.Next() {
				vals := make([]sql.NullString, len(cols))
				ptrs := make([]any, len(cols))
				for i := range vals {
					ptrs[i] = &vals[i]
				}
				if err := rows.Scan(ptrs...); err != nil {
					t.Fatal(err)
				}
				out = append(out, fmt.Sprint(tb[0], " row ", vals))
			}
			rows.Close()
		}
	}
	programs, err := r.programs()
	if err != nil {
		t.Fatal(err)
	}
	return append(out, programs...)
}

// TestIsRelease: only module versions count as released; a working tree
// (hoist's own tests, a replace directive to a directory) keys templates
// by the test binary instead.
func TestIsRelease(t *testing.T) {
	t.Parallel()
	for v, want := range map[string]bool{
		"v1.2.3":                             true,
		"v0.0.0-20261122071500-8b7477f1a2b3": true,
		"(devel)":                            false,
		"":                                   false,
	} {
		if got := isRelease(v); got != want {
			t.Errorf("isRelease(%q) = %v, want %v", v, got, want)
		}
	}
	if v, released := hoistVersion(); released {
		t.Errorf("hoistVersion() in hoist's own tests = %q, released; want unreleased", v)
	}
}
