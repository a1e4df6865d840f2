package sqlite

import (
	"strings"

	"github.com/hoistdb/hoist/dialect"
)

// Dialect is SQLite as the hoist engine sees it. It has no state; the
// zero value is ready to use and safe for concurrent use.
type Dialect struct{}

var _ dialect.Dialect = (*Dialect)(nil)

// New returns the SQLite dialect.
func New() *Dialect { return &Dialect{} }

// Name returns "sqlite".
func (*Dialect) Name() string { return "sqlite" }

// TransactionalDDL returns true: SQLite rolls DDL back with the
// transaction it ran in.
func (*Dialect) TransactionalDDL() bool { return true }

// QuoteIdent quotes name with double quotes, doubling any double quote
// inside it. A dotted name ("aux.hoist_migrations") is quoted part by part
// ("aux"."hoist_migrations").
func (*Dialect) QuoteIdent(name string) string { return quoteIdent(name) }

func quoteIdent(name string) string {
	var b strings.Builder
	b.Grow(len(name) + 4)
	for i, part := range strings.Split(name, ".") {
		if i > 0 {
			b.WriteByte('.')
		}
		b.WriteByte('"')
		b.WriteString(strings.ReplaceAll(part, `"`, `""`))
		b.WriteByte('"')
	}
	return b.String()
}

// IsMissingTable reports whether err is SQLite's "no such table" error.
// SQLite reports it with the generic code SQLITE_ERROR, so the message is
// all there is to go by.
func (*Dialect) IsMissingTable(err error) bool {
	return err != nil && strings.Contains(err.Error(), "no such table")
}
