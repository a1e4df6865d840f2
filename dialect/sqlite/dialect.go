package sqlite

import (
	"errors"
	"strings"

	"github.com/hoistdb/hoist/dialect"
	"github.com/hoistdb/hoist/dialect/internal/sqlgen"
)

// Dialect is SQLite as the hoist engine sees it. It has no state; the
// zero value is ready to use and safe for concurrent use.
type Dialect struct{}

var (
	_ dialect.Dialect    = (*Dialect)(nil)
	_ dialect.BusyErrors = (*Dialect)(nil)
)

// New returns the SQLite dialect.
func New() *Dialect { return &Dialect{} }

// spelling is how SQLite spells the history and seed statements and
// quotes identifiers; history.go and seeds.go hand the statements out.
var spelling = sqlgen.Dialect{
	Quote:       '"',
	Placeholder: sqlgen.Question,
	History: sqlgen.HistoryTypes{
		Version: "INTEGER", Name: "TEXT", Checksum: "TEXT", Batch: "INTEGER",
		AppliedAt: "TIMESTAMP", ExecutionMS: "INTEGER", State: "TEXT",
	},
	Seeds: sqlgen.SeedTypes{Name: "TEXT", Checksum: "VARCHAR(64)", AppliedAt: "TIMESTAMP"},
}

// Name returns "sqlite".
func (*Dialect) Name() string { return "sqlite" }

// TransactionalDDL returns true: SQLite rolls DDL back with the
// transaction it ran in.
func (*Dialect) TransactionalDDL() bool { return true }

// QuoteIdent quotes name with double quotes, doubling any double quote
// inside it. A dotted name ("aux.hoist_migrations") is quoted part by part
// ("aux"."hoist_migrations").
func (*Dialect) QuoteIdent(name string) string { return spelling.QuoteIdent(name) }

// IsMissingTable reports whether err is SQLite's "no such table" error.
// SQLite reports it with the generic code SQLITE_ERROR, so the message is
// all there is to go by.
func (*Dialect) IsMissingTable(err error) bool {
	return err != nil && strings.Contains(err.Error(), "no such table")
}

// sqliteBusy is SQLITE_BUSY, the primary result code of every busy error
// (SQLITE_BUSY_RECOVERY, SQLITE_BUSY_SNAPSHOT and SQLITE_BUSY_TIMEOUT
// add their detail above the low byte).
const sqliteBusy = 5

// IsBusy reports whether err is SQLITE_BUSY: by the error's Code method
// where the driver's error has one (modernc.org/sqlite), otherwise by
// "database is locked", the message SQLite gives the code, which drivers
// pass on. SQLITE_LOCKED, a conflict between connections that share one
// cache inside this process, is not busy.
func (*Dialect) IsBusy(err error) bool {
	if err == nil {
		return false
	}
	var coded interface{ Code() int }
	if errors.As(err, &coded) {
		return coded.Code()&0xff == sqliteBusy
	}
	return strings.Contains(err.Error(), "database is locked")
}
