package embedfs_test

import (
	"crypto/sha256"
	"encoding/hex"
	"strconv"
	"strings"
	"testing"

	"github.com/hoistdb/hoist/embedfs"
)

// checksumOf reads files and returns the checksum of their only migration.
func checksumOf(t *testing.T, files map[string]string) string {
	t.Helper()
	migrations := readMigrations(t, files)
	if len(migrations) != 1 {
		t.Fatalf("read %d migrations, want 1", len(migrations))
	}
	return migrations[0].Checksum
}

// documented computes the checksum as Migration.Checksum's documentation
// defines it, with down == nil for no down.
func documented(up string, down *string) string {
	s := "up " + strconv.Itoa(len(up)) + "\n" + up
	if down != nil {
		s += "down " + strconv.Itoa(len(*down)) + "\n" + *down
	} else {
		s += "no down\n"
	}
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])
}

func ptr(s string) *string { return &s }

func TestChecksumDefinition(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		files map[string]string
		up    string
		down  *string
	}{
		{"native", map[string]string{"1_a.sql": "-- header\n-- +hoist up\nSELECT 1;\n-- +hoist down\nSELECT 2;\n"}, "SELECT 1;\n", ptr("SELECT 2;\n")},
		{"native_no_down", map[string]string{"1_a.sql": "-- +hoist up\nSELECT 1;"}, "SELECT 1;", nil},
		{"native_marker_last_line", map[string]string{"1_a.sql": "-- +hoist up\nSELECT 1;\n-- +hoist down"}, "SELECT 1;\n", ptr("")},
		{"goose", map[string]string{"1_a.sql": "-- +goose Up\n-- +goose StatementBegin\nSELECT 1;\n-- +goose StatementEnd\n-- +goose Down\n"}, "-- +goose StatementBegin\nSELECT 1;\n-- +goose StatementEnd\n", ptr("")},
		{"pair", map[string]string{"1_a.up.sql": "SELECT 1;\n", "1_a.down.sql": "SELECT 2;\n"}, "SELECT 1;\n", ptr("SELECT 2;\n")},
		{"pair_no_down", map[string]string{"1_a.up.sql": "SELECT 1;\n"}, "SELECT 1;\n", nil},
		{"crlf", map[string]string{"1_a.up.sql": "SELECT 1;\r\nSELECT 2;\r\n", "1_a.down.sql": "\uFEFFSELECT 3;\r"}, "SELECT 1;\nSELECT 2;\n", ptr("SELECT 3;\n")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got, want := checksumOf(t, tt.files), documented(tt.up, tt.down); got != want {
				t.Errorf("Checksum = %s, want %s", got, want)
			}
		})
	}
}

func TestChecksumStability(t *testing.T) {
	t.Parallel()
	const native = "-- +hoist up\nCREATE TABLE a (id int);\nCREATE TABLE b (id int);\n-- +hoist down\nDROP TABLE b;\nDROP TABLE a;\n"
	tests := []struct {
		name  string
		a, b  map[string]string
		equal bool
	}{
		{
			name:  "crlf_equals_lf",
			a:     map[string]string{"1_a.sql": native},
			b:     map[string]string{"1_a.sql": strings.ReplaceAll(native, "\n", "\r\n")},
			equal: true,
		},
		{
			name:  "cr_equals_lf",
			a:     map[string]string{"1_a.sql": native},
			b:     map[string]string{"1_a.sql": strings.ReplaceAll(native, "\n", "\r")},
			equal: true,
		},
		{
			name:  "crlf_equals_lf_pair",
			a:     map[string]string{"1_a.up.sql": "SELECT 1;\nSELECT 2;\n", "1_a.down.sql": "SELECT 3;\n"},
			b:     map[string]string{"1_a.up.sql": "SELECT 1;\r\nSELECT 2;\r\n", "1_a.down.sql": "SELECT 3;\r\n"},
			equal: true,
		},
		{
			name:  "header_comment_ignored",
			a:     map[string]string{"1_a.sql": native},
			b:     map[string]string{"1_a.sql": "-- Tables a and b.\n" + native},
			equal: true,
		},
		{
			name:  "goose_equals_native",
			a:     map[string]string{"1_a.sql": native},
			b:     map[string]string{"1_a.sql": strings.NewReplacer("-- +hoist up", "-- +goose Up", "-- +hoist down", "-- +goose Down").Replace(native)},
			equal: true,
		},
		{
			name:  "pair_equals_native",
			a:     map[string]string{"1_a.sql": native},
			b:     map[string]string{"1_a.up.sql": "CREATE TABLE a (id int);\nCREATE TABLE b (id int);\n", "1_a.down.sql": "DROP TABLE b;\nDROP TABLE a;\n"},
			equal: true,
		},
		{
			name:  "no_transaction_added_to_pair",
			a:     map[string]string{"1_a.up.sql": "SELECT 1;\n", "1_a.down.sql": "SELECT 2;\n"},
			b:     map[string]string{"1_a.up.sql": "-- +hoist no-transaction\nSELECT 1;\n", "1_a.down.sql": "SELECT 2;\n"},
			equal: true,
		},
		{
			name:  "no_transaction_added_to_down_file",
			a:     map[string]string{"1_a.up.sql": "SELECT 1;\n", "1_a.down.sql": "SELECT 2;\n"},
			b:     map[string]string{"1_a.up.sql": "SELECT 1;\n", "1_a.down.sql": "SELECT 2;\r\n-- +goose NO TRANSACTION\r\n"},
			equal: true,
		},
		{
			name:  "no_transaction_added_after_up_marker",
			a:     map[string]string{"1_a.sql": native},
			b:     map[string]string{"1_a.sql": strings.Replace(native, "-- +hoist up\n", "-- +hoist up\n  --  +hoist   no-transaction\n", 1)},
			equal: true,
		},
		{
			name:  "no_transaction_added_before_up_marker",
			a:     map[string]string{"1_a.sql": native},
			b:     map[string]string{"1_a.sql": "-- +hoist no-transaction\n" + native},
			equal: true,
		},
		{
			name: "sql_change",
			a:    map[string]string{"1_a.sql": native},
			b:    map[string]string{"1_a.sql": strings.Replace(native, "id int", "id bigint", 1)},
		},
		{
			name: "whitespace_change",
			a:    map[string]string{"1_a.sql": native},
			b:    map[string]string{"1_a.sql": strings.Replace(native, "(id int)", "(id  int)", 1)},
		},
		{
			name: "down_change",
			a:    map[string]string{"1_a.sql": native},
			b:    map[string]string{"1_a.sql": strings.Replace(native, "DROP TABLE a;", "DROP TABLE a CASCADE;", 1)},
		},
		{
			name: "text_moved_from_up_to_down",
			a:    map[string]string{"1_a.sql": "-- +hoist up\nSELECT 1;\nSELECT 2;\n-- +hoist down\nSELECT 3;\n"},
			b:    map[string]string{"1_a.sql": "-- +hoist up\nSELECT 1;\n-- +hoist down\nSELECT 2;\nSELECT 3;\n"},
		},
		{
			name: "text_moved_between_pair_files",
			a:    map[string]string{"1_a.up.sql": "SELECT 1;\nSELECT 2;\n", "1_a.down.sql": "SELECT 3;\n"},
			b:    map[string]string{"1_a.up.sql": "SELECT 1;\n", "1_a.down.sql": "SELECT 2;\nSELECT 3;\n"},
		},
		{
			name: "no_down_differs_from_empty_down",
			a:    map[string]string{"1_a.sql": "-- +hoist up\nSELECT 1;\n"},
			b:    map[string]string{"1_a.sql": "-- +hoist up\nSELECT 1;\n-- +hoist down\n"},
		},
		{
			name: "no_down_differs_from_empty_down_pair",
			a:    map[string]string{"1_a.up.sql": "SELECT 1;\n"},
			b:    map[string]string{"1_a.up.sql": "SELECT 1;\n", "1_a.down.sql": ""},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			a, b := checksumOf(t, tt.a), checksumOf(t, tt.b)
			if (a == b) != tt.equal {
				t.Errorf("checksums %s and %s: equal = %t, want %t", a, b, a == b, tt.equal)
			}
		})
	}
}

// TestPriorChecksum: a migration whose text had a no-transaction line
// left out of its checksum keeps the checksum with the line, as hoist
// computed it before, so that history rows written then still match;
// other migrations have none.
func TestPriorChecksum(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		files     map[string]string
		priorUp   string
		priorDown *string // nil: no prior checksum expected
	}{
		{"pair", map[string]string{"1_a.up.sql": "-- +hoist no-transaction\nSELECT 1;\n", "1_a.down.sql": "SELECT 2;\n"},
			"-- +hoist no-transaction\nSELECT 1;\n", ptr("SELECT 2;\n")},
		{"down_file", map[string]string{"1_a.up.sql": "SELECT 1;\n", "1_a.down.sql": "-- +goose NO TRANSACTION\nSELECT 2;\n"},
			"SELECT 1;\n", ptr("-- +goose NO TRANSACTION\nSELECT 2;\n")},
		{"after_up_marker", map[string]string{"1_a.sql": "-- +hoist up\n-- +hoist no-transaction\nSELECT 1;\n-- +hoist down\nSELECT 2;\n"},
			"-- +hoist no-transaction\nSELECT 1;\n", ptr("SELECT 2;\n")},
		{"before_up_marker", map[string]string{"1_a.sql": "-- +hoist no-transaction\n-- +hoist up\nSELECT 1;\n-- +hoist down\nSELECT 2;\n"}, "", nil},
		{"no_annotation", map[string]string{"1_a.up.sql": "SELECT 1;\n", "1_a.down.sql": "SELECT 2;\n"}, "", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ms := readMigrations(t, tt.files)
			if got := ms[0].Checksum; got != documented("SELECT 1;\n", ptr("SELECT 2;\n")) {
				t.Errorf("Checksum = %s, want that of the text without the annotation", got)
			}
			want := ""
			if tt.priorDown != nil {
				want = documented(tt.priorUp, tt.priorDown)
			}
			if got := ms[0].PriorChecksum; got != want {
				t.Errorf("PriorChecksum = %q, want %q", got, want)
			}
		})
	}
}

func TestSeedChecksum(t *testing.T) {
	t.Parallel()
	seeds, err := embedfs.ReadSeeds(mapFS(map[string]string{
		"a.sql": "INSERT INTO t VALUES (1);\n",
		"b.sql": "INSERT INTO t VALUES (1);\r\n",
		"c.sql": "INSERT INTO t VALUES (2);\n",
	}))
	if err != nil {
		t.Fatalf("ReadSeeds: %v", err)
	}
	sum := sha256.Sum256([]byte("INSERT INTO t VALUES (1);\n"))
	if want := hex.EncodeToString(sum[:]); seeds[0].Checksum != want {
		t.Errorf("a.sql: Checksum = %s, want %s", seeds[0].Checksum, want)
	}
	if seeds[0].Checksum != seeds[1].Checksum {
		t.Errorf("CRLF changed the checksum: %s, %s", seeds[0].Checksum, seeds[1].Checksum)
	}
	if seeds[0].Checksum == seeds[2].Checksum {
		t.Errorf("changed SQL kept the checksum %s", seeds[0].Checksum)
	}
}
