package dialect

// IdentifierLimit is an optional ability of a [Dialect] whose engine
// limits the length of an identifier. The engine checks, in sdk.New, that
// the history table's name and every name it derives from it (the seed
// table, "<table>_seeds") fit, and refuses the table name otherwise:
// PostgreSQL would silently cut a longer name short, so that the seed
// table of a 63-character history table became the history table itself,
// and MySQL refuses it only when the table is first used.
//
// A dialect without this ability has no limit that hoist's names can
// reach (SQLite).
type IdentifierLimit interface {
	// MaxIdentifierLength is the length of the longest identifier, or
	// part of a qualified name, that the engine keeps as written. hoist's
	// names are ASCII, so bytes (PostgreSQL) and characters (MySQL)
	// count the same.
	MaxIdentifierLength() int
}
