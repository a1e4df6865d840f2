package mysql

import "github.com/hoistdb/hoist/dialect"

var _ dialect.IdentifierLimit = (*Dialect)(nil)

// maxIdentifier is the longest database or table name MySQL and MariaDB
// accept, in characters.
const maxIdentifier = 64

// MaxIdentifierLength returns 64: a longer database or table name fails
// with error 1103 (ER_WRONG_TABLE_NAME) when it is first used.
func (*Dialect) MaxIdentifierLength() int { return maxIdentifier }
