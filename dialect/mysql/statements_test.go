package mysql_test

import (
	"testing"
	"time"

	"github.com/hoistdb/hoist/dialect/internal/enginetest"
	"github.com/hoistdb/hoist/dialect/mysql"
)

// TestStatements pins the statements to the byte, with a table name
// that needs quoting. The shared suite (TestConformance) runs them on
// MySQL or MariaDB.
func TestStatements(t *testing.T) {
	t.Parallel()
	d := mysql.New()
	const table = "app.we`ird"
	enginetest.Pins(t, []enginetest.Pin{
		{Name: "history_create", Got: d.CreateHistoryTable(table), Want: "CREATE TABLE IF NOT EXISTS `app`.`we``ird` (" + `
	version BIGINT NOT NULL PRIMARY KEY,
	name VARCHAR(255) NOT NULL,
	checksum VARCHAR(64) NOT NULL,
	batch INT NOT NULL,
	applied_at DATETIME(6) NOT NULL,
	execution_ms BIGINT NOT NULL,
	state VARCHAR(16) NOT NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4`},
		{Name: "history_select", Got: d.SelectHistory(table), Want: "SELECT version, name, checksum, batch, DATE_FORMAT(applied_at, '%Y-%m-%d %H:%i:%s.%f') AS applied_at, execution_ms, state FROM `app`.`we``ird` ORDER BY version"},
		{Name: "history_insert", Got: d.InsertHistory(table), Want: "INSERT INTO `app`.`we``ird` (version, name, checksum, batch, applied_at, execution_ms, state) VALUES (?, ?, ?, ?, ?, ?, ?)"},
		{Name: "history_delete", Got: d.DeleteHistory(table), Want: "DELETE FROM `app`.`we``ird` WHERE version = ?"},
		{Name: "history_delete_state", Got: d.DeleteHistoryState(table), Want: "DELETE FROM `app`.`we``ird` WHERE state = ?"},
		{Name: "history_clear", Got: d.ClearHistory(table), Want: "DELETE FROM `app`.`we``ird`"},
		{Name: "history_drop", Got: d.DropHistoryTable(table), Want: "DROP TABLE IF EXISTS `app`.`we``ird`"},
		{Name: "seed_create", Got: d.CreateSeedTable(table), Want: "CREATE TABLE IF NOT EXISTS `app`.`we``ird` (" + `
	name VARCHAR(255) PRIMARY KEY,
	checksum VARCHAR(64) NOT NULL,
	applied_at DATETIME(6) NOT NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4`},
		{Name: "seed_select", Got: d.SelectSeeds(table), Want: "SELECT name FROM `app`.`we``ird`"},
		{Name: "seed_insert", Got: d.InsertSeed(table), Want: "INSERT INTO `app`.`we``ird` (name, checksum, applied_at) VALUES (?, ?, ?)"},
	})
}

func TestTimeArg(t *testing.T) {
	t.Parallel()
	at := time.Date(2026, 11, 22, 4, 5, 6, 123456000, time.FixedZone("JST", 9*3600))
	if got, want := mysql.New().TimeArg(at), "2026-11-21 19:05:06.123456"; got != want {
		t.Errorf("TimeArg = %v; want the UTC text %q", got, want)
	}
}
