package embedfs_test

import (
	"reflect"
	"testing"

	"github.com/hoistdb/hoist/embedfs"
)

func TestReadSeeds(t *testing.T) {
	t.Parallel()
	seeds, err := embedfs.ReadSeeds(mapFS(map[string]string{
		"20_users.sql": "-- +hoist once\nINSERT INTO users VALUES (1, 'a;b');\nINSERT INTO users VALUES (2, 'c');\n",
		"10_roles.sql": "-- +hoist no-transaction\n-- +hoist statement-begin\nDO $$ BEGIN PERFORM 1; END $$;\n-- +hoist statement-end\nVACUUM roles\n",
		"README.md":    "# seeds",
		"sub/x.sql":    "SELECT 1",
		".hidden.sql":  "",
	}))
	if err != nil {
		t.Fatalf("ReadSeeds: %v", err)
	}
	for _, s := range seeds {
		if len(s.Checksum) != 64 {
			t.Errorf("%s: checksum %q is not hex SHA-256", s.File, s.Checksum)
		}
		s.Checksum = ""
	}
	want := []*embedfs.Seed{
		{
			Name: "10_roles", File: "10_roles.sql", NoTransaction: true,
			Statements: stmts(3, "DO $$ BEGIN PERFORM 1; END $$", 5, "VACUUM roles"),
		},
		{
			Name: "20_users", File: "20_users.sql", Once: true,
			Statements: stmts(2, "INSERT INTO users VALUES (1, 'a;b')", 3, "INSERT INTO users VALUES (2, 'c')"),
		},
	}
	if !reflect.DeepEqual(seeds, want) {
		t.Errorf("ReadSeeds:\n got %+v\nwant %+v", deref(seeds), deref(want))
	}
}

func deref(seeds []*embedfs.Seed) []embedfs.Seed {
	out := make([]embedfs.Seed, len(seeds))
	for i, s := range seeds {
		out[i] = *s
	}
	return out
}

func TestReadSeedsErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		files map[string]string
		kind  error
		want  []string
	}{
		{"empty_seed", map[string]string{"a.sql": "-- nothing\n"}, embedfs.ErrEmptyUp, []string{"a.sql: seed has no statements"}},
		{"section_marker", map[string]string{"a.sql": "-- +hoist up\nSELECT 1;"}, embedfs.ErrAnnotation, []string{"a.sql:1: -- +hoist up is only for single-file migrations: a seed has no sections"}},
		{"unknown_annotation", map[string]string{"a.sql": "SELECT 1;\n-- +hoist onse"}, embedfs.ErrAnnotation, []string{`a.sql:2: unknown annotation "-- +hoist onse": use once,`}},
		{"unterminated", map[string]string{"a.sql": "SELECT 1;\nSELECT 'x;"}, embedfs.ErrUnterminated, []string{"a.sql:2: quoted string is never closed"}},
		{
			"several",
			map[string]string{"b.sql": "", "a.sql": "-- +hoist statement-begin\n", "c.sql": "SELECT 1"},
			embedfs.ErrEmptyUp,
			[]string{"a.sql:1: statement block is never closed", "\nb.sql: seed has no statements"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			seeds, err := embedfs.ReadSeeds(mapFS(tt.files))
			if seeds != nil {
				t.Errorf("ReadSeeds returned %d seeds with an error", len(seeds))
			}
			checkError(t, err, tt.kind, tt.want...)
		})
	}
}
