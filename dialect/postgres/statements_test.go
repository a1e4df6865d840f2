package postgres_test

import (
	"testing"
	"time"

	"github.com/hoistdb/hoist/dialect/internal/enginetest"
	"github.com/hoistdb/hoist/dialect/postgres"
)

// TestStatements pins the statements to the byte, with a table name
// that needs quoting. The shared suite (TestConformance) runs them on
// PostgreSQL.
//
// The scripted statements carry their values as literals: with a
// backslash a name becomes an E” string, which means the same whatever
// standard_conforming_strings says.
func TestStatements(t *testing.T) {
	t.Parallel()
	d := postgres.New()
	const table = `app.we"ird`
	at := time.Date(2026, 11, 22, 4, 5, 6, 789012000, time.UTC)
	enginetest.Pins(t, []enginetest.Pin{
		{Name: "history_create", Got: d.CreateHistoryTable(table), Want: `CREATE TABLE IF NOT EXISTS "app"."we""ird" (
	version BIGINT PRIMARY KEY,
	name TEXT NOT NULL,
	checksum TEXT NOT NULL,
	batch INTEGER NOT NULL,
	applied_at TIMESTAMPTZ NOT NULL,
	execution_ms BIGINT NOT NULL,
	state VARCHAR(16) NOT NULL
)`},
		{Name: "history_select", Got: d.SelectHistory(table), Want: `SELECT version, name, checksum, batch, applied_at, execution_ms, state FROM "app"."we""ird" ORDER BY version`},
		{Name: "history_insert", Got: d.InsertHistory(table), Want: `INSERT INTO "app"."we""ird" (version, name, checksum, batch, applied_at, execution_ms, state) VALUES ($1, $2, $3, $4, $5, $6, $7)`},
		{Name: "history_delete", Got: d.DeleteHistory(table), Want: `DELETE FROM "app"."we""ird" WHERE version = $1`},
		{Name: "history_delete_state", Got: d.DeleteHistoryState(table), Want: `DELETE FROM "app"."we""ird" WHERE state = $1`},
		{Name: "history_clear", Got: d.ClearHistory(table), Want: `DELETE FROM "app"."we""ird"`},
		{Name: "history_drop", Got: d.DropHistoryTable(table), Want: `DROP TABLE IF EXISTS "app"."we""ird"`},
		{Name: "seed_create", Got: d.CreateSeedTable(table), Want: `CREATE TABLE IF NOT EXISTS "app"."we""ird" (
	name VARCHAR(255) PRIMARY KEY,
	checksum VARCHAR(64) NOT NULL,
	applied_at TIMESTAMPTZ NOT NULL
)`},
		{Name: "seed_select", Got: d.SelectSeeds(table), Want: `SELECT name FROM "app"."we""ird"`},
		{Name: "seed_insert", Got: d.InsertSeed(table), Want: `INSERT INTO "app"."we""ird" (name, checksum, applied_at) VALUES ($1, $2, $3)`},
		{Name: "script_prologue", Got: d.MigrationPrologue(), Want: "SET LOCAL synchronous_commit = off"},
		{Name: "script_insert", Got: d.InsertHistoryScript(table, 20261122040506, "it's", "c1", 3, at),
			Want: `INSERT INTO "app"."we""ird" (version, name, checksum, batch, applied_at, execution_ms, state) VALUES (20261122040506, 'it''s', 'c1', 3, '2026-11-22 04:05:06.789012+00', (EXTRACT(EPOCH FROM clock_timestamp() - statement_timestamp()) * 1000)::bigint, 'applied')`},
		{Name: "script_insert_backslash", Got: d.InsertHistoryScript(table, 7, `both\'s`, `c\k`, 1, at.In(time.FixedZone("x", 9*3600))),
			Want: `INSERT INTO "app"."we""ird" (version, name, checksum, batch, applied_at, execution_ms, state) VALUES (7, E'both\\''s', E'c\\k', 1, '2026-11-22 04:05:06.789012+00', (EXTRACT(EPOCH FROM clock_timestamp() - statement_timestamp()) * 1000)::bigint, 'applied')`},
		{Name: "script_delete", Got: d.DeleteHistoryScript(table, 20261122040506), Want: `DELETE FROM "app"."we""ird" WHERE version = 20261122040506`},
	})
}
