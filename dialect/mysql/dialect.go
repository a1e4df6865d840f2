package mysql

import (
	"strings"

	"github.com/hoistdb/hoist/dialect"
	"github.com/hoistdb/hoist/dialect/internal/sqlgen"
)

// Dialect is MySQL and MariaDB as the hoist engine sees them. It has no
// state; the zero value is ready to use and safe for concurrent use.
type Dialect struct{}

var _ dialect.Dialect = (*Dialect)(nil)

// New returns the MySQL and MariaDB dialect.
func New() *Dialect { return &Dialect{} }

// spelling is how MySQL and MariaDB spell the history and seed
// statements and quote identifiers; history.go and seeds.go hand the
// statements out. Version spells out the NOT NULL that a primary key
// implies, as the history table has always been created.
var spelling = sqlgen.Dialect{
	Quote:        '`',
	Placeholder:  sqlgen.Question,
	TableOptions: " ENGINE=InnoDB DEFAULT CHARSET=utf8mb4",
	History: sqlgen.HistoryTypes{
		Version: "BIGINT NOT NULL", Name: "VARCHAR(255)", Checksum: "VARCHAR(64)", Batch: "INT",
		AppliedAt: "DATETIME(6)", ExecutionMS: "BIGINT", State: "VARCHAR(16)",
	},
	Seeds: sqlgen.SeedTypes{Name: "VARCHAR(255)", Checksum: "VARCHAR(64)", AppliedAt: "DATETIME(6)"},
}

// Name returns "mysql".
func (*Dialect) Name() string { return "mysql" }

// TransactionalDDL returns false: MySQL and MariaDB commit DDL implicitly.
func (*Dialect) TransactionalDDL() bool { return false }

// QuoteIdent quotes name with backticks, doubling any backtick inside it.
// A dotted name ("app.hoist_migrations") is quoted part by part
// (`app`.`hoist_migrations`).
func (*Dialect) QuoteIdent(name string) string { return spelling.QuoteIdent(name) }

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
