package mysql

import (
	"strconv"
	"strings"
	"time"

	"github.com/hoistdb/hoist/dialect"
)

var (
	_ dialect.HistoryLiterals = (*Dialect)(nil)
	_ dialect.ImplicitCommits = (*Dialect)(nil)
)

// InsertHistoryLiteral returns the insert of one history row with its
// values as literals, so that go-sql-driver/mysql sends it as it is
// instead of preparing it on the server: one round trip, not three.
func (*Dialect) InsertHistoryLiteral(table string, version int64, name, checksum string, batch int, appliedAt time.Time, executionMS int64, state string) string {
	b := make([]byte, 0, 200+len(name))
	b = append(b, "INSERT INTO "...)
	b = append(b, spelling.QuoteIdent(table)...)
	b = append(b, " (version, name, checksum, batch, applied_at, execution_ms, state) VALUES ("...)
	b = strconv.AppendInt(b, version, 10)
	b = append(b, ", "...)
	b = appendString(b, name)
	b = append(b, ", "...)
	b = appendString(b, checksum)
	b = append(b, ", "...)
	b = strconv.AppendInt(b, int64(batch), 10)
	b = append(b, ", '"...)
	b = appliedAt.UTC().AppendFormat(b, "2006-01-02 15:04:05.000000")
	b = append(b, "', "...)
	b = strconv.AppendInt(b, executionMS, 10)
	b = append(b, ", "...)
	b = appendString(b, state)
	b = append(b, ')')
	return string(b)
}

// DeleteHistoryLiteral returns the delete of one version's history row,
// with the version as a literal.
func (*Dialect) DeleteHistoryLiteral(table string, version int64) string {
	return "DELETE FROM " + spelling.QuoteIdent(table) + " WHERE version = " + strconv.FormatInt(version, 10)
}

// appendString appends s as a string literal that means s whatever the
// session's sql_mode: plainly quoted when it holds only letters, digits
// and a few safe punctuation marks, as names and checksums do, and
// otherwise as a hexadecimal literal with a utf8mb4 introducer, which
// neither backslashes (NO_BACKSLASH_ESCAPES) nor quotes can disturb.
func appendString(b []byte, s string) []byte {
	if strings.IndexFunc(s, func(r rune) bool { return !plainRune(r) }) < 0 {
		b = append(b, '\'')
		b = append(b, s...)
		return append(b, '\'')
	}
	const hex = "0123456789ABCDEF"
	b = append(b, "_utf8mb4 X'"...)
	for i := 0; i < len(s); i++ {
		b = append(b, hex[s[i]>>4], hex[s[i]&0x0f])
	}
	return append(b, '\'')
}

func plainRune(r rune) bool {
	return 'a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' || '0' <= r && r <= '9' ||
		r == '_' || r == '-' || r == ' ' || r == '.' || r == ':' || r == '/'
}

// CommitsImplicitly reports whether MySQL and MariaDB commit the open
// transaction before and after stmt: data definition (CREATE, ALTER,
// DROP, RENAME, TRUNCATE), except for temporary tables, which do not
// commit.
func (*Dialect) CommitsImplicitly(stmt string) bool {
	first, rest := firstWord(stmt)
	switch strings.ToUpper(first) {
	case "ALTER", "RENAME", "TRUNCATE":
		return true
	case "CREATE", "DROP":
		second, _ := firstWord(rest)
		return !strings.EqualFold(second, "TEMPORARY")
	}
	return false
}

// firstWord returns the first word of s, after blanks, and what follows it.
func firstWord(s string) (word, rest string) {
	s = strings.TrimLeft(s, " \t\r\n\f\v")
	i := 0
	for i < len(s) && ('a' <= s[i]|0x20 && s[i]|0x20 <= 'z') {
		i++
	}
	return s[:i], s[i:]
}
