package sdk_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/hoistdb/hoist/sdk"
	"github.com/hoistdb/hoist/testkit"
)

func halfFS(noTx bool) fstest.MapFS {
	annotation := ""
	if noTx {
		annotation = "-- +hoist no-transaction\n"
	}
	return fstest.MapFS{
		"0001_first.sql": {Data: []byte("-- +hoist up\nCREATE TABLE first (id INTEGER PRIMARY KEY);\n-- +hoist down\nDROP TABLE first;\n")},
		"0002_half.sql": {Data: []byte(annotation + `-- +hoist up
CREATE TABLE half_a (id INTEGER PRIMARY KEY);
CREATE TABLE half_b (id INTEGER PRIMARY KEY);
INSERT INTO no_such_table (id) VALUES (1);
-- +hoist down
DROP TABLE half_b;
DROP TABLE half_a;
`)},
	}
}

// TestFailureInTheMiddle: a migration that fails at its third statement.
// Transactional engines keep nothing of it; MySQL keeps its DDL and
// records the migration as failed, and from then on refuses to run until
// it is repaired.
func TestFailureInTheMiddle(t *testing.T) {
	t.Parallel()
	eachEngine(t, func(t *testing.T, db *testkit.DB) {
		ctx := testContext(t)
		m := newMigrator(t, db, sdk.WithFS(halfFS(false)))
		res, err := m.Up(ctx)
		var me *sdk.MigrationError
		if !errors.As(err, &me) {
			t.Fatalf("Up: %v; want a *sdk.MigrationError", err)
		}
		if me.Version != 2 || me.File != "0002_half.sql" || me.Line != 4 || !strings.Contains(me.Statement, "no_such_table") {
			t.Fatalf("MigrationError names version %d, %s:%d, statement %q; want 2, 0002_half.sql:4 and the INSERT",
				me.Version, me.File, me.Line, me.Statement)
		}
		if !strings.Contains(err.Error(), "0002_half.sql:4") || !strings.Contains(err.Error(), "no_such_table") {
			t.Fatalf("message %q does not name the file, line and the driver's complaint", err)
		}
		if !slices.Equal(versions(res.Applied), []int64{1}) {
			t.Fatalf("Result lists %v; want the migration applied before the failure, [1]", versions(res.Applied))
		}
		st, err := m.Status(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(statusVersions(st.Applied), []int64{1}) {
			t.Fatalf("applied %v; want [1]", statusVersions(st.Applied))
		}

		if db.Dialect.TransactionalDDL() {
			if me.Dirty || len(st.Failed) != 0 || tableExists(t, db, "half_a") {
				t.Fatalf("transactional engine left something behind: dirty %v, failed %v, half_a exists %v",
					me.Dirty, statusVersions(st.Failed), tableExists(t, db, "half_a"))
			}
			if !slices.Equal(statusVersions(st.Pending), []int64{2}) {
				t.Fatalf("pending %v; want [2]", statusVersions(st.Pending))
			}
			return
		}
		assertDirtyThenRepair(t, ctx, db, m, me)
	})
}

// TestNoTransactionFailure: without a transaction every engine keeps what
// ran, so every engine records the migration as failed.
func TestNoTransactionFailure(t *testing.T) {
	t.Parallel()
	eachEngine(t, func(t *testing.T, db *testkit.DB) {
		ctx := testContext(t)
		m := newMigrator(t, db, sdk.WithFS(halfFS(true)))
		_, err := m.Up(ctx)
		var me *sdk.MigrationError
		if !errors.As(err, &me) {
			t.Fatalf("Up: %v; want a *sdk.MigrationError", err)
		}
		assertDirtyThenRepair(t, ctx, db, m, me)
	})
}

func assertDirtyThenRepair(t *testing.T, ctx context.Context, db *testkit.DB, m *sdk.Migrator, me *sdk.MigrationError) {
	t.Helper()
	if !me.Dirty || !strings.Contains(me.Error(), "migrate:repair") {
		t.Fatalf("error %q: dirty %v; want it marked dirty with the repair hint", me, me.Dirty)
	}
	if !tableExists(t, db, "half_a") || !tableExists(t, db, "half_b") {
		t.Fatal("the statements before the failure should have stayed")
	}
	st, err := m.Status(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(statusVersions(st.Failed), []int64{2}) {
		t.Fatalf("failed %v; want [2]", statusVersions(st.Failed))
	}
	for _, run := range []func() error{
		func() error { _, err := m.Up(ctx); return err },
		func() error { _, err := m.Rollback(ctx, sdk.RollbackOptions{}); return err },
		func() error { return m.Validate(ctx) },
	} {
		if err := run(); !errors.Is(err, sdk.ErrDirty) || !strings.Contains(err.Error(), "2 half") {
			t.Fatalf("on a dirty database: %v; want ErrDirty naming migration 2", err)
		}
	}

	// The operator undoes the partial changes, repairs, fixes the file.
	for _, q := range []string{"DROP TABLE half_b", "DROP TABLE half_a"} {
		if _, err := db.DB.ExecContext(ctx, q); err != nil {
			t.Fatal(err)
		}
	}
	rep, err := m.Repair(ctx)
	if err != nil || len(rep.Removed) != 1 || rep.Removed[0].Version != 2 {
		t.Fatalf("Repair: %v, removed %+v; want version 2 removed", err, rep)
	}
	fixed := halfFS(false)
	fixed["0002_half.sql"] = &fstest.MapFile{Data: []byte("-- +hoist up\nCREATE TABLE half_a (id INTEGER PRIMARY KEY);\n-- +hoist down\nDROP TABLE half_a;\n")}
	res, err := newMigrator(t, db, sdk.WithFS(fixed)).Up(ctx)
	if err != nil || !slices.Equal(versions(res.Applied), []int64{2}) {
		t.Fatalf("Up after repair: %v, applied %v; want [2]", err, versions(res.Applied))
	}
}

func TestChecksumDrift(t *testing.T) {
	t.Parallel()
	eachEngine(t, func(t *testing.T, db *testkit.DB) {
		ctx := testContext(t)
		if _, err := newMigrator(t, db, sdk.WithFS(lifecycleFS())).Up(ctx); err != nil {
			t.Fatal(err)
		}
		edited := lifecycleFS()
		edited["0001_create_users.sql"] = &fstest.MapFile{Data: []byte("-- +hoist up\nCREATE TABLE users (id INTEGER PRIMARY KEY, name VARCHAR(200) NOT NULL);\n-- +hoist down\nDROP TABLE users;\n")}
		edited["0005_later.sql"] = &fstest.MapFile{Data: []byte("-- +hoist up\nCREATE TABLE later (id INTEGER PRIMARY KEY);\n-- +hoist down\nDROP TABLE later;\n")}

		m := newMigrator(t, db, sdk.WithFS(edited))
		_, err := m.Up(ctx)
		if !errors.Is(err, sdk.ErrChecksumMismatch) || !strings.Contains(err.Error(), "0001_create_users.sql") {
			t.Fatalf("Up with an edited migration: %v; want ErrChecksumMismatch naming 0001_create_users.sql", err)
		}
		if tableExists(t, db, "later") {
			t.Fatal("a pending migration ran despite the checksum mismatch")
		}
		if err := m.Validate(ctx); !errors.Is(err, sdk.ErrChecksumMismatch) {
			t.Fatalf("Validate: %v; want ErrChecksumMismatch", err)
		}
		st, err := m.Status(ctx)
		if err != nil || len(st.Applied) == 0 || !st.Applied[0].ChecksumChanged || st.Applied[1].ChecksumChanged {
			t.Fatalf("Status: %v %+v; want only migration 1 flagged as changed", err, st)
		}

		res, err := newMigrator(t, db, sdk.WithFS(edited), sdk.WithChecksumPolicy(sdk.ChecksumWarn)).Up(ctx)
		if err != nil || !slices.Equal(versions(res.Applied), []int64{5}) {
			t.Fatalf("Up with ChecksumWarn: %v, applied %v; want [5]", err, versions(res.Applied))
		}
	})
}

func TestOutOfOrder(t *testing.T) {
	t.Parallel()
	eachEngine(t, func(t *testing.T, db *testkit.DB) {
		ctx := testContext(t)
		all := lifecycleFS()
		without2 := lifecycleFS()
		delete(without2, "0002_create_posts.up.sql")
		delete(without2, "0002_create_posts.down.sql")
		if _, err := newMigrator(t, db, sdk.WithFS(without2)).Up(ctx); err != nil {
			t.Fatal(err)
		}

		m := newMigrator(t, db, sdk.WithFS(all))
		if _, err := m.Up(ctx); !errors.Is(err, sdk.ErrOutOfOrder) || !strings.Contains(err.Error(), "2 create_posts") {
			t.Fatalf("Up: %v; want ErrOutOfOrder naming 2 create_posts", err)
		}
		if _, err := m.Plan(ctx); !errors.Is(err, sdk.ErrOutOfOrder) {
			t.Fatalf("Plan: %v; want ErrOutOfOrder", err)
		}
		if err := m.Validate(ctx); !errors.Is(err, sdk.ErrOutOfOrder) {
			t.Fatalf("Validate: %v; want ErrOutOfOrder", err)
		}
		if tableExists(t, db, "posts") {
			t.Fatal("the out-of-order migration ran")
		}
		res, err := newMigrator(t, db, sdk.WithFS(all), sdk.WithAllowOutOfOrder()).Up(ctx)
		if err != nil || !slices.Equal(versions(res.Applied), []int64{2}) {
			t.Fatalf("Up with WithAllowOutOfOrder: %v, applied %v; want [2]", err, versions(res.Applied))
		}
	})
}

func TestIrreversibleAndMissing(t *testing.T) {
	t.Parallel()
	eachEngine(t, func(t *testing.T, db *testkit.DB) {
		ctx := testContext(t)
		fsys := lifecycleFS()
		delete(fsys, "0002_create_posts.down.sql")
		m := newMigrator(t, db, sdk.WithFS(fsys))
		if _, err := m.Up(ctx); err != nil {
			t.Fatal(err)
		}
		_, err := m.Rollback(ctx, sdk.RollbackOptions{})
		if !errors.Is(err, sdk.ErrIrreversible) || !strings.Contains(err.Error(), "0002_create_posts.up.sql") {
			t.Fatalf("Rollback over a migration without down: %v; want ErrIrreversible naming it", err)
		}
		if !tableExists(t, db, "tags") {
			t.Fatal("migration 3 was rolled back although the batch cannot be")
		}
		if res, err := m.Rollback(ctx, sdk.RollbackOptions{Steps: 1}); err != nil || !slices.Equal(versions(res.Applied), []int64{3}) {
			t.Fatalf("Rollback of migration 3 alone: %v, %v", err, res)
		}

		// Version 3 is applied again, then disappears from the source.
		if _, err := m.Up(ctx); err != nil {
			t.Fatal(err)
		}
		gone := lifecycleFS()
		delete(gone, "0003_create_tags.sql")
		m = newMigrator(t, db, sdk.WithFS(gone))
		st, err := m.Status(ctx)
		if err != nil || !slices.Equal(statusVersions(st.Missing), []int64{3}) {
			t.Fatalf("Status: %v, missing %v; want [3]", err, statusVersions(st.Missing))
		}
		if _, err := m.Rollback(ctx, sdk.RollbackOptions{Steps: 1}); !errors.Is(err, sdk.ErrIrreversible) {
			t.Fatalf("Rollback of a migration missing from the source: %v; want ErrIrreversible", err)
		}
	})
}

// TestPanicReleasesLock: a Go migration that panics rolls back its
// transaction, the panic reaches the caller, and the lock is free for the
// next migrator.
func TestPanicReleasesLock(t *testing.T) {
	t.Parallel()
	eachEngine(t, func(t *testing.T, db *testkit.DB) {
		ctx := testContext(t)
		boom := sdk.GoMigration(5, "boom", func(ctx context.Context, tx sdk.Tx) error {
			if _, err := tx.ExecContext(ctx, "INSERT INTO users (id, name) VALUES (9, 'partial')"); err != nil {
				return err
			}
			panic("boom")
		}, nil)
		m := newMigrator(t, db, sdk.WithFS(lifecycleFS()), sdk.WithMigrations(boom))
		func() {
			defer func() {
				if p := recover(); p != "boom" {
					t.Fatalf("recovered %v; want the migration's panic", p)
				}
			}()
			_, _ = m.Up(ctx)
			t.Fatal("Up returned instead of panicking")
		}()
		if n := countRows(t, db.DB, "SELECT COUNT(*) FROM users WHERE id = 9"); n != 0 {
			t.Fatal("the panicking migration's insert was committed")
		}
		other := newMigrator(t, db, sdk.WithFS(lifecycleFS()), sdk.WithLockTimeout(2*time.Second))
		if _, err := other.Rollback(ctx, sdk.RollbackOptions{}); err != nil {
			t.Fatalf("after the panic the lock should be free: %v", err)
		}
	})
}

// TestDialectSyntax: a MySQL migration written as mysqldump writes it,
// with backslash-escaped quotes and # comments holding semicolons, splits
// where MySQL sees the statements end.
func TestDialectSyntax(t *testing.T) {
	t.Parallel()
	db := testkit.MySQL(t)
	ctx := testContext(t)
	m := newMigrator(t, db, sdk.WithFS(fstest.MapFS{"0001_dump.sql": {Data: []byte(`-- +hoist up
CREATE TABLE quotes (id INTEGER PRIMARY KEY, body VARCHAR(100) NOT NULL); # one; two
INSERT INTO quotes VALUES (1, 'it\'s; really'), (2, "say \"hi;\"");
-- +hoist down
DROP TABLE quotes;
`)}}))
	if _, err := m.Up(ctx); err != nil {
		t.Fatalf("Up: %v", err)
	}
	var body string
	if err := db.DB.QueryRowContext(ctx, "SELECT body FROM quotes WHERE id = 1").Scan(&body); err != nil || body != "it's; really" {
		t.Fatalf("body %q, %v; want %q", body, err, "it's; really")
	}
}

// TestBootReadsOddHistory: the boot query meets history rows that hoist
// did not write itself (an operator's UPDATE, another tool's import):
// a checksum with the characters the SQLite boot aggregate separates on,
// an empty one, one that looks like a row of its own, and a row marked
// failed. Each gets the answer the full
// reading of the history gives.
func TestBootReadsOddHistory(t *testing.T) {
	t.Parallel()
	eachEngine(t, func(t *testing.T, db *testkit.DB) {
		ctx := testContext(t)
		if _, err := newMigrator(t, db, sdk.WithFS(lifecycleFS())).Up(ctx); err != nil {
			t.Fatal(err)
		}
		exec := func(q string) {
			t.Helper()
			if _, err := db.DB.ExecContext(ctx, q); err != nil {
				t.Fatalf("%s: %v", q, err)
			}
		}
		exec("UPDATE hoist_migrations SET checksum = 'a,b 1, -2' WHERE version = 1")
		exec("UPDATE hoist_migrations SET checksum = '' WHERE version = 2")
		if _, err := newMigrator(t, db, sdk.WithFS(lifecycleFS())).Up(ctx); !errors.Is(err, sdk.ErrChecksumMismatch) ||
			!strings.Contains(err.Error(), "0001_create_users.sql): applied as a,b 1, -2") || strings.Contains(err.Error(), "0002") {
			t.Fatalf("Up: %v; want ErrChecksumMismatch naming 0001_create_users.sql alone (an empty checksum is not checked)", err)
		}
		res, err := newMigrator(t, db, sdk.WithFS(lifecycleFS()), sdk.WithChecksumPolicy(sdk.ChecksumIgnore)).Up(ctx)
		if err != nil || len(res.Applied) != 0 {
			t.Fatalf("Up with ChecksumIgnore: %v, applied %v; want nothing to do", err, versions(res.Applied))
		}

		// A checksum that reads as the end of one row and a row of its
		// own must not pass for migration 5, which is pending.
		exec("UPDATE hoist_migrations SET checksum = 'x,5 ' WHERE version = 1")
		more := lifecycleFS()
		more["0005_more.sql"] = &fstest.MapFile{Data: []byte("-- +hoist up\nCREATE TABLE more (id INTEGER PRIMARY KEY);\n-- +hoist down\nDROP TABLE more;\n")}
		res, err = newMigrator(t, db, sdk.WithFS(more), sdk.WithChecksumPolicy(sdk.ChecksumIgnore)).Up(ctx)
		if err != nil || !slices.Equal(versions(res.Applied), []int64{5}) {
			t.Fatalf("Up with migration 5 pending: %v, applied %v; want [5]", err, versions(res.Applied))
		}

		exec("UPDATE hoist_migrations SET state = 'failed' WHERE version = 3")
		if _, err := newMigrator(t, db, sdk.WithFS(lifecycleFS()), sdk.WithChecksumPolicy(sdk.ChecksumIgnore)).Up(ctx); !errors.Is(err, sdk.ErrDirty) {
			t.Fatalf("Up with a failed row: %v; want ErrDirty", err)
		}
	})
}
