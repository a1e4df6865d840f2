package testkit

import "testing"

// TestTxEnding: which statements a MigratedTx test may not send, read by
// their leading words; quoted text, comments and routine bodies are not
// statements of their own.
func TestTxEnding(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		engine, sql, refused string // refused: the statement named, "" when allowed
	}{
		{"postgres", "COMMIT", "COMMIT"},
		{"postgres", "end transaction", "end transaction"},
		{"postgres", "ROLLBACK TO SAVEPOINT a", ""},
		{"postgres", "rollback work to a", ""},
		{"postgres", "COMMIT PREPARED 'x'", ""},
		{"postgres", "PREPARE TRANSACTION 'x'", "PREPARE TRANSACTION 'x'"},
		{"postgres", "SELECT 'COMMIT'; SELECT 1", ""},
		{"postgres", "-- COMMIT\nSELECT 1", ""},
		{"postgres", "CREATE FUNCTION f() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$", ""},
		{"postgres", "CREATE TABLE t (id int)", ""},
		{"postgres", "INSERT INTO t VALUES (1); COMMIT", "COMMIT"},
		{"mysql", "CREATE TABLE t (id INT)", "CREATE TABLE t (id INT)"},
		{"mysql", "CREATE TEMPORARY TABLE t (id INT)", ""},
		{"mysql", "DROP TEMPORARY TABLE t", ""},
		{"mysql", "SET autocommit = 1", "SET autocommit = 1"},
		{"mysql", "SET NAMES utf8mb4", ""},
		{"mysql", "# COMMIT\nSELECT 1", ""},
		{"mysql", "LOCK TABLES t WRITE", "LOCK TABLES t WRITE"},
		{"sqlite", "CREATE TABLE t (id INTEGER)", ""},
		{"sqlite", "BEGIN IMMEDIATE", "BEGIN IMMEDIATE"},
		{"sqlite", "SAVEPOINT a", ""},
		{"sqlite", "RELEASE a", ""},
	} {
		e := map[string]*engine{"postgres": postgresEngine, "mysql": mysqlEngine, "sqlite": sqliteEngine}[c.engine]
		if got, why := txEnding(e.dialect, c.sql); got != c.refused || (got != "" && why == "") {
			t.Errorf("%s: txEnding(%q) = %q, %q; want %q refused", c.engine, c.sql, got, why, c.refused)
		}
	}
}

// TestSessionState: which statements keep a MySQL MigratedTx session
// from being handed to the next test.
func TestSessionState(t *testing.T) {
	t.Parallel()
	for text, want := range map[string]bool{
		"SELECT * FROM users WHERE id = ?":                 false,
		"INSERT INTO t (a) VALUES ('x@y.z')":               false,
		"UPDATE t SET a = 1; DELETE FROM t":                false,
		"ROLLBACK TO SAVEPOINT hoist_testkit_1":            false,
		"SET SESSION sql_mode = ''":                        true,
		"SELECT @x := 1":                                   true,
		"CREATE TEMPORARY TABLE tmp (id INT)":              true,
		"SELECT GET_LOCK('x', 1)":                          true,
		"SELECT 1; SET @a = 2":                             true,
		"-- a comment\nSELECT 1":                           false,
		"CALL do_things()":                                 true,
		"SELECT LAST_INSERT_ID(42)":                        true,
		"/* hint */ INSERT INTO t SELECT * FROM u":         false,
		"PREPARE s FROM 'SELECT 1'":                        true,
		"HANDLER t OPEN":                                   true,
		"USE other":                                        true,
		"DELETE FROM t WHERE note = 'SET @x'; SELECT 1":    false,
		"SELECT name FROM t WHERE name LIKE '%GET_LOCK%'":  false,
		"INSERT INTO t VALUES (1); CREATE TEMPORARY TABLE": true,
	} {
		if got := sessionState(text); got != want {
			t.Errorf("sessionState(%q) = %t, want %t", text, got, want)
		}
	}
}
