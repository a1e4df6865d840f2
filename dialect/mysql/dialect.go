package mysql

import (
	"strings"

	"github.com/hoistdb/hoist/dialect"
)

// Dialect is MySQL and MariaDB as the hoist engine sees them. It has no
// state; the zero value is ready to use and safe for concurrent use.
type Dialect struct{}

var _ dialect.Dialect = (*Dialect)(nil)

// New returns the MySQL and MariaDB dialect.
func New() *Dialect { return &Dialect{} }

// Name returns "mysql".
func (*Dialect) Name() string { return "mysql" }

// TransactionalDDL returns false: MySQL and MariaDB commit DDL implicitly.
func (*Dialect) TransactionalDDL() bool { return false }

// QuoteIdent quotes name with backticks, doubling any backtick inside it.
// A dotted name ("app.hoist_migrations") is quoted part by part
// (`app`.`hoist_migrations`).
func (*Dialect) QuoteIdent(name string) string { return quoteIdent(name) }

func quoteIdent(name string) string {
	var b strings.Builder
	b.Grow(len(name) + 4)
	for i, part := range strings.Split(name, ".") {
		if i > 0 {
			b.WriteByte('.')
		}
		b.WriteByte('`')
		b.WriteString(strings.ReplaceAll(part, "`", "``"))
		b.WriteByte('`')
	}
	return b.String()
}

// IsMissingTable reports whether err is error 1146 (ER_NO_SUCH_TABLE,
// SQLSTATE 42S02). go-sql-driver's *MySQLError has no method to ask, so
// this reads the message: "Error 1146 (42S02): ..." since version 1.8,
// "Error 1146: ..." before.
func (*Dialect) IsMissingTable(err error) bool {
	if err == nil {
		return false
	}
	msg := err.Error()
	return strings.Contains(msg, "Error 1146 (") || strings.Contains(msg, "Error 1146:")
}
