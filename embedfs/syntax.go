package embedfs

// Syntax describes how an engine's SQL lexes where it departs from the
// standard, so that statements split where the engine would see them end.
// The zero value is standard SQL as PostgreSQL and SQLite read it.
type Syntax struct {
	// BackslashEscapes: a backslash escapes the next character in '...'
	// and "..." strings ('it\'s'), as in MySQL and MariaDB unless
	// NO_BACKSLASH_ESCAPES is set.
	BackslashEscapes bool
	// HashComments: # starts a comment to the end of the line, as in
	// MySQL and MariaDB.
	HashComments bool
}

// Option configures [ReadMigrations], [ReadSeeds] and [Split].
type Option func(*options)

type options struct {
	syntax Syntax
}

// WithSyntax splits statements by the rules of an engine's SQL; without
// it, standard SQL's rules apply. The checksums do not depend on it.
func WithSyntax(s Syntax) Option {
	return func(o *options) { o.syntax = s }
}

func readOptions(opts []Option) options {
	var o options
	for _, opt := range opts {
		opt(&o)
	}
	return o
}
