package sdk_test

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/hoistdb/hoist/sdk"
	"github.com/hoistdb/hoist/testkit"
)

func execAll(t *testing.T, db *testkit.DB, stmts ...string) {
	t.Helper()
	for _, q := range stmts {
		if _, err := db.DB.Exec(q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
}

// TestImportGoose: a database goose migrated to version 2 (3 applied and
// rolled back, 99 applied from a file that is gone) is taken over: 1 and 2
// count as applied, 99 as missing, and Up applies 3 and 4.
func TestImportGoose(t *testing.T) {
	t.Parallel()
	eachEngine(t, func(t *testing.T, db *testkit.DB) {
		ctx := testContext(t)
		execAll(t, db,
			"CREATE TABLE goose_db_version (id INTEGER PRIMARY KEY, version_id BIGINT NOT NULL, is_applied BOOLEAN NOT NULL, tstamp TIMESTAMP NULL)",
			"INSERT INTO goose_db_version VALUES (1, 0, TRUE, '2026-01-01 10:00:00'), (2, 1, TRUE, '2026-01-02 10:00:00'), "+
				"(3, 2, TRUE, '2026-01-03 10:00:00'), (4, 3, TRUE, '2026-01-04 10:00:00'), (5, 3, FALSE, '2026-01-05 10:00:00'), (6, 99, TRUE, '2026-01-06 10:00:00')",
			"CREATE TABLE users (id INTEGER PRIMARY KEY, name VARCHAR(100) NOT NULL)",
			"CREATE TABLE posts (id INTEGER PRIMARY KEY, user_id INTEGER NOT NULL, title VARCHAR(200) NOT NULL)",
		)
		m := newMigrator(t, db, sdk.WithFS(lifecycleFS()), sdk.WithMigrations(seedAdmin))
		res, err := m.ImportHistory(ctx, sdk.ImportOptions{From: sdk.ImportGoose})
		if err != nil {
			t.Fatalf("ImportHistory: %v", err)
		}
		var got []int64
		for _, e := range res.Imported {
			got = append(got, e.Version)
		}
		if !slices.Equal(got, []int64{1, 2, 99}) || res.Skipped {
			t.Fatalf("imported %v (skipped %v); want [1 2 99]", got, res.Skipped)
		}
		if at := res.Imported[1].AppliedAt; at.Format("2006-01-02 15:04") != "2026-01-03 10:00" {
			t.Errorf("version 2 imported as applied at %v; want goose's timestamp", at)
		}
		st, err := m.Status(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(statusVersions(st.Applied), []int64{1, 2}) || !slices.Equal(statusVersions(st.Missing), []int64{99}) ||
			!slices.Equal(statusVersions(st.Pending), []int64{3, 4}) || st.Applied[0].ChecksumChanged {
			t.Fatalf("after import: applied %v, missing %v, pending %v", statusVersions(st.Applied), statusVersions(st.Missing), statusVersions(st.Pending))
		}
		// 99, which goose applied from a file this directory no longer has,
		// makes 3 and 4 out of order.
		if _, err := m.Up(ctx); !errors.Is(err, sdk.ErrOutOfOrder) {
			t.Fatalf("Up after import: %v; want ErrOutOfOrder because of version 99", err)
		}
		m = newMigrator(t, db, sdk.WithFS(lifecycleFS()), sdk.WithMigrations(seedAdmin), sdk.WithAllowOutOfOrder())
		if up, err := m.Up(ctx); err != nil || !slices.Equal(versions(up.Applied), []int64{3, 4}) {
			t.Fatalf("Up after import: %v, applied %v; want [3 4]", err, versions(up.Applied))
		}
		again, err := m.ImportHistory(ctx, sdk.ImportOptions{From: sdk.ImportGoose})
		if err != nil || !again.Skipped || len(again.Imported) != 0 {
			t.Fatalf("second ImportHistory: %v, %+v; want a skip", err, again)
		}
	})
}

func TestImportGolangMigrate(t *testing.T) {
	t.Parallel()
	eachEngine(t, func(t *testing.T, db *testkit.DB) {
		ctx := testContext(t)
		execAll(t, db,
			"CREATE TABLE schema_migrations (version BIGINT NOT NULL PRIMARY KEY, dirty BOOLEAN NOT NULL)",
			"INSERT INTO schema_migrations VALUES (2, TRUE)",
		)
		m := newMigrator(t, db, sdk.WithFS(lifecycleFS()))
		if _, err := m.ImportHistory(ctx, sdk.ImportOptions{From: sdk.ImportGolangMigrate}); !errors.Is(err, sdk.ErrDirty) || !strings.Contains(err.Error(), "migrate force") {
			t.Fatalf("import of a dirty golang-migrate database: %v; want ErrDirty with the fix", err)
		}
		execAll(t, db, "UPDATE schema_migrations SET dirty = FALSE")
		res, err := m.ImportHistory(ctx, sdk.ImportOptions{From: sdk.ImportGolangMigrate})
		if err != nil || len(res.Imported) != 2 || res.Imported[1].Version != 2 || res.Imported[1].Batch != 2 {
			t.Fatalf("ImportHistory: %v, %+v; want versions 1 and 2 in batches 1 and 2", err, res)
		}
		if _, err := m.ImportHistory(ctx, sdk.ImportOptions{From: "flyway"}); err == nil || !strings.Contains(err.Error(), "unknown format") {
			t.Fatalf("unknown format: %v", err)
		}
	})
}

// TestImportNewDatabase: on a database that neither goose nor
// golang-migrate has touched, ImportHistory imports nothing and returns
// no error, so that calling it at every boot before Up works from the
// first boot. A source table the caller named explicitly must exist.
func TestImportNewDatabase(t *testing.T) {
	t.Parallel()
	eachEngine(t, func(t *testing.T, db *testkit.DB) {
		ctx := testContext(t)
		m := newMigrator(t, db, sdk.WithFS(lifecycleFS()))
		for _, from := range []sdk.ImportFormat{sdk.ImportGoose, sdk.ImportGolangMigrate} {
			res, err := m.ImportHistory(ctx, sdk.ImportOptions{From: from})
			if err != nil || len(res.Imported) != 0 || res.Skipped {
				t.Fatalf("ImportHistory from %s on a new database: %v, %+v; want nothing imported and no error", from, err, res)
			}
			_, err = m.ImportHistory(ctx, sdk.ImportOptions{From: from, Table: "nope_versions"})
			if err == nil || !strings.Contains(err.Error(), "nope_versions") || !strings.Contains(err.Error(), "ImportOptions.Table") {
				t.Fatalf("ImportHistory from %s with Table naming a missing table: %v; want an error naming it and the option", from, err)
			}
		}
		if res, err := m.Up(ctx); err != nil || !slices.Equal(versions(res.Applied), []int64{1, 2, 3}) {
			t.Fatalf("Up after an empty import: %v; want every migration applied", err)
		}
		if res, err := m.ImportHistory(ctx, sdk.ImportOptions{From: sdk.ImportGoose}); err != nil || !res.Skipped {
			t.Fatalf("ImportHistory after Up: %v, %+v; want a skip", err, res)
		}
	})
}
