package testkit

import (
	"context"
	"testing"

	"github.com/hoistdb/hoist/sdk"
	"github.com/hoistdb/hoist/sdk/schema"
)

// GoldenDiff checks that models and migrations agree: it migrates a
// fresh database of kind with opts ([Migrated]), diffs it with models
// ([schema.Compare], the models' renamed_from hints included) and
// compares the migration that migrate:generate would write
// ([schema.Changeset.SQLFile]) with testdata/<test name>.golden, as
// [Golden] does (-update rewrites it). An empty golden file means that
// the models and the migrations agree; a CI run then fails as soon as
// someone changes a model without writing the migration, showing the
// migration that is missing. The SQL is the engine's, so give each kind
// its own test or subtest.
func GoldenDiff(t testing.TB, kind Kind, models *schema.Models, opts ...sdk.Option) {
	t.Helper()
	db := Migrated(t, kind, opts...)
	cs, err := schema.Compare(context.Background(), db.DB, db.Dialect, models.Schema, schema.DiffOptions{Renames: models.Renames})
	if err != nil {
		t.Fatalf("testkit: GoldenDiff: %v", err)
	}
	file, err := cs.SQLFile(db.Dialect)
	if err != nil {
		t.Fatalf("testkit: GoldenDiff: %v", err)
	}
	Golden(t, t.Name(), file)
}
