package sdk_test

import (
	"errors"
	"testing"
	"testing/fstest"

	"github.com/hoistdb/hoist/embedfs"
	"github.com/hoistdb/hoist/sdk"
	"github.com/hoistdb/hoist/testkit"
)

// TestNoTransactionKeepsChecksum: adding a no-transaction annotation to
// an applied migration, here to the down file of a pair, is not an edit;
// and a history row written when hoist still counted such a line in the
// checksum of a pair matches too. A real edit still does not.
func TestNoTransactionKeepsChecksum(t *testing.T) {
	t.Parallel()
	eachEngine(t, func(t *testing.T, db *testkit.DB) {
		ctx := testContext(t)
		fsys := fstest.MapFS{
			"0001_one.up.sql":   {Data: []byte("CREATE TABLE one (id INTEGER PRIMARY KEY);\n")},
			"0001_one.down.sql": {Data: []byte("DROP TABLE one;\n")},
			"0002_two.up.sql":   {Data: []byte("-- +hoist no-transaction\nCREATE TABLE two (id INTEGER PRIMARY KEY);\n")},
			"0002_two.down.sql": {Data: []byte("DROP TABLE two;\n")},
		}
		if _, err := newMigrator(t, db, sdk.WithFS(fsys)).Up(ctx); err != nil {
			t.Fatal(err)
		}

		fsys["0001_one.down.sql"] = &fstest.MapFile{Data: []byte("-- +hoist no-transaction\nDROP TABLE one;\n")}
		m := newMigrator(t, db, sdk.WithFS(fsys))
		if err := m.Validate(ctx); err != nil {
			t.Fatalf("Validate after adding no-transaction to an applied pair: %v; want no error", err)
		}
		if _, err := m.Up(ctx); err != nil {
			t.Fatalf("Up after adding no-transaction to an applied pair: %v", err)
		}

		// A row that records 2's checksum with its annotation line, as
		// hoist wrote it before.
		files, err := embedfs.ReadMigrations(fsys)
		if err != nil {
			t.Fatal(err)
		}
		prior := files[1].PriorChecksum
		if prior == "" || prior == files[1].Checksum {
			t.Fatalf("0002_two has prior checksum %q beside %q; want another one", prior, files[1].Checksum)
		}
		setChecksum := func(sum string) {
			q := "UPDATE hoist_migrations SET checksum = '" + sum + "' WHERE version = 2"
			if _, err := db.DB.ExecContext(ctx, q); err != nil {
				t.Fatalf("%s: %v", q, err)
			}
		}
		setChecksum(prior)
		if err := m.Validate(ctx); err != nil {
			t.Fatalf("Validate with the checksum hoist recorded before: %v; want no error", err)
		}
		st, err := m.Status(ctx)
		if err != nil || len(st.Applied) != 2 || st.Applied[1].ChecksumChanged {
			t.Fatalf("Status: %v, %+v; want 2 applied and unchanged", err, st)
		}
		setChecksum(files[0].Checksum) // 1's: the text of 2 as it was is unknown
		if err := m.Validate(ctx); !errors.Is(err, sdk.ErrChecksumMismatch) {
			t.Fatalf("Validate with another checksum recorded: %v; want ErrChecksumMismatch", err)
		}
		setChecksum(files[1].Checksum)

		if res, err := m.Rollback(ctx, sdk.RollbackOptions{}); err != nil || len(res.Applied) != 2 || tableExists(t, db, "one") {
			t.Fatalf("Rollback: %v; want both undone", err)
		}
	})
}
