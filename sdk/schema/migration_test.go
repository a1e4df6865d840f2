package schema_test

import (
	"strings"
	"testing"

	"github.com/hoistdb/hoist/dialect"
	"github.com/hoistdb/hoist/dialect/sqlite"
	"github.com/hoistdb/hoist/sdk"
	"github.com/hoistdb/hoist/sdk/schema"
	"github.com/hoistdb/hoist/testkit"
)

// TestNewRefusesBadMigration: a mistake the builder saw fails sdk.New,
// at boot, before anything touches the database.
func TestNewRefusesBadMigration(t *testing.T) {
	t.Parallel()
	db := testkit.SQLite(t)
	bad := schema.Migration(3, "orders", func(s *schema.Builder) {
		s.CreateTable("orders", func(t *schema.Table) { t.ID(); t.Enum("status", "A", "A").EnumName("S") })
	})
	_, err := sdk.New(db.DB, sqlite.New(), sdk.WithMigrations(bad))
	want := `hoist: migration 3 "orders": table orders, column status: enum S: member "A" is listed twice`
	if err == nil || err.Error() != want {
		t.Fatalf("New = %v, want %s", err, want)
	}
}

// bare is a dialect without the schema abilities.
type bare struct{ dialect.Dialect }

// TestNewRefusesDialectWithoutRenderer: a dialect that cannot render
// schema migrations fails sdk.New with its name.
func TestNewRefusesDialectWithoutRenderer(t *testing.T) {
	t.Parallel()
	db := testkit.SQLite(t)
	m := schema.Migration(1, "users", func(s *schema.Builder) {
		s.CreateTable("users", func(t *schema.Table) { t.ID() })
	})
	_, err := sdk.New(db.DB, bare{sqlite.New()}, sdk.WithMigrations(m))
	if err == nil || !strings.Contains(err.Error(), "the sqlite dialect cannot render schema migrations") {
		t.Fatalf("New = %v, want the missing ability named", err)
	}
}
