package schema_test

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"strings"
	"testing"

	"github.com/hoistdb/hoist/dialect/mysql"
	"github.com/hoistdb/hoist/dialect/postgres"
	"github.com/hoistdb/hoist/sdk/schema"
	"github.com/hoistdb/hoist/testkit"
)

// TestSettleWithoutPrivilege: a user who may not create the scratch
// place gets an error that says what hoist was doing and which
// privilege it needs, on PostgreSQL and MySQL (SQLite needs none).
func TestSettleWithoutPrivilege(t *testing.T) {
	t.Parallel()
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	user := "hoist_noscratch_" + hex.EncodeToString(b)
	desired := &schema.Schema{Tables: []*schema.TableDef{{Name: "t", Columns: []*schema.ColumnDef{{Name: "id", Type: schema.TypeBigInt}}}}}
	ctx := context.Background()

	t.Run("postgres", func(t *testing.T) {
		t.Parallel()
		db := testkit.Postgres(t)
		if _, err := db.DB.ExecContext(ctx, "CREATE ROLE "+user+" LOGIN"); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.DB.ExecContext(context.Background(), "DROP ROLE "+user) })
		dsn := strings.Replace(db.DSN, "postgres://postgres@", "postgres://"+user+"@", 1)
		as, err := sql.Open(db.Driver, dsn)
		if err != nil {
			t.Fatal(err)
		}
		_, err = schema.Settle(ctx, as, postgres.New(), desired)
		as.Close()
		if err == nil || !strings.Contains(err.Error(), "it needs the CREATE privilege on the database") {
			t.Fatalf("Settle as a user without CREATE = %v, want the privilege named", err)
		}
	})
	t.Run("mysql", func(t *testing.T) {
		t.Parallel()
		db := testkit.MySQL(t)
		var dbName string
		if err := db.DB.QueryRowContext(ctx, "SELECT DATABASE()").Scan(&dbName); err != nil {
			t.Fatal(err)
		}
		for _, st := range []string{"CREATE USER '" + user + "'@'%' IDENTIFIED BY 'pw'", "GRANT ALL ON `" + dbName + "`.* TO '" + user + "'@'%'"} {
			if _, err := db.DB.ExecContext(ctx, st); err != nil {
				t.Fatal(err)
			}
		}
		t.Cleanup(func() { db.DB.ExecContext(context.Background(), "DROP USER '"+user+"'@'%'") })
		dsn := strings.Replace(db.DSN, "root:@", user+":pw@", 1)
		dsn = strings.Replace(dsn, "root@", user+":pw@", 1)
		as, err := sql.Open(db.Driver, dsn)
		if err != nil {
			t.Fatal(err)
		}
		_, err = schema.Settle(ctx, as, mysql.New(), desired)
		as.Close()
		if err == nil || !strings.Contains(err.Error(), "it needs the CREATE and DROP privileges") {
			t.Fatalf("Settle as a user without CREATE = %v, want the privilege named", err)
		}
	})
}

// TestSettleNamesTheFailingStatement: when the engine refuses a
// statement of the desired schema, the error names that statement, also
// on PostgreSQL, where Settle sends all of them in one round trip.
func TestSettleNamesTheFailingStatement(t *testing.T) {
	t.Parallel()
	col := func(name string, typ schema.Type, raw string) *schema.ColumnDef {
		return &schema.ColumnDef{Name: name, Type: typ, Raw: raw}
	}
	desired := &schema.Schema{Tables: []*schema.TableDef{
		{Name: "a_ok", Columns: []*schema.ColumnDef{col("id", schema.TypeBigInt, "")}},
		{Name: "b_bad", Columns: []*schema.ColumnDef{col("id", schema.TypeBigInt, ""), col("x", schema.TypeOther, "no_such_type_hoist")}},
		{Name: "c_ok", Columns: []*schema.ColumnDef{col("id", schema.TypeBigInt, "")}},
	}}
	ctx := context.Background()
	for _, e := range engines[:2] { // SQLite takes any type name
		t.Run(e.name, func(t *testing.T) {
			t.Parallel()
			db := e.open(t)
			_, err := schema.Settle(ctx, db.DB, e.d, desired)
			if err == nil {
				t.Fatal("Settle of a column of an unknown type succeeded")
			}
			msg := err.Error()
			i := strings.Index(msg, "\nstatement: ")
			if !strings.HasPrefix(msg, "schema: creating the desired schema in a scratch place: ") || i < 0 ||
				!strings.Contains(msg[i:], "b_bad") || strings.Contains(msg[i:], "a_ok") || strings.Contains(msg[i:], "c_ok") {
				t.Fatalf("Settle = %v, want the error with the one statement that failed", err)
			}
		})
	}
}
