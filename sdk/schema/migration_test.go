package schema_test

import (
	"context"
	"errors"
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

// TestRunErrorIsSchemaError: a mistake only the live schema shows fails
// the run as an *sdk.MigrationError that wraps a *schema.Error naming
// the table and column.
func TestRunErrorIsSchemaError(t *testing.T) {
	t.Parallel()
	db := testkit.SQLite(t)
	m, err := sdk.New(db.DB, sqlite.New(), sdk.WithMigrations(schema.Migration(1, "posts", func(s *schema.Builder) {
		s.CreateTable("posts", func(t *schema.Table) { t.ID(); t.BigInteger("author_id").Foreign().References("authors", "id") })
	})))
	if err != nil {
		t.Fatal(err)
	}
	_, err = m.Up(context.Background())
	var me *sdk.MigrationError
	var se *schema.Error
	if !errors.As(err, &me) || me.Version != 1 || !errors.As(err, &se) || se.Table != "posts" || se.Column != "author_id" {
		t.Fatalf("Up = %v, want a MigrationError of version 1 wrapping a schema.Error on posts.author_id", err)
	}
}

// TestAddEnumValueUnknownEnum: adding a member to an enum that neither
// the database nor an earlier schema migration defines is refused
// before any SQL runs, on every engine, with the reason.
func TestAddEnumValueUnknownEnum(t *testing.T) {
	t.Parallel()
	eachEngine(t, func(t *testing.T, db *testkit.DB) {
		base := schema.Migration(1, "orders", func(s *schema.Builder) {
			s.CreateTable("orders", func(t *schema.Table) { t.ID(); t.Enum("status", "A", "B").EnumName("S") })
		})
		add := schema.Migration(2, "add C", func(s *schema.Builder) { s.AddEnumValue("T", "C") })
		m, err := sdk.New(db.DB, db.Dialect, sdk.WithMigrations(base, add))
		if err != nil {
			t.Fatal(err)
		}
		_, err = m.Up(context.Background())
		if err == nil || !strings.Contains(err.Error(), "cannot add member C: there is no enum T, neither in the database nor defined by an earlier schema migration") {
			t.Fatalf("Up = %v, want the missing enum explained", err)
		}
	})
}
