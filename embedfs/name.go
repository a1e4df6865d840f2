package embedfs

import (
	"strconv"
	"strings"
)

// fileKind is the role a migration file name gives the file.
type fileKind uint8

// The order of the kinds is the order of files with the same version and name
// after sorting, which pairing relies on.
const (
	kindSingle fileKind = iota // <version>_<name>.sql
	kindUp                     // <version>_<name>.up.sql
	kindDown                   // <version>_<name>.down.sql
)

// migrationFile is a parsed migration file name.
type migrationFile struct {
	file    string
	base    string // file without .sql, .up.sql or .down.sql
	version int64
	name    string
	kind    fileKind
}

// isSQLFile reports whether a directory entry name is one the readers take:
// it ends in .sql and is not hidden (editor lock files and macOS "._" files
// start with a dot).
func isSQLFile(name string) bool {
	return strings.HasSuffix(name, ".sql") && !strings.HasPrefix(name, ".")
}

// parseFileName parses <version>_<name>.sql, <version>_<name>.up.sql or
// <version>_<name>.down.sql.
func parseFileName(file string) (migrationFile, *Error) {
	f := migrationFile{file: file, kind: kindSingle}
	base := strings.TrimSuffix(file, ".sql")
	if b, ok := strings.CutSuffix(base, ".up"); ok {
		base, f.kind = b, kindUp
	} else if b, ok := strings.CutSuffix(base, ".down"); ok {
		base, f.kind = b, kindDown
	}
	f.base = base
	digits := 0
	for digits < len(base) && isDigit(base[digits]) {
		digits++
	}
	var reason string
	switch {
	case digits == 0:
		reason = "it does not start with a version number"
	case digits == len(base) || base[digits] != '_':
		reason = "the version is not followed by _ and a name"
	case digits+1 == len(base):
		reason = "the name after the version is empty"
	default:
		v, err := strconv.ParseInt(base[:digits], 10, 64)
		switch {
		case err != nil:
			reason = "version " + base[:digits] + " does not fit in a 64-bit integer"
		case v == 0:
			reason = "version 0 is not positive; versions start at 1"
		default:
			f.version, f.name = v, base[digits+1:]
			return f, nil
		}
	}
	return f, newError(file, 0, ErrBadFileName,
		"cannot parse file name: %s; name migrations <version>_<name>.sql, such as 0001_create_users.sql, or move other .sql files out of the directory",
		reason)
}
