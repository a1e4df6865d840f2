package embedfs

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"hash"
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

// summer computes checksums, reusing its hash and buffers across files.
type summer struct {
	h   hash.Hash
	buf []byte
}

func newSummer() *summer {
	return &summer{h: sha256.New(), buf: make([]byte, 0, 2*sha256.Size)}
}

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
// keeps it. The lengths make moving text between up and down change it, and
// "no down" tells a missing down from an empty one.
func (s *summer) migration(up, down []byte, hasDown bool) string {
	s.h.Reset()
	s.frame("up ", up)
	if hasDown {
		s.frame("down ", down)
	} else {
		s.h.Write(noDown)
	}
	s.buf = s.h.Sum(s.buf[:0])
	var hexSum [2 * sha256.Size]byte
	hex.Encode(hexSum[:], s.buf)
	return string(hexSum[:])
}

// frame writes label, the length of text, a newline and text to the hash.
func (s *summer) frame(label string, text []byte) {
	s.buf = append(s.buf[:0], label...)
	s.buf = strconv.AppendInt(s.buf, int64(len(text)), 10)
	s.buf = append(s.buf, '\n')
	s.h.Write(s.buf)
	s.h.Write(text)
}

// seedChecksum returns the value of [Seed.Checksum]: the lower-case hex
// SHA-256 of the seed file with line endings normalised to LF and a leading
// byte order mark removed.
func seedChecksum(text []byte) string {
	sum := sha256.Sum256(text)
	var hexSum [2 * sha256.Size]byte
	hex.Encode(hexSum[:], sum[:])
	return string(hexSum[:])
}
