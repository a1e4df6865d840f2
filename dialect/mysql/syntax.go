package mysql

import (
	"github.com/hoistdb/hoist/dialect"
	"github.com/hoistdb/hoist/embedfs"
)

var _ dialect.Syntaxer = (*Dialect)(nil)

// Syntax is MySQL's and MariaDB's default lexing: a backslash escapes the
// next character in strings ('it\'s', as mysqldump writes them) and #
// starts a comment. A server running with sql_mode NO_BACKSLASH_ESCAPES
// reads backslashes literally; write ” for a quote there, which both
// read the same way.
func (*Dialect) Syntax() embedfs.Syntax {
	return embedfs.Syntax{BackslashEscapes: true, HashComments: true}
}
