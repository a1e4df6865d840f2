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
