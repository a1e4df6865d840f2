package sdk

import (
	"fmt"
	"strings"

	"github.com/hoistdb/hoist/dialect"
)

// checkNames refuses a history table name that the engine would not keep
// as written ([dialect.IdentifierLimit]), nor the names derived from it
// that this Migrator uses: the seed table, where there are seeders, and
// the schema metadata table, where a migration keeps metadata. A
// derived name that is too long would be cut short by PostgreSQL, so that
// the seed table of a 63-character history table is the history table
// itself, and refused by MySQL only at the first Seed.
//
// The seed table is checked only where there are seeders, because
// without them it is never created: an application without seeders that
// works with a long table name today keeps working.
//
// The lock names need no check: PostgreSQL's key and MySQL's long lock
// names are hashes, and SQLite's lock file has no engine limit.
func (m *Migrator) checkNames() error {
	lim, ok := m.dialect.(dialect.IdentifierLimit)
	if !ok {
		return nil
	}
	limit := lim.MaxIdentifierLength()
	if part := longestPart(m.table); len(part) > limit {
		return fmt.Errorf("hoist: WithTable: %q is %d characters long; %s keeps at most %d in a name; choose a shorter table name",
			part, len(part), m.dialect.Name(), limit)
	}
	m.checkEventsName(limit) // events.go
	if len(m.seeds) > 0 {
		if err := m.checkDerived(m.seedTable(), "seed table", limit); err != nil {
			return err
		}
	}
	if m.keepsSchemaMeta() {
		return m.checkDerived(m.schemaMetaTable(), "schema metadata table", limit)
	}
	return nil
}

// checkDerived refuses a name derived from the history table that the
// engine would not keep as written. The schema metadata table is checked
// only where a migration keeps metadata (a schema migration), for the
// reason the seed table is checked only where there are seeders.
func (m *Migrator) checkDerived(derived, what string, limit int) error {
	if part := longestPart(derived); len(part) > limit {
		short := limit - (len(derived) - len(m.table))
		return fmt.Errorf("hoist: WithTable: the %s name %q derived from %q is %d characters long; %s keeps at most %d in a name; "+
			"choose a table name of at most %d characters, so that its %s fits",
			what, part, m.table, len(part), m.dialect.Name(), limit, short, what)
	}
	return nil
}

// longestPart returns the longest part of a possibly qualified name.
func longestPart(name string) string {
	var out string
	for part := range strings.SplitSeq(name, ".") {
		if len(part) > len(out) {
			out = part
		}
	}
	return out
}
