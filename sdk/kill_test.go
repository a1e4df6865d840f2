package sdk_test

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"strconv"
	"testing/fstest"
	"time"

	"github.com/hoistdb/hoist/sdk"
)

// The random-kill harness (killrun_test.go) kills a migrating child
// process with SIGKILL at a random moment and checks what the next boot
// finds. This file holds the migration set it kills: a mix of every kind
// of migration whose failure path differs, with statements slow enough
// that most kills land inside one.

// Child roles of the random-kill test (see process_test.go).
const (
	// roleKilled runs Up over the killSet of the child's engine and says
	// "migrating N" and "migrated N" as each migration starts and ends,
	// until the test kills it.
	roleKilled = "killed"
	// roleKilledDown is roleKilled rolling the whole set back.
	roleKilledDown = "killeddown"
)

// killChild is the child process of roles roleKilled and
// roleKilledDown, or ok is false.
func killChild(role string, db *sql.DB) (code int, ok bool) {
	if role != roleKilled && role != roleKilledDown {
		return 0, false
	}
	d := dialectFor(os.Getenv("HOIST_SDK_DRIVER"))
	m, err := sdk.New(db, d, append(killSetFor(d.Name()).options(), killedProgress(), quiet())...)
	if err == nil {
		if role == roleKilledDown {
			_, err = m.RollbackTo(context.Background(), 0)
		} else {
			_, err = m.Up(context.Background())
		}
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1, true
	}
	return 0, true
}

// killCounter is the table each counting migration inserts its version
// into, once: two rows of a version mean it ran twice.
const killCounter = "kill_counter"

// killStep is one migration of the set, with what it leaves in the
// schema when it is fully applied: the checks and the scripted repair
// know each migration's effects.
type killStep struct {
	version int64
	name    string
	body    string   // the up section of the SQL file; "" for the Go migration
	down    string   // its down section, which undoes all of it
	noTx    bool     // the file says no-transaction
	tables  []string // the tables it creates
	counts  bool     // it inserts its version into killCounter
}

// killSet is the migration set killed on one engine.
type killSet struct {
	engine string
	// rows is how many rows SQLite's slow query counts, measured to take
	// about a fifth of a second on this machine (see sqliteRows); the
	// child gets it in HOIST_SDK_KILL_ROWS, so that its files and the
	// test's have the same checksums.
	rows int
}

// killSetFor is the set of a child process on engine.
func killSetFor(engine string) killSet {
	rows, _ := strconv.Atoi(os.Getenv("HOIST_SDK_KILL_ROWS"))
	return killSet{engine: engine, rows: rows}
}

// slow is a query returning one row (column s) that takes about a fifth
// of a second: a sleep on the servers, a recursive CTE that counts on
// SQLite, which has no sleep.
func (k killSet) slow() string {
	switch k.engine {
	case "postgres":
		return "SELECT 1 AS s FROM pg_sleep(0.2)"
	case "mysql":
		return "SELECT SLEEP(0.2) AS s"
	}
	return countTo(k.rows)
}

// countTo is SQLite's slow query.
func countTo(rows int) string {
	return fmt.Sprintf("WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < %d) SELECT COUNT(*) AS s FROM c", rows)
}

// sqliteRows measures how many rows countTo counts in a fifth of a
// second on db: the machine's load and the race detector change it
// tenfold.
func sqliteRows(ctx context.Context, db *sql.DB) (int, error) {
	const probe = 50000
	start := time.Now()
	var n int
	if err := db.QueryRowContext(ctx, countTo(probe)).Scan(&n); err != nil {
		return 0, err
	}
	rows := int(float64(probe) * float64(200*time.Millisecond) / float64(max(time.Since(start), time.Millisecond)))
	return min(max(rows, 1000), 2_000_000), nil
}

// steps is the set:
//
//   - transactional migrations mixing DDL and INSERTs, with a slow
//     statement before, between or after them (on MySQL/MariaDB the DDL
//     commits implicitly, so these take the dirty-flag path there once
//     a DDL statement is reached);
//   - a no-transaction migration, dirty on every engine when killed
//     half way;
//   - a DDL-only migration whose second statement is slow (CREATE TABLE
//     ... AS the slow query), which on MySQL/MariaDB commits statement
//     by statement;
//   - a DML-only migration, which is transactional on every engine;
//   - a Go migration, which must run exactly once;
//   - a file with its own BEGIN and COMMIT, which hoist runs as it is,
//     without a transaction of its own.
func (k killSet) steps() []killStep {
	slow := k.slow() + ";\n"
	ins := func(v int) string { return fmt.Sprintf("INSERT INTO %s (version) VALUES (%d);\n", killCounter, v) }
	del := func(v int) string { return fmt.Sprintf("DELETE FROM %s WHERE version = %d;\n", killCounter, v) }
	return []killStep{
		{version: 1, name: "counter", tables: []string{killCounter},
			body: "CREATE TABLE " + killCounter + " (version INTEGER NOT NULL);\n", down: "DROP TABLE " + killCounter + ";\n"},
		{version: 2, name: "ddl_then_insert", tables: []string{"t2"}, counts: true,
			body: "CREATE TABLE t2 (id INTEGER);\nINSERT INTO t2 (id) VALUES (1);\n" + slow + ins(2),
			down: slow + del(2) + "DROP TABLE t2;\n"},
		{version: 3, name: "insert_then_ddl", tables: []string{"t3"}, counts: true,
			body: ins(3) + slow + "CREATE TABLE t3 (id INTEGER);\nCREATE INDEX t3_id ON t3 (id);\n",
			down: "DROP TABLE t3;\n" + slow + del(3)},
		{version: 4, name: "no_transaction", tables: []string{"n4", "n4b"}, counts: true, noTx: true,
			body: "CREATE TABLE n4 (id INTEGER);\n" + slow + ins(4) + slow + "CREATE TABLE n4b (id INTEGER);\n",
			down: "DROP TABLE n4b;\n" + slow + del(4) + "DROP TABLE n4;\n"},
		{version: 5, name: "slow_around", tables: []string{"t5"}, counts: true,
			body: slow + "CREATE TABLE t5 (id INTEGER);\nINSERT INTO t5 (id) VALUES (5);\n" + ins(5) + slow,
			down: del(5) + slow + "DROP TABLE t5;\n"},
		{version: 6, name: "ddl_only", tables: []string{"d6", "d6s"},
			body: "CREATE TABLE d6 (id INTEGER);\nCREATE TABLE d6s AS " + slow + "CREATE INDEX d6_id ON d6 (id);\n",
			down: "DROP TABLE d6s;\n" + slow + "DROP TABLE d6;\n"},
		{version: 7, name: "dml_only", counts: true,
			body: "INSERT INTO t2 (id) VALUES (7);\n" + slow + ins(7),
			down: "DELETE FROM t2 WHERE id = 7;\n" + slow + del(7)},
		{version: 8, name: "go_insert", counts: true},
		{version: 9, name: "own_transaction", tables: []string{"t9"}, counts: true,
			body: "BEGIN;\n" + ins(9) + slow + "CREATE TABLE t9 (id INTEGER);\nCOMMIT;\n",
			down: "BEGIN;\n" + del(9) + slow + "DROP TABLE t9;\nCOMMIT;\n"},
	}
}

// options returns the options that give a migrator the set.
func (k killSet) options() []sdk.Option {
	fsys := fstest.MapFS{}
	var opts []sdk.Option
	for _, s := range k.steps() {
		if s.body == "" {
			run := func(q string) func(context.Context, sdk.Tx) error {
				return func(ctx context.Context, tx sdk.Tx) error {
					if _, err := tx.ExecContext(ctx, k.slow()); err != nil {
						return err
					}
					_, err := tx.ExecContext(ctx, q)
					return err
				}
			}
			opts = append(opts, sdk.WithMigrations(sdk.GoMigration(s.version, s.name,
				run(fmt.Sprintf("INSERT INTO %s (version) VALUES (%d)", killCounter, s.version)),
				run(fmt.Sprintf("DELETE FROM %s WHERE version = %d", killCounter, s.version)))))
			continue
		}
		file := "-- +hoist up\n" + s.body + "-- +hoist down\n" + s.down
		if s.noTx {
			file = "-- +hoist no-transaction\n" + file
		}
		fsys[fmt.Sprintf("%04d_%s.sql", s.version, s.name)] = &fstest.MapFile{Data: []byte(file)}
	}
	return append(opts, sdk.WithFS(fsys))
}

// killedProgress is what a roleKilled child says.
func killedProgress() sdk.Option {
	return sdk.WithProgress(func(_ context.Context, e sdk.Event) {
		switch e.Kind {
		case sdk.EventMigrating:
			fmt.Printf("migrating %d\n", e.Migration.Version)
		case sdk.EventMigrated:
			fmt.Printf("migrated %d\n", e.Migration.Version)
		}
	})
}

// killsPerEngine is how many kills each engine gets: HOIST_TEST_KILLS,
// or 20.
func killsPerEngine() (int, error) {
	s := os.Getenv("HOIST_TEST_KILLS")
	if s == "" {
		return 20, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 {
		return 0, fmt.Errorf("HOIST_TEST_KILLS=%q: want a positive number", s)
	}
	return n, nil
}
