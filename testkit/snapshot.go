package testkit

import (
	"cmp"
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"unicode"

	"github.com/hoistdb/hoist/sdk"
)

// SnapshotOption configures [Snapshot].
type SnapshotOption func(*snapshotConfig) error

type snapshotConfig struct {
	historyTable string
}

// HistoryTable names the history table to leave out of the snapshot, as
// given to sdk.WithTable; the default is [sdk.DefaultTable]. The table of
// run-once seeders, the name with "_seeds" appended, is left out with it.
// A schema-qualified name ("app.hoist_migrations") leaves the table out
// only when the snapshot's schema is that schema.
func HistoryTable(name string) SnapshotOption {
	return func(c *snapshotConfig) error {
		if name == "" {
			return errors.New("HistoryTable: empty table name")
		}
		c.historyTable = name
		return nil
	}
}

// Snapshot returns the schema of db as text: one object per line, in a
// stable order, read from the engine's catalogues, so that two snapshots
// are equal exactly when the schemas are. Use it to compare schemas
// ([RoundTrip] does) or to pin one in a golden file ([Golden]).
//
// It covers the tables of the current schema (PostgreSQL's
// current_schema(), MySQL's DATABASE(), SQLite's main database): each
// table, then its columns in their order (type, nullability, default,
// identity or generation), its constraints (primary key, unique, check,
// exclusion), foreign keys with their ON DELETE and ON UPDATE actions,
// indexes and triggers; then views (definition with whitespace
// normalised), sequences, enum, domain and composite types, and routines
// (named, with a hash of their body).
//
// Left out: hoist's history table and seed table (see [HistoryTable]),
// the function of a fleet's up-to-date mark (hoist_migrations_unmark),
// and what changes without the schema changing: MySQL AUTO_INCREMENT
// counters and sequence values; PostgreSQL column numbers left behind by
// dropped columns; the numbers in generated names (MySQL's t_ibfk_1 and
// t_chk_1, MariaDB's CONSTRAINT_1, SQLite's sqlite_autoindex_t_1 become
// #); the database name inside MySQL view and trigger bodies; spacing,
// comments and the case of type names in SQLite's stored SQL. The
// per-engine formats differ; each is meant to be read and compared, not
// parsed.
//
// Snapshot fails t if the catalogues cannot be read.
func Snapshot(t testing.TB, db *DB, opts ...SnapshotOption) string {
	t.Helper()
	c := snapshotConfig{historyTable: sdk.DefaultTable}
	for _, opt := range opts {
		if err := opt(&c); err != nil {
			t.Fatalf("testkit: Snapshot: %v", err)
		}
	}
	s, err := snapshot(t.Context(), db, c.historyTable)
	if err != nil {
		t.Fatalf("testkit: Snapshot: %v", err)
	}
	return s
}

// snapshot reads the schema of db through one connection, leaving out
// historyTable and its seed table.
func snapshot(ctx context.Context, db *DB, historyTable string) (string, error) {
	objs, err := snapshotObjects(ctx, db, historyTable)
	if err != nil {
		return "", err
	}
	return render(objs), nil
}

// columnsByName returns objs with every column's position cleared, so
// that render lists a table's columns by name: two tables with the same
// columns in another order render alike.
func columnsByName(objs []object) []object {
	out := slices.Clone(objs)
	for i := range out {
		if out[i].rank == rankColumn {
			out[i].pos = 0
		}
	}
	return out
}

// snapshotObjects reads the objects of a snapshot; see snapshot.
func snapshotObjects(ctx context.Context, db *DB, historyTable string) ([]object, error) {
	if db == nil || db.DB == nil || db.Dialect == nil {
		return nil, errors.New("nil or incomplete *testkit.DB")
	}
	conn, err := db.DB.Conn(ctx)
	if err != nil {
		return nil, err
	}
	defer conn.Close()
	var objs []object
	switch name := db.Dialect.Name(); name {
	case "postgres":
		objs, err = snapshotPostgres(ctx, conn, historyTable)
	case "mysql":
		objs, err = snapshotMySQL(ctx, conn, historyTable)
	case "sqlite":
		objs, err = snapshotSQLite(ctx, conn, historyTable)
	default:
		return nil, fmt.Errorf("no snapshot for dialect %q", name)
	}
	if err != nil {
		return nil, fmt.Errorf("reading the %s catalogues: %w", db.Dialect.Name(), err)
	}
	return objs, nil
}

// excluded returns the names of the tables to leave out of a snapshot of
// schema: the history table and its seed, schema metadata and event log tables,
// when they are in schema; and the function of a fleet's up-to-date mark
// (sdk/fleet_mark.go), whose trigger goes with the history table.
func excluded(historyTable, schema string) map[string]bool {
	s, table, qualified := strings.Cut(historyTable, ".")
	if !qualified {
		table = s
	} else if s != schema {
		return map[string]bool{}
	}
	return map[string]bool{table: true, table + "_seeds": true, table + "_schema": true, table + "_events": true, table + "_unmark": true}
}

// Ranks order the objects of one group: a table, then its parts.
const (
	rankTable = iota
	rankColumn
	rankConstraint
	rankForeignKey
	rankIndex
	rankTrigger
)

// object is one line of a snapshot.
type object struct {
	group string // the table it belongs to, or its own name
	rank  int    // rank* within the group
	pos   int    // column position; 0 for other objects
	text  string
}

// render sorts the objects by group, rank, position and text and joins
// them into lines.
func render(objs []object) string {
	slices.SortFunc(objs, func(a, b object) int {
		return cmp.Or(
			strings.Compare(a.group, b.group),
			cmp.Compare(a.rank, b.rank),
			cmp.Compare(a.pos, b.pos),
			strings.Compare(a.text, b.text),
		)
	})
	var b strings.Builder
	for _, o := range objs {
		b.WriteString(o.text)
		b.WriteByte('\n')
	}
	return b.String()
}

// queryRows runs query and calls scan for every row.
func queryRows(ctx context.Context, conn *sql.Conn, query string, args []any, scan func(*sql.Rows) error) error {
	rows, err := conn.QueryContext(ctx, query, args...)
	if err != nil {
		return fmt.Errorf("%w (query: %s)", err, oneLine(query))
	}
	defer rows.Close()
	for rows.Next() {
		if err := scan(rows); err != nil {
			return fmt.Errorf("%w (query: %s)", err, oneLine(query))
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("%w (query: %s)", err, oneLine(query))
	}
	return nil
}

// oneLine collapses whitespace runs into single spaces.
func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

// shortHash names a routine body by the first 12 hex digits of its
// SHA-256.
func shortHash(s string) string {
	h := sha256.Sum256([]byte(s))
	return hex.EncodeToString(h[:6])
}

// sqlToken is one token of SQL text for normalizeSQL and friends.
type sqlToken struct {
	text  string
	space bool // whitespace or a comment preceded it
}

// tokenizeSQL splits SQL text into words, quoted strings and identifiers
// and single punctuation characters; whitespace and comments only set
// space on the token after them.
func tokenizeSQL(s string) []sqlToken {
	var toks []sqlToken
	space := false
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f':
			space = true
			i++
			continue
		case c == '-' && i+1 < len(s) && s[i+1] == '-':
			j := strings.IndexByte(s[i:], '\n')
			if j < 0 {
				j = len(s) - i
			}
			i += j
			space = true
			continue
		case c == '/' && i+1 < len(s) && s[i+1] == '*':
			j := strings.Index(s[i+2:], "*/")
			if j < 0 {
				i = len(s)
			} else {
				i += j + 4
			}
			space = true
			continue
		}
		start := i
		switch {
		case c == '\'' || c == '"' || c == '`' || c == '[':
			end := c
			if c == '[' {
				end = ']'
			}
			i++
			for i < len(s) {
				if s[i] == end {
					if i+1 < len(s) && s[i+1] == end && end != ']' {
						i += 2 // doubled quote
						continue
					}
					break
				}
				i++
			}
			i = min(i+1, len(s))
		case isWordByte(c):
			for i < len(s) && isWordByte(s[i]) {
				i++
			}
		default:
			i++
		}
		toks = append(toks, sqlToken{text: s[start:i], space: space})
		space = false
	}
	return toks
}

func isWordByte(c byte) bool {
	return c == '_' || c == '$' || c >= 0x80 || unicode.IsLetter(rune(c)) || unicode.IsDigit(rune(c))
}

// joinTokens writes tokens back as text with one space where there was
// whitespace, none after "(" or before ")", "," and ";", and one after
// ",".
func joinTokens(toks []sqlToken) string {
	var b strings.Builder
	for i, t := range toks {
		if i > 0 {
			prev := toks[i-1].text
			switch {
			case t.text == ")" || t.text == "," || t.text == ";" || prev == "(":
			case prev == "," || t.space:
				b.WriteByte(' ')
			}
		}
		b.WriteString(t.text)
	}
	return b.String()
}

// normalizeSQL puts SQL text on one line with canonical spacing, without
// comments and without a trailing semicolon; quoted text is kept as it
// is.
func normalizeSQL(s string) string {
	toks := tokenizeSQL(s)
	for len(toks) > 0 && toks[len(toks)-1].text == ";" {
		toks = toks[:len(toks)-1]
	}
	return joinTokens(toks)
}

// afterName returns the normalised text of a CREATE VIEW, TRIGGER or
// INDEX statement after the created object's name.
func afterName(s string) string {
	toks := tokenizeSQL(s)
	i := 0
	for i < len(toks) {
		switch strings.ToUpper(toks[i].text) {
		case "CREATE", "TEMP", "TEMPORARY", "VIEW", "TRIGGER", "INDEX", "UNIQUE", "IF", "NOT", "EXISTS":
			i++
			continue
		}
		break
	}
	i++ // the name
	for i+1 < len(toks) && toks[i].text == "." {
		i += 2 // schema.name
	}
	if i >= len(toks) {
		return ""
	}
	rest := toks[i:]
	rest[0].space = false
	return normalizeSQL(joinTokens(rest))
}
