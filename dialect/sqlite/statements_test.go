package sqlite_test

import (
	"testing"

	"github.com/hoistdb/hoist/dialect/internal/enginetest"
	"github.com/hoistdb/hoist/dialect/sqlite"
)

// TestStatements pins the statements to the byte, with a table name
// that needs quoting. The shared suite (TestConformance) runs them on
// SQLite.
func TestStatements(t *testing.T) {
	t.Parallel()
	d := sqlite.New()
	const table = `aux.we"ird`
	enginetest.Pins(t, []enginetest.Pin{
		{Name: "history_create", Got: d.CreateHistoryTable(table), Want: `CREATE TABLE IF NOT EXISTS "aux"."we""ird" (
	version INTEGER PRIMARY KEY,
	name TEXT NOT NULL,
	checksum TEXT NOT NULL,
	batch INTEGER NOT NULL,
	applied_at TIMESTAMP NOT NULL,
	execution_ms INTEGER NOT NULL,
	state TEXT NOT NULL
)`},
		{Name: "history_select", Got: d.SelectHistory(table), Want: `SELECT version, name, checksum, batch, applied_at, execution_ms, state FROM "aux"."we""ird" ORDER BY version`},
		{Name: "history_insert", Got: d.InsertHistory(table), Want: `INSERT INTO "aux"."we""ird" (version, name, checksum, batch, applied_at, execution_ms, state) VALUES (?, ?, ?, ?, ?, ?, ?)`},
		{Name: "history_delete", Got: d.DeleteHistory(table), Want: `DELETE FROM "aux"."we""ird" WHERE version = ?`},
		{Name: "history_delete_state", Got: d.DeleteHistoryState(table), Want: `DELETE FROM "aux"."we""ird" WHERE state = ?`},
		{Name: "history_clear", Got: d.ClearHistory(table), Want: `DELETE FROM "aux"."we""ird"`},
		{Name: "history_drop", Got: d.DropHistoryTable(table), Want: `DROP TABLE IF EXISTS "aux"."we""ird"`},
		{Name: "seed_create", Got: d.CreateSeedTable(table), Want: `CREATE TABLE IF NOT EXISTS "aux"."we""ird" (
	name TEXT PRIMARY KEY,
	checksum VARCHAR(64) NOT NULL,
	applied_at TIMESTAMP NOT NULL
)`},
		{Name: "seed_select", Got: d.SelectSeeds(table), Want: `SELECT name FROM "aux"."we""ird"`},
		{Name: "seed_insert", Got: d.InsertSeed(table), Want: `INSERT INTO "aux"."we""ird" (name, checksum, applied_at) VALUES (?, ?, ?)`},
	})
}
