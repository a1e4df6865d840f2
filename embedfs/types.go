package embedfs

// Format is the layout a migration was written in.
type Format int

const (
	// FormatNative is one file with -- +hoist up / -- +hoist down sections.
	FormatNative Format = iota + 1
	// FormatPair is golang-migrate's <version>_<name>.up.sql and .down.sql.
	FormatPair
	// FormatGoose is one file with goose's -- +goose Up / Down annotations.
	FormatGoose
)

// Statement is one SQL statement and where it starts.
type Statement struct {
	// SQL is the statement text without its terminating semicolon.
	SQL string
	// Line is the 1-based line of File on which the statement starts.
	Line int
}

// Section is the up or the down half of a migration.
type Section struct {
	// File is the name of the file the section was read from.
	File string
	// Statements are the section's statements in order; empty for a
	// present but empty section (a no-op down).
	Statements []Statement
}

// Migration is one SQL migration read from a file system.
type Migration struct {
	Version int64
	// Name is the part of the file name after the version, such as
	// "create_users".
	Name   string
	Format Format
	// File is the file the up section comes from.
	File string
	Up   Section
	// Down is nil when the migration has no down and cannot be rolled back.
	Down *Section
	// NoTransaction is set by -- +hoist no-transaction or
	// -- +goose NO TRANSACTION.
	NoTransaction bool
	// Checksum is the hex SHA-256 of the up and down text with line
	// endings normalised and no-transaction annotation lines left out, so
	// that adding or removing the annotation never changes it.
	Checksum string
	// PriorChecksum is set where a no-transaction annotation line was
	// left out of the text: it is the checksum with the line, as hoist
	// computed it before it left such lines out (of pair files, and of
	// the lines after the up marker). A history row that records it
	// still matches.
	PriorChecksum string
}

// Seed is one SQL seed file.
type Seed struct {
	// Name is the file name without ".sql".
	Name string
	File string
	// Statements are the seed's statements in order.
	Statements []Statement
	// Once is set by -- +hoist once: the seed is recorded when it has run
	// and skipped afterwards.
	Once bool
	// NoTransaction is set by -- +hoist no-transaction.
	NoTransaction bool
	// Checksum is the hex SHA-256 of the text with line endings normalised.
	Checksum string
}
