package embedfs

import (
	"bytes"
	"crypto/sha256"
	"strconv"
)

// bom is the UTF-8 byte order mark some editors put at the start of a file.
const bom = "\uFEFF"

// normalize replaces CRLF and lone CR line endings in data with LF, in place,
// and drops a leading byte order mark. It returns the shortened slice.
func normalize(data []byte) []byte {
	if len(data) >= len(bom) && string(data[:len(bom)]) == bom {
		data = data[len(bom):]
	}
	w := bytes.IndexByte(data, '\r')
	if w < 0 {
		return data
	}
	for r := w; r < len(data); r++ {
		c := data[r]
		if c == '\r' {
			if r+1 < len(data) && data[r+1] == '\n' {
				continue
			}
			c = '\n'
		}
		data[w] = c
		w++
	}
	return data[:w]
}

var noDown = []byte("no down\n")

// summer computes checksums, reusing one buffer across files.
type summer struct {
	buf []byte
}

func newSummer() *summer { return &summer{} }

// migration returns the checksum of a migration, the value of
// [Migration.Checksum]: the lower-case hex SHA-256 of
//
//	"up " + len(up) + "\n" + up + "down " + len(down) + "\n" + down
//
// or, for a migration without a down section,
//
//	"up " + len(up) + "\n" + up + "no down\n"
//
// where lengths are in bytes, written in decimal. Both texts have their line
// endings normalised to LF and a leading byte order mark removed. For a pair
// of files, up and down are the whole .up.sql and .down.sql files; for a
// single file, each is the text of its section: the lines after the section's
// marker line up to the next marker line or the end of the file. Text before
// the up marker and the marker lines themselves are left out, so the same SQL
// has the same checksum in every layout, and a change of line endings alone
// keeps it. No-transaction annotation lines are left out wherever they
// are, so that adding the annotation to an applied migration (to run its
// down outside a transaction, say) keeps it too; see
// [Migration.PriorChecksum]. The lengths make moving text between up and down change it, and
// "no down" tells a missing down from an empty one.
//
// Migrations are small, so the framed text is built in one buffer and
// hashed in one call, which is faster than feeding a hash.Hash piece by
// piece.
//
// It returns the SHA-256 itself; the caller spells it in hex.
func (s *summer) migration(up, down []byte, hasDown bool) [sumLen]byte {
	b := frame(s.buf[:0], "up ", up)
	if hasDown {
		b = frame(b, "down ", down)
	} else {
		b = append(b, noDown...)
	}
	s.buf = b
	return sha256.Sum256(b)
}

// withoutLines returns data[lo:hi] without the lines among it that lines
// lists as pairs of start and end offsets into data, and whether it left
// one out. Without such a line it returns data[lo:hi] itself.
func withoutLines(data []byte, lo, hi int, lines []int) ([]byte, bool) {
	var out []byte
	at := lo
	for i := 0; i+1 < len(lines); i += 2 {
		start, end := lines[i], lines[i+1]
		if start < lo || end > hi {
			continue
		}
		if out == nil {
			out = make([]byte, 0, hi-lo)
		}
		out = append(out, data[at:start]...)
		at = end
	}
	if out == nil {
		return data[lo:hi], false
	}
	return append(out, data[at:hi]...), true
}

// frame appends label, the length of text, a newline and text to b.
func frame(b []byte, label string, text []byte) []byte {
	b = append(b, label...)
	b = strconv.AppendInt(b, int64(len(text)), 10)
	b = append(b, '\n')
	return append(b, text...)
}

// seedChecksum returns the value of [Seed.Checksum]: the lower-case hex
// SHA-256 of the seed file with line endings normalised to LF and a leading
// byte order mark removed.
func seedChecksum(text []byte) string {
	sum := sha256.Sum256(text)
	return string(appendHex(make([]byte, 0, hexLen), sum[:]))
}
