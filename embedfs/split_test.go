package embedfs_test

import (
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/hoistdb/hoist/embedfs"
)

func TestSplit(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		text string
		want []embedfs.Statement
	}{
		{"simple", "SELECT 1; SELECT 2;", stmts(1, "SELECT 1", 1, "SELECT 2")},
		{"no_final_semicolon", "SELECT 1;\nSELECT 2\n", stmts(1, "SELECT 1", 2, "SELECT 2")},
		{"empty", "", stmts()},
		{"only_semicolons", " ;;\n; ", stmts()},
		{"single_quotes", "INSERT INTO t VALUES ('a;b');SELECT 2", stmts(1, "INSERT INTO t VALUES ('a;b')", 1, "SELECT 2")},
		{"doubled_quotes", "SELECT 'it''s; fine', '''';SELECT 2", stmts(1, "SELECT 'it''s; fine', ''''", 1, "SELECT 2")},
		{"empty_string", "SELECT '';SELECT 2", stmts(1, "SELECT ''", 1, "SELECT 2")},
		{"backslash_in_standard_string", `SELECT 'a\'; SELECT 2`, stmts(1, `SELECT 'a\'`, 1, "SELECT 2")},
		{"escape_string", `SELECT E'it\'s; fine'; SELECT 2`, stmts(1, `SELECT E'it\'s; fine'`, 1, "SELECT 2")},
		{"escape_string_lower_case", `SELECT e'\\'; SELECT 2`, stmts(1, `SELECT e'\\'`, 1, "SELECT 2")},
		{"escape_string_doubled_quote", `SELECT E'a''b;\''; SELECT 2`, stmts(1, `SELECT E'a''b;\''`, 1, "SELECT 2")},
		{"word_ending_in_e_is_not_escape", `SELECT type'a\'; SELECT 2`, stmts(1, `SELECT type'a\'`, 1, "SELECT 2")},
		{"double_quoted_identifier", `CREATE TABLE "a;b" (x int); SELECT 2`, stmts(1, `CREATE TABLE "a;b" (x int)`, 1, "SELECT 2")},
		{"doubled_double_quotes", `SELECT "a"";b"; SELECT 2`, stmts(1, `SELECT "a"";b"`, 1, "SELECT 2")},
		{"backquoted_identifier", "CREATE TABLE `a;b` (x int); SELECT 2", stmts(1, "CREATE TABLE `a;b` (x int)", 1, "SELECT 2")},
		{"doubled_backquotes", "SELECT `a``;b`; SELECT 2", stmts(1, "SELECT `a``;b`", 1, "SELECT 2")},
		{
			"dollar_quote",
			"CREATE FUNCTION f() RETURNS int AS $$ SELECT 1; $$ LANGUAGE sql; SELECT 2",
			stmts(1, "CREATE FUNCTION f() RETURNS int AS $$ SELECT 1; $$ LANGUAGE sql", 1, "SELECT 2"),
		},
		{
			"dollar_quote_nested_tags",
			"DO $outer$\nBEGIN\n  EXECUTE $inner$ SELECT 1; $$ ; $inner$;\nEND\n$outer$;\nSELECT 2;",
			stmts(1, "DO $outer$\nBEGIN\n  EXECUTE $inner$ SELECT 1; $$ ; $inner$;\nEND\n$outer$", 6, "SELECT 2"),
		},
		{"dollar_quote_holds_quotes", "SELECT $q$ it's \"; -- $q$; SELECT 2", stmts(1, `SELECT $q$ it's "; -- $q$`, 1, "SELECT 2")},
		{"dollar_quote_non_ascii_tag", "SELECT $é$;$é$; SELECT 2", stmts(1, "SELECT $é$;$é$", 1, "SELECT 2")},
		{"placeholders", "SELECT $1; INSERT INTO t VALUES ($1, $2, 'x;y'); SELECT $3", stmts(1, "SELECT $1", 1, "INSERT INTO t VALUES ($1, $2, 'x;y')", 1, "SELECT $3")},
		{"placeholder_then_dollar", "SELECT $1$; SELECT 2", stmts(1, "SELECT $1$", 1, "SELECT 2")},
		{"dollar_in_identifier", "SELECT a$b$c; SELECT 2", stmts(1, "SELECT a$b$c", 1, "SELECT 2")},
		{"line_comment", "SELECT 1 -- not; here\n; SELECT 2", stmts(1, "SELECT 1", 2, "SELECT 2")},
		{"line_comment_mid_statement", "SELECT -- first; column\n  1;", stmts(1, "SELECT -- first; column\n  1")},
		{"dashes_in_string", "SELECT '-- not a comment;'; SELECT 2", stmts(1, "SELECT '-- not a comment;'", 1, "SELECT 2")},
		{"minus", "SELECT 1-1; SELECT -2", stmts(1, "SELECT 1-1", 1, "SELECT -2")},
		{"slash", "SELECT 4/2; SELECT 2/", stmts(1, "SELECT 4/2", 1, "SELECT 2/")},
		{"block_comment", "SELECT /* ; */ 1; SELECT 2", stmts(1, "SELECT /* ; */ 1", 1, "SELECT 2")},
		{"nested_block_comments", "SELECT 1 /* outer /* inner; */ still; */ ; SELECT 2", stmts(1, "SELECT 1", 1, "SELECT 2")},
		{"block_comment_star_slash", "/*/ still a comment; */ SELECT 1", stmts(1, "SELECT 1")},
		{"comment_only_statements", "-- nothing\n;\n/* nothing */;\nSELECT 1;\n-- trailing\n", stmts(4, "SELECT 1")},
		{"mysql_executable_comment", "/*!40101 SET NAMES utf8 */;\nSELECT 1;", stmts(1, "/*!40101 SET NAMES utf8 */", 2, "SELECT 1")},
		{"mariadb_executable_comment", "/*M!100301 SET NAMES utf8 */;\nSELECT 1;", stmts(1, "/*M!100301 SET NAMES utf8 */", 2, "SELECT 1")},
		{"mariadb_executable_comment_last", "CREATE TABLE v (id INT) /*M!100301 WITH SYSTEM VERSIONING */;\nSELECT 1",
			stmts(1, "CREATE TABLE v (id INT) /*M!100301 WITH SYSTEM VERSIONING */", 2, "SELECT 1")},
		{"mysql_executable_comment_last", "CREATE TABLE v (id INT) /*!50100 ENGINE=InnoDB */", stmts(1, "CREATE TABLE v (id INT) /*!50100 ENGINE=InnoDB */")},
		{"comment_starting_with_m", "SELECT 1 /*M not executable; */; /*Mx! nor this */;", stmts(1, "SELECT 1")},
		{"line_numbers", "-- header\n\nSELECT 1;\n\n  SELECT\n  2;\n", stmts(3, "SELECT 1", 5, "SELECT\n  2")},
		{"line_numbers_after_multiline_string", "SELECT 'a\nb';\nSELECT \"c\nd\";\nSELECT $$\n$$;\nSELECT /*\n*/ 4; SELECT E'\\\n';\nSELECT 6", stmts(1, "SELECT 'a\nb'", 3, "SELECT \"c\nd\"", 5, "SELECT $$\n$$", 7, "SELECT /*\n*/ 4", 8, "SELECT E'\\\n'", 10, "SELECT 6")},
		{"crlf", "SELECT 1;\r\nSELECT\r\n 2;\r\n", stmts(1, "SELECT 1", 2, "SELECT\n 2")},
		{"lone_cr", "SELECT 1;\rSELECT\r 2;\r", stmts(1, "SELECT 1", 2, "SELECT\n 2")},
		{"byte_order_mark", "\uFEFFSELECT 1;", stmts(1, "SELECT 1")},
		{"non_ascii", "SELECT 'é;ü'; SELECT '日本'", stmts(1, "SELECT 'é;ü'", 1, "SELECT '日本'")},
		{
			"statement_block",
			"SELECT 1;\n-- +hoist statement-begin\n\nCREATE TRIGGER t BEFORE INSERT ON x FOR EACH ROW\nBEGIN\n  SET NEW.a = 1;\nEND;\n\n-- +hoist statement-end\nSELECT 2;",
			stmts(1, "SELECT 1", 4, "CREATE TRIGGER t BEFORE INSERT ON x FOR EACH ROW\nBEGIN\n  SET NEW.a = 1;\nEND", 10, "SELECT 2"),
		},
		{
			"statement_block_goose",
			"-- +goose StatementBegin\nSELECT 'it\\'s';;\n-- +goose StatementEnd",
			stmts(2, `SELECT 'it\'s'`),
		},
		{"statement_block_empty", "-- +hoist statement-begin\n\n-- +hoist statement-end\nSELECT 1", stmts(4, "SELECT 1")},
		{"statement_block_crlf", "-- +hoist statement-begin\r\nSELECT 1;\r\nSELECT 2;\r\n-- +hoist statement-end\r\n", stmts(2, "SELECT 1;\nSELECT 2")},
		{"statement_pending_at_block", "SELECT 1\n-- +hoist statement-begin\nSELECT 2\n-- +hoist statement-end", stmts(1, "SELECT 1", 3, "SELECT 2")},
		{"annotation_like_comment", "-- + hoist up\n-- +migrate Up\nSELECT 1", stmts(3, "SELECT 1")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := embedfs.Split("q.sql", tt.text)
			if err != nil {
				t.Fatalf("Split: %v", err)
			}
			if len(got) == 0 && len(tt.want) == 0 {
				return
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Split(%q):\n got %q\nwant %q", tt.text, got, tt.want)
			}
		})
	}
}

func TestSplitErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		text string
		kind error
		want string
	}{
		{"unterminated_string", "SELECT 1;\nSELECT 'abc;", embedfs.ErrUnterminated, "q.sql:2: quoted string is never closed"},
		{"unterminated_string_doubled", "SELECT 'abc''", embedfs.ErrUnterminated, "q.sql:1: quoted string is never closed"},
		{"unterminated_string_crlf", "SELECT 1;\r\n\r\nSELECT 'abc;", embedfs.ErrUnterminated, "q.sql:3: quoted string"},
		{"unterminated_escape_string", "SELECT E'abc\\'", embedfs.ErrUnterminated, "q.sql:1: E'...' string is never closed"},
		{"unterminated_identifier", "SELECT \"abc", embedfs.ErrUnterminated, "q.sql:1: quoted identifier is never closed"},
		{"unterminated_dollar", "SELECT 1;\n\nDO $f$ BEGIN END $$;", embedfs.ErrUnterminated, "q.sql:3: dollar-quoted string is never closed: add the closing $f$"},
		{"unterminated_empty_dollar", "SELECT $$", embedfs.ErrUnterminated, "q.sql:1: dollar-quoted string is never closed: add the closing $$"},
		{"unterminated_nested_comment", "SELECT 1 /* a /* b */", embedfs.ErrUnterminated, "q.sql:1: block comment is never closed"},
		{"unterminated_block", "-- +hoist statement-begin\nSELECT 1;", embedfs.ErrUnterminated, "q.sql:1: statement block is never closed"},
		{"unterminated_quote_before_block", "SELECT 'x\n-- +hoist statement-begin\nSELECT 1;\n-- +hoist statement-end\n", embedfs.ErrUnterminated, "q.sql:1: quoted string"},
		{"unterminated_goose_block", "-- +goose StatementBegin\nSELECT 1;", embedfs.ErrUnterminated, "q.sql:1: statement block is never closed: add -- +goose StatementEnd"},
		{"end_without_begin", "SELECT 1;\n-- +goose StatementEnd", embedfs.ErrAnnotation, "q.sql:2: -- +goose StatementEnd without a statement-begin"},
		{"section_marker", "-- +hoist up\nSELECT 1;\n-- +hoist down\nSELECT 2;", embedfs.ErrAnnotation, "q.sql:1: -- +hoist up is only for single-file migrations"},
		{"no_transaction", "-- +hoist no-transaction\nSELECT 1;", embedfs.ErrAnnotation, "q.sql:1: -- +hoist no-transaction has no meaning here"},
		{"unknown", "-- +hoist statement-bgin\nSELECT 1;", embedfs.ErrAnnotation, `q.sql:1: unknown annotation "-- +hoist statement-bgin": use statement-begin or statement-end`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := embedfs.Split("q.sql", tt.text)
			if got != nil {
				t.Errorf("Split returned %q with an error", got)
			}
			checkError(t, err, tt.kind, tt.want)
		})
	}
}

// TestSplitMySQLSyntax: with MySQL's syntax a backslash escapes a quote
// and # starts a comment; standard SQL reads the same text differently.
func TestSplitMySQLSyntax(t *testing.T) {
	t.Parallel()
	mysql := embedfs.WithSyntax(embedfs.Syntax{BackslashEscapes: true, HashComments: true})
	text := "INSERT INTO t VALUES ('it\\'s; one', \"a \\\" b;\");\n# a comment; with a semicolon\nSELECT 2 # trailing; comment\n;\n"
	got, err := embedfs.Split("dump.sql", text, mysql)
	if err != nil {
		t.Fatalf("Split: %v", err)
	}
	want := []embedfs.Statement{
		{SQL: "INSERT INTO t VALUES ('it\\'s; one', \"a \\\" b;\")", Line: 1},
		{SQL: "SELECT 2", Line: 3},
	}
	if len(got) != len(want) || got[0] != want[0] || got[1] != want[1] {
		t.Fatalf("Split with MySQL syntax = %q; want %q", got, want)
	}
	if std, err := embedfs.Split("dump.sql", text); err == nil && len(std) == 2 && std[0] == want[0] {
		t.Fatalf("standard SQL split the MySQL text the MySQL way: %q", std)
	}
	_, err = embedfs.Split("dump.sql", "SELECT 'open\\';\n", mysql)
	if !errors.Is(err, embedfs.ErrUnterminated) || !strings.Contains(err.Error(), "dump.sql:1") {
		t.Fatalf("unterminated escaped quote: %v", err)
	}
}
