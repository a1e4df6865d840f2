package postgres

import "github.com/hoistdb/hoist/dialect"

var _ dialect.IdentifierLimit = (*Dialect)(nil)

// maxIdentifier is NAMEDATALEN-1 in a default PostgreSQL build.
const maxIdentifier = 63

// MaxIdentifierLength returns 63: PostgreSQL keeps the first 63 bytes of
// an identifier and drops the rest with only a NOTICE, so two long names
// that differ after byte 63 name one table.
func (*Dialect) MaxIdentifierLength() int { return maxIdentifier }
