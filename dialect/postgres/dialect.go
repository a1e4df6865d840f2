package postgres

import (
	"errors"
	"strings"

	"github.com/hoistdb/hoist/dialect"
	"github.com/hoistdb/hoist/dialect/internal/sqlgen"
)

// Dialect is PostgreSQL as the hoist engine sees it. It has no state; the
// zero value is ready to use and safe for concurrent use.
type Dialect struct{}

var _ dialect.Dialect = (*Dialect)(nil)

// New returns the PostgreSQL dialect.
func New() *Dialect { return &Dialect{} }

// spelling is how PostgreSQL spells the history and seed statements
// and quotes identifiers; history.go and seeds.go hand the statements out.
var spelling = sqlgen.Dialect{
	Quote:       '"',
	Placeholder: sqlgen.Dollar,
	History: sqlgen.HistoryTypes{
		Version: "BIGINT", Name: "TEXT", Checksum: "TEXT", Batch: "INTEGER",
		AppliedAt: "TIMESTAMPTZ", ExecutionMS: "BIGINT", State: "VARCHAR(16)",
	},
	Seeds: sqlgen.SeedTypes{Name: "VARCHAR(255)", Checksum: "VARCHAR(64)", AppliedAt: "TIMESTAMPTZ"},
}

// Name returns "postgres".
func (*Dialect) Name() string { return "postgres" }

// TransactionalDDL returns true: PostgreSQL rolls DDL back with the
// transaction it ran in.
func (*Dialect) TransactionalDDL() bool { return true }

// QuoteIdent quotes name with double quotes, doubling any double quote
// inside it. A dotted name ("app.hoist_migrations") is quoted part by part
// ("app"."hoist_migrations").
func (*Dialect) QuoteIdent(name string) string { return spelling.QuoteIdent(name) }

// sqlStateUndefinedTable is PostgreSQL's undefined_table error code.
const sqlStateUndefinedTable = "42P01"

// IsMissingTable reports whether err, or an error it wraps, is
// PostgreSQL's undefined_table error (SQLSTATE 42P01). It recognises
// errors with a SQLState() string method, such as pgx's *pgconn.PgError,
// and otherwise looks for "(SQLSTATE 42P01)" in the message, which is how
// pgx formats it.
func (*Dialect) IsMissingTable(err error) bool {
	if err == nil {
		return false
	}
	var coded interface{ SQLState() string }
	if errors.As(err, &coded) {
		return coded.SQLState() == sqlStateUndefinedTable
	}
	return strings.Contains(err.Error(), "(SQLSTATE "+sqlStateUndefinedTable+")")
}
