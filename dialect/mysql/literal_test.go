package mysql_test

import (
	"context"
	"testing"
	"time"

	"github.com/hoistdb/hoist/dialect/internal/enginetest"
	"github.com/hoistdb/hoist/dialect/mysql"
	"github.com/hoistdb/hoist/testkit"
)

func TestHistoryLiteralText(t *testing.T) {
	t.Parallel()
	d := mysql.New()
	at := time.Date(2026, 11, 22, 4, 5, 6, 123456789, time.FixedZone("CET", 3600))
	enginetest.Pins(t, []enginetest.Pin{
		{Name: "insert_plain", Got: d.InsertHistoryLiteral("app.hist", 7, "create users", "ab12", 3, at, 15, "applied"),
			Want: "INSERT INTO `app`.`hist` (version, name, checksum, batch, applied_at, execution_ms, state) VALUES (7, 'create users', 'ab12', 3, '2026-11-22 03:05:06.123456', 15, 'applied')"},
		{Name: "insert_hex", Got: d.InsertHistoryLiteral("hist", 8, `it's \o/`, "", 1, at, 0, "failed"),
			Want: "INSERT INTO `hist` (version, name, checksum, batch, applied_at, execution_ms, state) VALUES (8, _utf8mb4 X'69742773205C6F2F', '', 1, '2026-11-22 03:05:06.123456', 0, 'failed')"},
		{Name: "delete", Got: d.DeleteHistoryLiteral("hist", 8), Want: "DELETE FROM `hist` WHERE version = 8"},
	})
}

// TestHistoryLiteralSQLModes: a name with quotes and backslashes reads
// back the same with and without NO_BACKSLASH_ESCAPES.
func TestHistoryLiteralSQLModes(t *testing.T) {
	t.Parallel()
	d := mysql.New()
	ctx := context.Background()
	conn, err := testkit.MySQL(t).DB.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, d.CreateHistoryTable("hist")); err != nil {
		t.Fatal(err)
	}
	const name = `it's a \' and a \\ and 📧`
	for i, mode := range []string{"", "NO_BACKSLASH_ESCAPES,ANSI_QUOTES"} {
		if _, err := conn.ExecContext(ctx, "SET SESSION sql_mode = '"+mode+"'"); err != nil {
			t.Fatal(err)
		}
		if _, err := conn.ExecContext(ctx, d.InsertHistoryLiteral("hist", int64(i+1), name, "c", 1, time.Now(), 1, "applied")); err != nil {
			t.Fatalf("sql_mode %q: %v", mode, err)
		}
		var got string
		if err := conn.QueryRowContext(ctx, "SELECT name FROM hist WHERE version = ?", i+1).Scan(&got); err != nil {
			t.Fatal(err)
		}
		if got != name {
			t.Errorf("sql_mode %q: name read back %q; want %q", mode, got, name)
		}
	}
}

func TestCommitsImplicitly(t *testing.T) {
	t.Parallel()
	d := mysql.New()
	for stmt, want := range map[string]bool{
		"CREATE TABLE t (id INT)":            true,
		"create\ttemporary table t (id INT)": false,
		"DROP TEMPORARY TABLE t":             false,
		"DROP TABLE t":                       true,
		"ALTER TABLE t ADD x INT":            true,
		"rename table a to b":                true,
		"TRUNCATE t":                         true,
		"INSERT INTO t VALUES (1)":           false,
		"CREATEX TABLE t":                    false,
		"/*!40101 SET x = 1 */":              false,
		"":                                   false,
	} {
		if got := d.CommitsImplicitly(stmt); got != want {
			t.Errorf("CommitsImplicitly(%q) = %v, want %v", stmt, got, want)
		}
	}
}
