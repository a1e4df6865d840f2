// Package embedfs reads SQL migrations and seeds from an [fs.FS], usually an
// [embed.FS] compiled into the program, and splits them into statements.
//
// [ReadMigrations] returns the migrations of one directory sorted by version;
// [ReadSeeds] returns the seeds of one directory sorted by name; [Split]
// splits any SQL text the same way. They read and check files only: running
// the statements is the engine's job.
//
//	//go:embed migrations/*.sql
//	var files embed.FS
//
//	dir, err := fs.Sub(files, "migrations")
//	if err != nil { ... }
//	migrations, err := embedfs.ReadMigrations(dir)
//	if err != nil {
//		return err // names every bad file and line
//	}
//	for _, m := range migrations {
//		fmt.Println(m.Version, m.Name, len(m.Up.Statements))
//	}
//
// # Layouts
//
// Three layouts are read, and may be mixed in one directory:
//
//   - Native: one file <version>_<name>.sql with a -- +hoist up line starting
//     the up section and an optional -- +hoist down line starting the down
//     section.
//   - Pairs, as golang-migrate writes them: <version>_<name>.up.sql and
//     <version>_<name>.down.sql. A .up.sql file without its .down.sql is a
//     migration that cannot be rolled back; a .down.sql file without its
//     .up.sql is an error. Pair files have no section markers.
//   - goose: one file <version>_<name>.sql with -- +goose Up and
//     -- +goose Down, so an existing goose directory can be used as it is.
//
// <version> is a positive integer that fits in an int64, such as 0001 or the
// timestamp 20261121093000, and migrations are ordered by its value. It is
// followed by _ and a non-empty name, which becomes [Migration.Name]. Two
// migrations with the same version are an error, as is a .sql file whose name
// does not parse. Files not ending in .sql (embed.go, README.md), hidden files
// and subdirectories are skipped.
//
// In a single file, text before the up marker may hold only comments and
// blank lines. A down marker followed by no statements gives an empty down
// section, a down that does nothing; no down marker gives a nil
// [Migration.Down], a migration that cannot be rolled back.
//
// # Annotations
//
// An annotation is a line of its own: "--", then "+hoist" or "+goose" and a
// word, in any case and with any blanks between ("--+hoist Up" works). They
// are recognised line by line whatever the SQL around them, as goose does.
//
//	-- +hoist up               -- +goose Up                start the up section
//	-- +hoist down             -- +goose Down              start the down section
//	-- +hoist statement-begin  -- +goose StatementBegin    start one statement
//	-- +hoist statement-end    -- +goose StatementEnd      end it
//	-- +hoist no-transaction   -- +goose NO TRANSACTION    run outside a transaction
//	-- +hoist once                                         seeds: run only once
//
// Either spelling of statement-begin, statement-end and no-transaction is
// accepted in any file, while the up and down markers of one file must have
// the same spelling, which sets [Migration.Format]. Any other +hoist or +goose
// word is an error, so a typo is not silently read as a comment; goose's
// -- +goose ENVSUB ON is refused too, because hoist does not substitute
// environment variables and running the SQL unsubstituted would be wrong.
//
// # Splitting
//
// A section is split into statements on semicolons, except semicolons inside
//
//   - single-quoted strings, where a doubled quote stands for one; a
//     backslash escapes a quote only in PostgreSQL's E'...' strings;
//   - double-quoted and backquoted identifiers, where a doubled quote stands
//     for one;
//   - dollar-quoted strings, $$...$$ or $tag$...$tag$, which may contain
//     dollar quotes with other tags ($1 is a parameter, not a quote);
//   - -- comments, to the end of the line;
//   - /* */ comments, which nest as in PostgreSQL.
//
// Each [Statement] runs from its first token to its last, without the
// semicolon and without comments before or after it; its Line is the line of
// the file it starts on. Statements of comments alone are dropped, but
// MySQL's and MariaDB's executable comments (/*! ... */, /*M! ... */) are
// kept, as they are written. The last statement of a
// section needs no semicolon. A string, identifier or comment still open at
// the end of a section is an error naming the line it opened on.
//
// Bodies the splitter cannot see into, such as a MySQL procedure whose
// BEGIN ... END holds semicolons, or a MySQL string with a backslash-escaped
// quote, go between statement-begin and statement-end: the lines between them
// are one statement, taken as written, less surrounding blanks and trailing
// semicolons.
//
// # Checksums
//
// [Migration.Checksum] is the lower-case hex SHA-256 of
//
//	"up " + len(up) + "\n" + up + "down " + len(down) + "\n" + down
//
// or, for a migration without a down section, of
//
//	"up " + len(up) + "\n" + up + "no down\n"
//
// with lengths in bytes, in decimal. For a pair, up and down are the two
// files; for a single file, each is the text of its section: the lines after
// its marker line up to the next marker line or the end of the file, so text
// before the up marker and the marker lines do not count, and the same
// section text has the same checksum in every layout. [Seed.Checksum] is the hex SHA-256
// of the seed file. Line endings are normalised to LF first, and a leading
// byte order mark dropped, so a checkout that turns LF into CRLF keeps the
// checksums, while any change to the SQL, or moving text between up and
// down, changes them. Removing the down marker changes it too: no down and an
// empty down differ.
//
// # Errors
//
// A problem in a file is an [*Error] naming the file and, where it applies,
// the line; its message says what to do. Test for the kind of problem with
// errors.Is and the sentinels [ErrDuplicateVersion], [ErrBadFileName],
// [ErrEmptyUp], [ErrUnterminated] and [ErrAnnotation]. The readers check every
// file before returning and report all the problems they find, joined with
// [errors.Join] and sorted by file and line, so that they can be fixed in one
// go.
package embedfs
