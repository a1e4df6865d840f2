package embedfs_test

import (
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/hoistdb/hoist/embedfs"
)

func TestReadMigrationsLayouts(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		files map[string]string
		want  []*embedfs.Migration // Checksum is not compared
	}{
		{
			name: "native",
			files: map[string]string{"0001_create_users.sql": `-- Users and their functions.
-- +hoist no-transaction

-- +hoist up
CREATE TABLE users (id bigint PRIMARY KEY);
-- +hoist statement-begin
CREATE FUNCTION touch() RETURNS trigger AS $$
BEGIN
  NEW.updated = now(); RETURN NEW;
END $$ LANGUAGE plpgsql;
-- +hoist statement-end
CREATE INDEX CONCURRENTLY users_id ON users (id);

-- +hoist down
DROP FUNCTION touch;
DROP TABLE users;
`},
			want: []*embedfs.Migration{{
				Version: 1, Name: "create_users", Format: embedfs.FormatNative,
				File: "0001_create_users.sql", NoTransaction: true,
				Up: embedfs.Section{File: "0001_create_users.sql", Statements: stmts(
					5, "CREATE TABLE users (id bigint PRIMARY KEY)",
					7, "CREATE FUNCTION touch() RETURNS trigger AS $$\nBEGIN\n  NEW.updated = now(); RETURN NEW;\nEND $$ LANGUAGE plpgsql",
					12, "CREATE INDEX CONCURRENTLY users_id ON users (id)",
				)},
				Down: &embedfs.Section{File: "0001_create_users.sql", Statements: stmts(
					15, "DROP FUNCTION touch",
					16, "DROP TABLE users",
				)},
			}},
		},
		{
			name:  "native_marker_spelling",
			files: map[string]string{"7_x.sql": "--+hoist Up\nSELECT 1\n  --   +HOIST \t DOWN  \nSELECT 2\n"},
			want: []*embedfs.Migration{{
				Version: 7, Name: "x", Format: embedfs.FormatNative, File: "7_x.sql",
				Up:   embedfs.Section{File: "7_x.sql", Statements: stmts(2, "SELECT 1")},
				Down: &embedfs.Section{File: "7_x.sql", Statements: stmts(4, "SELECT 2")},
			}},
		},
		{
			name:  "native_empty_down",
			files: map[string]string{"1_x.sql": "-- +hoist up\nSELECT 1;\n-- +hoist down\n-- nothing to undo\n"},
			want: []*embedfs.Migration{{
				Version: 1, Name: "x", Format: embedfs.FormatNative, File: "1_x.sql",
				Up:   embedfs.Section{File: "1_x.sql", Statements: stmts(2, "SELECT 1")},
				Down: &embedfs.Section{File: "1_x.sql", Statements: []embedfs.Statement{}},
			}},
		},
		{
			name:  "native_no_down",
			files: map[string]string{"1_x.sql": "-- +hoist up\nSELECT 1;\n"},
			want: []*embedfs.Migration{{
				Version: 1, Name: "x", Format: embedfs.FormatNative, File: "1_x.sql",
				Up: embedfs.Section{File: "1_x.sql", Statements: stmts(2, "SELECT 1")},
			}},
		},
		{
			name: "pair",
			files: map[string]string{
				"0002_add_email.up.sql":   "ALTER TABLE users ADD COLUMN email text;\nCREATE INDEX users_email ON users (email)\n",
				"0002_add_email.down.sql": "-- +hoist no-transaction\nALTER TABLE users DROP COLUMN email;\n",
			},
			want: []*embedfs.Migration{{
				Version: 2, Name: "add_email", Format: embedfs.FormatPair,
				File: "0002_add_email.up.sql", NoTransaction: true,
				Up: embedfs.Section{File: "0002_add_email.up.sql", Statements: stmts(
					1, "ALTER TABLE users ADD COLUMN email text",
					2, "CREATE INDEX users_email ON users (email)",
				)},
				Down: &embedfs.Section{File: "0002_add_email.down.sql", Statements: stmts(
					2, "ALTER TABLE users DROP COLUMN email",
				)},
			}},
		},
		{
			name: "pair_without_down",
			files: map[string]string{
				"3_seed.up.sql": "-- +goose NO TRANSACTION\n-- +goose StatementBegin\nSELECT 1; SELECT 2;\n-- +goose StatementEnd\n",
			},
			want: []*embedfs.Migration{{
				Version: 3, Name: "seed", Format: embedfs.FormatPair, File: "3_seed.up.sql", NoTransaction: true,
				Up: embedfs.Section{File: "3_seed.up.sql", Statements: stmts(3, "SELECT 1; SELECT 2")},
			}},
		},
		{
			name: "pair_empty_down",
			files: map[string]string{
				"3_x.up.sql":   "SELECT 1",
				"3_x.down.sql": "",
			},
			want: []*embedfs.Migration{{
				Version: 3, Name: "x", Format: embedfs.FormatPair, File: "3_x.up.sql",
				Up:   embedfs.Section{File: "3_x.up.sql", Statements: stmts(1, "SELECT 1")},
				Down: &embedfs.Section{File: "3_x.down.sql", Statements: []embedfs.Statement{}},
			}},
		},
		{
			name: "goose",
			files: map[string]string{"20261121093000_orders.sql": `-- +goose NO TRANSACTION
-- +goose Up
-- +goose StatementBegin
CREATE PROCEDURE p() BEGIN SELECT 1; SELECT 2; END;
-- +goose StatementEnd
CREATE TABLE orders (id int);
-- +goose down
DROP TABLE orders;
DROP PROCEDURE p;
`},
			want: []*embedfs.Migration{{
				Version: 20261121093000, Name: "orders", Format: embedfs.FormatGoose,
				File: "20261121093000_orders.sql", NoTransaction: true,
				Up: embedfs.Section{File: "20261121093000_orders.sql", Statements: stmts(
					4, "CREATE PROCEDURE p() BEGIN SELECT 1; SELECT 2; END",
					6, "CREATE TABLE orders (id int)",
				)},
				Down: &embedfs.Section{File: "20261121093000_orders.sql", Statements: stmts(
					8, "DROP TABLE orders",
					9, "DROP PROCEDURE p",
				)},
			}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := readMigrations(t, tt.files)
			for _, m := range got {
				if len(m.Checksum) != 64 {
					t.Errorf("version %d: checksum %q is not hex SHA-256", m.Version, m.Checksum)
				}
				if m.PriorChecksum != "" && (len(m.PriorChecksum) != 64 || m.PriorChecksum == m.Checksum) {
					t.Errorf("version %d: prior checksum %q is not another hex SHA-256", m.Version, m.PriorChecksum)
				}
				m.Checksum, m.PriorChecksum = "", ""
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("ReadMigrations:\n got %s\nwant %s", dump(got), dump(tt.want))
			}
		})
	}
}

func TestReadMigrationsMixedDirectory(t *testing.T) {
	t.Parallel()
	got := readMigrations(t, map[string]string{
		"10_ten.sql":                  "-- +hoist up\nSELECT 10;\n",
		"9_nine.up.sql":               "SELECT 9;\n",
		"9_nine.down.sql":             "SELECT -9;\n",
		"0001_one.sql":                "-- +goose Up\nSELECT 1;\n-- +goose Down\nSELECT -1;\n",
		"20261121093000_stamp.up.sql": "SELECT 20261121093000;\n",
		"embed.go":                    "package migrations\n",
		"README.md":                   "# Migrations\n",
		"notes.txt":                   "-- +hoist up\n",
		"sub/0005_nested.sql":         "not read",
		".0006_hidden.sql":            "not read",
		"._0007_appledouble.sql":      "not read",
	})
	type summary struct {
		Version    int64
		Name, File string
		Format     embedfs.Format
		Down       bool
	}
	var sums []summary
	for _, m := range got {
		sums = append(sums, summary{m.Version, m.Name, m.File, m.Format, m.Down != nil})
	}
	want := []summary{
		{1, "one", "0001_one.sql", embedfs.FormatGoose, true},
		{9, "nine", "9_nine.up.sql", embedfs.FormatPair, true},
		{10, "ten", "10_ten.sql", embedfs.FormatNative, false},
		{20261121093000, "stamp", "20261121093000_stamp.up.sql", embedfs.FormatPair, false},
	}
	if !reflect.DeepEqual(sums, want) {
		t.Errorf("ReadMigrations:\n got %+v\nwant %+v", sums, want)
	}
}

func TestReadMigrationsEmptyDirectory(t *testing.T) {
	t.Parallel()
	got := readMigrations(t, map[string]string{"embed.go": "package migrations\n"})
	if len(got) != 0 {
		t.Errorf("ReadMigrations = %v, want none", got)
	}
}

func dump(ms []*embedfs.Migration) string {
	s := "["
	for _, m := range ms {
		s += "\n  " + fmt.Sprintf("%+v", *m)
		if m.Down != nil {
			s += fmt.Sprintf(" down=%+v", *m.Down)
		}
	}
	return s + "\n]"
}

// TestReadMigrationsLargeSet: a large set of both layouts reads in order,
// and errors spread over it are all reported, sorted by file and line.
func TestReadMigrationsLargeSet(t *testing.T) {
	fsys := fstest.MapFS{}
	for i := 1; i <= 1500; i++ {
		text := fmt.Sprintf("-- +hoist up\nCREATE TABLE t_%d (id INTEGER PRIMARY KEY);\n-- +hoist down\nDROP TABLE t_%d;\n", i, i)
		if i%2 == 0 {
			fsys[fmt.Sprintf("%05d_t%d.up.sql", i, i)] = &fstest.MapFile{Data: []byte(fmt.Sprintf("CREATE TABLE t_%d (id INTEGER);\n", i))}
			fsys[fmt.Sprintf("%05d_t%d.down.sql", i, i)] = &fstest.MapFile{Data: []byte(fmt.Sprintf("DROP TABLE t_%d;\n", i))}
			continue
		}
		fsys[fmt.Sprintf("%05d_t%d.sql", i, i)] = &fstest.MapFile{Data: []byte(text)}
	}
	ms, err := embedfs.ReadMigrations(fsys)
	if err != nil {
		t.Fatal(err)
	}
	if len(ms) != 1500 {
		t.Fatalf("read %d migrations; want 1500", len(ms))
	}
	for i, m := range ms {
		if m.Version != int64(i+1) || len(m.Up.Statements) != 1 || m.Down == nil || len(m.Down.Statements) != 1 {
			t.Fatalf("migration %d: %+v", i, m)
		}
		if want := fmt.Sprintf("CREATE TABLE t_%d (id INTEGER", i+1); !strings.HasPrefix(m.Up.Statements[0].SQL, want) {
			t.Fatalf("migration %d up = %q; want %s...", i+1, m.Up.Statements[0].SQL, want)
		}
		// Statements of many files share allocations: each section's
		// slice must end where its statements do, so that appending to
		// one cannot write over the next.
		if cap(m.Up.Statements) != len(m.Up.Statements) || cap(m.Down.Statements) != len(m.Down.Statements) {
			t.Fatalf("migration %d: sections of %d and %d statements have room for %d and %d",
				i+1, len(m.Up.Statements), len(m.Down.Statements), cap(m.Up.Statements), cap(m.Down.Statements))
		}
	}
	_ = append(ms[0].Up.Statements, embedfs.Statement{SQL: "appended"})
	if got := ms[0].Down.Statements[0].SQL; got != "DROP TABLE t_1" {
		t.Fatalf("after appending to migration 1's up, its down is %q", got)
	}

	// Broken files spread over the whole set.
	broken := []string{"01499_t1499.sql", "00003_t3.sql", "00751_t751.sql", "01200_t1200.up.sql"}
	for _, name := range broken {
		fsys[name] = &fstest.MapFile{Data: []byte("-- +hoist up\nSELECT 'unterminated;\n")}
	}
	fsys["01200_t1200.up.sql"] = &fstest.MapFile{Data: []byte("\n-- +hoist nonsense\n")}
	_, err = embedfs.ReadMigrations(fsys)
	var got []string
	for _, e := range allErrors(err) {
		got = append(got, fmt.Sprintf("%s:%d", e.File, e.Line))
	}
	want := []string{"00003_t3.sql:2", "00751_t751.sql:2", "01200_t1200.up.sql:2", "01499_t1499.sql:2"}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("errors at %v; want %v (sorted by file and line): %v", got, want, err)
	}
}

// allErrors returns the [*embedfs.Error] values joined in err.
func allErrors(err error) []*embedfs.Error {
	var out []*embedfs.Error
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		for _, e := range j.Unwrap() {
			out = append(out, allErrors(e)...)
		}
		return out
	}
	var e *embedfs.Error
	if errors.As(err, &e) {
		out = append(out, e)
	}
	return out
}
