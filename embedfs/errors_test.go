package embedfs_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/hoistdb/hoist/embedfs"
)

func TestReadMigrationsErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		files map[string]string
		kind  error
		want  []string // substrings of the message; the first names file and line
	}{
		{
			name:  "duplicate_version",
			files: map[string]string{"0001_a.sql": "-- +hoist up\nSELECT 1;", "1_b.up.sql": "SELECT 2;"},
			kind:  embedfs.ErrDuplicateVersion,
			want:  []string{"1_b.up.sql: duplicate version 1, also used by 0001_a.sql: rename one of them"},
		},
		{
			name:  "duplicate_version_single_and_pair",
			files: map[string]string{"2_a.sql": "-- +hoist up\nSELECT 1;", "2_a.up.sql": "SELECT 2;", "2_a.down.sql": "SELECT 3;"},
			kind:  embedfs.ErrDuplicateVersion,
			want:  []string{"2_a.up.sql: duplicate version 2, also used by 2_a.sql"},
		},
		{
			name:  "name_without_version",
			files: map[string]string{"create_users.sql": "-- +hoist up\nSELECT 1;"},
			kind:  embedfs.ErrBadFileName,
			want:  []string{"create_users.sql: cannot parse file name: it does not start with a version number"},
		},
		{
			name:  "name_without_name",
			files: map[string]string{"0001.sql": "-- +hoist up\nSELECT 1;"},
			kind:  embedfs.ErrBadFileName,
			want:  []string{"0001.sql: cannot parse file name: the version is not followed by _ and a name"},
		},
		{
			name:  "name_empty_after_underscore",
			files: map[string]string{"0001_.up.sql": "SELECT 1;"},
			kind:  embedfs.ErrBadFileName,
			want:  []string{"0001_.up.sql: cannot parse file name: the name after the version is empty"},
		},
		{
			name:  "name_with_dash",
			files: map[string]string{"0001-users.sql": "-- +hoist up\nSELECT 1;"},
			kind:  embedfs.ErrBadFileName,
			want:  []string{"0001-users.sql: cannot parse file name"},
		},
		{
			name:  "version_zero",
			files: map[string]string{"0000_init.sql": "-- +hoist up\nSELECT 1;"},
			kind:  embedfs.ErrBadFileName,
			want:  []string{"0000_init.sql: cannot parse file name: version 0 is not positive"},
		},
		{
			name:  "version_too_big",
			files: map[string]string{"99999999999999999999_big.sql": "-- +hoist up\nSELECT 1;"},
			kind:  embedfs.ErrBadFileName,
			want:  []string{"99999999999999999999_big.sql: cannot parse file name: version 99999999999999999999 does not fit in a 64-bit integer"},
		},
		{
			name:  "down_without_up",
			files: map[string]string{"0003_x.down.sql": "DROP TABLE x;"},
			kind:  embedfs.ErrBadFileName,
			want:  []string{"0003_x.down.sql: down file without an up file: add 0003_x.up.sql"},
		},
		{
			name:  "down_with_other_version_spelling",
			files: map[string]string{"1_x.up.sql": "SELECT 1;", "0001_x.down.sql": "SELECT 2;"},
			kind:  embedfs.ErrBadFileName,
			want:  []string{"0001_x.down.sql: down file without an up file: add 0001_x.up.sql"},
		},
		{
			name:  "duplicate_version_same_name",
			files: map[string]string{"1_x.up.sql": "SELECT 1;", "0001_x.up.sql": "SELECT 2;", "0001_x.down.sql": "SELECT 3;"},
			kind:  embedfs.ErrDuplicateVersion,
			want:  []string{"1_x.up.sql: duplicate version 1, also used by 0001_x.up.sql"},
		},
		{
			name:  "missing_up_marker",
			files: map[string]string{"0001_a.sql": "-- just SQL\nSELECT 1;\n"},
			kind:  embedfs.ErrEmptyUp,
			want:  []string{"0001_a.sql: no up marker: start the up section with -- +hoist up"},
		},
		{
			name:  "empty_file",
			files: map[string]string{"0001_a.sql": ""},
			kind:  embedfs.ErrEmptyUp,
			want:  []string{"0001_a.sql: no up marker"},
		},
		{
			name:  "empty_up_native",
			files: map[string]string{"0001_a.sql": "\n-- +hoist up\n-- nothing\n;\n-- +hoist down\nDROP TABLE x;\n"},
			kind:  embedfs.ErrEmptyUp,
			want:  []string{"0001_a.sql:2: up section has no statements: add the SQL to run after -- +hoist up"},
		},
		{
			name:  "empty_up_goose",
			files: map[string]string{"0001_a.sql": "-- +goose Up\n"},
			kind:  embedfs.ErrEmptyUp,
			want:  []string{"0001_a.sql:1: up section has no statements: add the SQL to run after -- +goose Up"},
		},
		{
			name:  "empty_up_pair",
			files: map[string]string{"0001_a.up.sql": "-- nothing yet\n", "0001_a.down.sql": "SELECT 1;"},
			kind:  embedfs.ErrEmptyUp,
			want:  []string{"0001_a.up.sql: up file has no statements"},
		},
		{
			name:  "statement_block_unterminated",
			files: map[string]string{"0001_a.sql": "-- +hoist up\nSELECT 1;\n-- +hoist statement-begin\nCREATE FUNCTION f();\n"},
			kind:  embedfs.ErrUnterminated,
			want:  []string{"0001_a.sql:3: statement block is never closed: add -- +hoist statement-end"},
		},
		{
			name:  "statement_block_open_at_down",
			files: map[string]string{"0001_a.sql": "-- +goose Up\n-- +goose StatementBegin\nSELECT 1;\n-- +goose Down\nSELECT 2;\n"},
			kind:  embedfs.ErrUnterminated,
			want:  []string{"0001_a.sql:2: statement block is not closed before -- +goose Down on line 4: add -- +goose StatementEnd"},
		},
		{
			name:  "statement_block_unterminated_pair_down",
			files: map[string]string{"0001_a.up.sql": "SELECT 1;", "0001_a.down.sql": "\n-- +hoist statement-begin\nSELECT 1;\n"},
			kind:  embedfs.ErrUnterminated,
			want:  []string{"0001_a.down.sql:2: statement block is never closed"},
		},
		{
			name:  "statement_end_without_begin",
			files: map[string]string{"0001_a.sql": "-- +hoist up\nSELECT 1;\n-- +hoist statement-end\n"},
			kind:  embedfs.ErrAnnotation,
			want:  []string{"0001_a.sql:3: -- +hoist statement-end without a statement-begin"},
		},
		{
			name:  "statement_begin_nested",
			files: map[string]string{"0001_a.sql": "-- +hoist up\n-- +hoist statement-begin\nSELECT 1;\n-- +hoist statement-begin\n"},
			kind:  embedfs.ErrAnnotation,
			want:  []string{"0001_a.sql:4: -- +hoist statement-begin inside the statement block opened on line 2"},
		},
		{
			name:  "statement_block_before_up",
			files: map[string]string{"0001_a.sql": "-- +hoist statement-begin\nSELECT 1;\n-- +hoist statement-end\n-- +hoist up\nSELECT 1;\n"},
			kind:  embedfs.ErrAnnotation,
			want:  []string{"0001_a.sql:1: statement block before the up marker"},
		},
		{
			name:  "unknown_hoist_annotation",
			files: map[string]string{"0001_a.sql": "-- +hoist up\n-- +hoist no-transactoin\nSELECT 1;\n"},
			kind:  embedfs.ErrAnnotation,
			want:  []string{`0001_a.sql:2: unknown annotation "-- +hoist no-transactoin"`},
		},
		{
			name:  "unknown_hoist_annotation_glued",
			files: map[string]string{"0001_a.sql": "-- +hoistup\nSELECT 1;\n"},
			kind:  embedfs.ErrAnnotation,
			want:  []string{`0001_a.sql:1: unknown annotation "-- +hoistup"`},
		},
		{
			name:  "unknown_goose_annotation",
			files: map[string]string{"0001_a.sql": "-- +goose Up\nSELECT 1;\n-- +goose Statement End\n"},
			kind:  embedfs.ErrAnnotation,
			want:  []string{`0001_a.sql:3: unknown annotation "-- +goose Statement End": use Up, Down`},
		},
		{
			name:  "unknown_annotation_in_pair",
			files: map[string]string{"0001_a.up.sql": "SELECT 1;\n-- +hoist statementbegin\n"},
			kind:  embedfs.ErrAnnotation,
			want:  []string{`0001_a.up.sql:2: unknown annotation "-- +hoist statementbegin": use statement-begin, statement-end or no-transaction`},
		},
		{
			name:  "goose_envsub",
			files: map[string]string{"0001_a.sql": "-- +goose Up\n-- +goose ENVSUB ON\nCREATE ROLE ${ROLE};\n"},
			kind:  embedfs.ErrAnnotation,
			want:  []string{"0001_a.sql:2: -- +goose ENVSUB ON is not supported"},
		},
		{
			name:  "down_before_up",
			files: map[string]string{"0001_a.sql": "-- +hoist down\nDROP TABLE x;\n-- +hoist up\nCREATE TABLE x();\n"},
			kind:  embedfs.ErrAnnotation,
			want:  []string{"0001_a.sql:1: down marker before the up marker"},
		},
		{
			name:  "second_up_marker",
			files: map[string]string{"0001_a.sql": "-- +hoist up\nSELECT 1;\n-- +hoist up\n"},
			kind:  embedfs.ErrAnnotation,
			want:  []string{"0001_a.sql:3: second up marker (the first is on line 1)"},
		},
		{
			name:  "second_down_marker",
			files: map[string]string{"0001_a.sql": "-- +hoist up\nSELECT 1;\n-- +hoist down\n-- +hoist down\n"},
			kind:  embedfs.ErrAnnotation,
			want:  []string{"0001_a.sql:4: second down marker (the first is on line 3)"},
		},
		{
			name:  "up_after_down",
			files: map[string]string{"0001_a.sql": "-- +hoist up\nSELECT 1;\n-- +hoist down\n-- +hoist up\n"},
			kind:  embedfs.ErrAnnotation,
			want:  []string{"0001_a.sql:4: up marker after the down marker on line 3"},
		},
		{
			name:  "mixed_marker_styles",
			files: map[string]string{"0001_a.sql": "-- +goose Up\nSELECT 1;\n-- +hoist down\n"},
			kind:  embedfs.ErrAnnotation,
			want:  []string{"0001_a.sql:3: -- +hoist down after -- +goose Up on line 1: use one style"},
		},
		{
			name:  "marker_in_pair",
			files: map[string]string{"0001_a.up.sql": "-- +hoist up\nSELECT 1;\n"},
			kind:  embedfs.ErrAnnotation,
			want:  []string{"0001_a.up.sql:1: -- +hoist up is only for single-file migrations"},
		},
		{
			name:  "once_in_migration",
			files: map[string]string{"0001_a.sql": "-- +hoist once\n-- +hoist up\nSELECT 1;\n"},
			kind:  embedfs.ErrAnnotation,
			want:  []string{"0001_a.sql:1: -- +hoist once is only for seeds"},
		},
		{
			name:  "statement_before_up",
			files: map[string]string{"0001_a.sql": "-- header\nCREATE TABLE x ();\n-- +hoist up\nSELECT 1;\n"},
			kind:  embedfs.ErrAnnotation,
			want:  []string{"0001_a.sql:2: statement before the up marker"},
		},
		{
			name:  "unterminated_string",
			files: map[string]string{"0001_a.sql": "-- +hoist up\nSELECT 1;\nINSERT INTO t VALUES ('it\\'s');\n-- +hoist down\nSELECT 2;\n"},
			kind:  embedfs.ErrUnterminated,
			want:  []string{"0001_a.sql:3: quoted string is never closed", "write '' for a quote"},
		},
		{
			name:  "unterminated_escape_string",
			files: map[string]string{"0001_a.sql": "-- +hoist up\nSELECT E'\\';\n"},
			kind:  embedfs.ErrUnterminated,
			want:  []string{"0001_a.sql:2: E'...' string is never closed"},
		},
		{
			name:  "unterminated_identifier",
			files: map[string]string{"0001_a.sql": "-- +hoist up\n\nCREATE TABLE \"x (id int);\n"},
			kind:  embedfs.ErrUnterminated,
			want:  []string{`0001_a.sql:3: quoted identifier is never closed: add the closing "`},
		},
		{
			name:  "unterminated_backquote",
			files: map[string]string{"0001_a.sql": "-- +hoist up\nCREATE TABLE `x (id int);\n"},
			kind:  embedfs.ErrUnterminated,
			want:  []string{"0001_a.sql:2: quoted identifier is never closed: add the closing `"},
		},
		{
			name:  "unterminated_dollar_quote",
			files: map[string]string{"0001_a.sql": "-- +hoist up\nSELECT 1;\nDO $body$\nBEGIN\nEND $bod$;\n-- +hoist down\n"},
			kind:  embedfs.ErrUnterminated,
			want:  []string{"0001_a.sql:3: dollar-quoted string is never closed: add the closing $body$"},
		},
		{
			name:  "unterminated_block_comment",
			files: map[string]string{"0001_a.sql": "-- +hoist up\n/* outer\n/* inner */\nSELECT 1;\n"},
			kind:  embedfs.ErrUnterminated,
			want:  []string{"0001_a.sql:2: block comment is never closed"},
		},
		{
			name:  "unterminated_in_down_section",
			files: map[string]string{"0001_a.sql": "-- +hoist up\nSELECT 1;\n-- +hoist down\nSELECT 'x\n"},
			kind:  embedfs.ErrUnterminated,
			want:  []string{"0001_a.sql:4: quoted string is never closed"},
		},
		{
			name:  "unterminated_in_pair_down",
			files: map[string]string{"0001_a.up.sql": "SELECT 1;", "0001_a.down.sql": "SELECT 1;\nSELECT $$x;\n"},
			kind:  embedfs.ErrUnterminated,
			want:  []string{"0001_a.down.sql:2: dollar-quoted string is never closed"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := embedfs.ReadMigrations(mapFS(tt.files))
			if got != nil {
				t.Errorf("ReadMigrations returned %d migrations with an error", len(got))
			}
			checkError(t, err, tt.kind, tt.want...)
			var e *embedfs.Error
			if !errors.As(err, &e) {
				t.Fatalf("errors.As(%q, *Error) = false", err)
			}
			if !strings.HasPrefix(err.Error(), e.Error()) {
				t.Errorf("message %q does not start with the first *Error %q", err, e)
			}
		})
	}
}

func TestReadMigrationsReportsAllErrors(t *testing.T) {
	t.Parallel()
	_, err := embedfs.ReadMigrations(mapFS(map[string]string{
		"0001_ok.sql":      "-- +hoist up\nSELECT 1;\n",
		"0002_b.up.sql":    "SELECT 'open\n",
		"0002_b.down.sql":  "-- +hoist typo\n",
		"0003_c.sql":       "SELECT 1;\n",
		"3_c.sql":          "-- +hoist up\nSELECT 1;\n",
		"bad.sql":          "",
		"0004_d.down.sql":  "",
		"0005_e.sql":       "-- +hoist up\nSELECT 1;\n-- +hoist statement-end\n",
		"README.md":        "not SQL",
		"0006_ok.down.sql": "",
		"0006_ok.up.sql":   "SELECT 6",
	}))
	want := strings.Join([]string{
		"0002_b.down.sql:1: unknown annotation",
		"0002_b.up.sql:1: quoted string is never closed",
		"0003_c.sql: no up marker",
		"0004_d.down.sql: down file without an up file",
		"0005_e.sql:3: -- +hoist statement-end without a statement-begin",
		"3_c.sql: duplicate version 3, also used by 0003_c.sql",
		"bad.sql: cannot parse file name",
	}, "|")
	if err == nil {
		t.Fatal("ReadMigrations: error = nil")
	}
	for _, kind := range []error{embedfs.ErrAnnotation, embedfs.ErrUnterminated, embedfs.ErrEmptyUp, embedfs.ErrBadFileName, embedfs.ErrDuplicateVersion} {
		checkError(t, err, kind)
	}
	var got []string
	for _, line := range strings.Split(err.Error(), "\n") {
		// Keep each message up to the end of its first clause.
		got = append(got, line[:prefixLen(line, want)])
	}
	if strings.Join(got, "|") != want {
		t.Errorf("errors:\n%s\nwant, in this order, lines starting with:\n%s", err, strings.ReplaceAll(want, "|", "\n"))
	}
}

// prefixLen returns the length of the longest "|"-separated element of want
// that line starts with, or len(line).
func prefixLen(line, want string) int {
	n := 0
	for _, w := range strings.Split(want, "|") {
		if strings.HasPrefix(line, w) && len(w) > n {
			n = len(w)
		}
	}
	if n == 0 {
		return len(line)
	}
	return n
}

func TestErrorFormat(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		err  *embedfs.Error
		want string
	}{
		{"with_line", &embedfs.Error{File: "0001_a.sql", Line: 3, Err: embedfs.ErrUnterminated}, "0001_a.sql:3: unterminated"},
		{"without_line", &embedfs.Error{File: "0001_a.sql", Err: embedfs.ErrBadFileName}, "0001_a.sql: bad file name"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := tt.err.Error(); got != tt.want {
				t.Errorf("Error() = %q, want %q", got, tt.want)
			}
			if !errors.Is(tt.err, tt.err.Err) || tt.err.Unwrap() != tt.err.Err {
				t.Errorf("Unwrap() = %v, want %v", tt.err.Unwrap(), tt.err.Err)
			}
		})
	}
}
