package cli

import (
	"database/sql"
	"errors"
	"log/slog"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"

	_ "modernc.org/sqlite"

	"github.com/hoistdb/hoist/dialect/sqlite"
	"github.com/hoistdb/hoist/sdk"
)

// TestFleetMissingTenantWords: a tenant that does not exist when its turn
// comes (listed, then removed) fails with what to do from the command,
// not with the sdk's advice to call Fleet.Ensure, in the error and the
// run document; migrate:status names it by its kind ("no file",
// no_file) and counts it as missing.
func TestFleetMissingTenantWords(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	present, missing := filepath.Join(dir, "t_1.db"), filepath.Join(dir, "t_2.db")
	open := func(name string) (*sql.DB, error) { return sql.Open("sqlite", name) }
	f, err := sdk.NewFleet(nil, sqlite.New(), sdk.TargetList(present, missing), sdk.WithDatabaseTargets(open),
		sdk.WithFailurePolicy(sdk.FleetContinue),
		sdk.WithTargetOptions(sdk.WithLogger(slog.New(slog.DiscardHandler)), sdk.WithFS(fstest.MapFS{"0001_a.sql": {Data: []byte("-- +hoist up\nCREATE TABLE a (id INT);\n")}})))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	db, err := open(present)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec("CREATE TABLE keep (id INT)"); err != nil {
		t.Fatal(err)
	}
	db.Close()

	res, err := f.Up(t.Context())
	if err == nil || res.Targets[1].State != sdk.TargetFailed || !errors.Is(res.Targets[1].Err, sdk.ErrNoTarget) {
		t.Fatalf("Up: %v %+v", err, res.Targets)
	}
	c := &command{tree: &tree{name: "hoist"}, cfg: &Config{Tenants: "t_*"}}
	want := "does not exist any more (dropped after it was listed?): create it again, then run hoist migrate --tenants t_* again"
	doc := fleetRunJSON("t_*", nil, res, c.tenantError)
	if got := doc.Tenants[1].Error; got == nil || !strings.HasPrefix(got.Message, want) || strings.Contains(got.Message, "Ensure") {
		t.Errorf("run document: %+v", got)
	}

	rows, err := f.Status(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	st := fleetStatusJSON("t_*", nil, rows, nil)
	if st.Tenants[0].State != "up_to_date" || st.Tenants[1].State != "no_file" || !st.Tenants[1].NoSchema ||
		st.Summary.NoSchema != 1 || st.Summary.String() != "2 tenants: 1 up to date, 1 missing" || tenantStateCell(rows[1]).text != "no file" {
		t.Errorf("status: %+v %s %q", st.Tenants, st.Summary, tenantStateCell(rows[1]).text)
	}
}
