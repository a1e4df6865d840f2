package embedfs

import (
	"crypto/sha256"
	"encoding/hex"
	"strings"
	"unsafe"
)

// arena hands out the small pieces every migration needs (its statements,
// its Migration and down Section, its hex checksum) from a few large
// allocations. A boot reads every migration file, so at 1000 files this
// is 3000 allocations fewer, a fifth of sdk.New's time.
//
// Nothing handed out is written to again, and every slice is capped at its
// length, so appending to one reallocates rather than writing over its
// neighbour.
type arena struct {
	stmts []Statement      // free room for statements
	migs  []migrationAlloc // free migrations
	hex   []byte           // free room for checksums
}

// arenaChunk is how many statements or migrations a new chunk holds, at
// least: enough for a few hundred files without being large when there
// are few.
const arenaChunk = 256

// newArena returns an arena sized for files migration files.
func newArena(files int) *arena {
	return &arena{
		migs: make([]migrationAlloc, 0, files),
		hex:  make([]byte, 0, files*hexLen),
	}
}

// statementsFor returns an empty slice with room for the statements of
// text, for a parser to append to; [arena.keep] then takes what it used.
func (a *arena) statementsFor(text string) []Statement {
	n := estimateStatements(text)
	if cap(a.stmts) < n {
		a.stmts = make([]Statement, 0, max(n, arenaChunk))
	}
	return a.stmts[:0:n]
}

// keep marks stmts, the result of appending to the last statementsFor
// slice, as used, unless appending outgrew the room and so reallocated.
func (a *arena) keep(stmts []Statement) {
	if len(stmts) > 0 && unsafe.SliceData(stmts) == unsafe.SliceData(a.stmts) {
		a.stmts = a.stmts[len(stmts):len(stmts)]
	}
}

// migration returns a new, zero migrationAlloc.
func (a *arena) migration() *migrationAlloc {
	if len(a.migs) == cap(a.migs) {
		a.migs = make([]migrationAlloc, 0, arenaChunk)
	}
	a.migs = a.migs[:len(a.migs)+1]
	return &a.migs[len(a.migs)-1]
}

// hexString returns sum as lower-case hex.
func (a *arena) hexString(sum *[sumLen]byte) string {
	if cap(a.hex)-len(a.hex) < hexLen {
		a.hex = make([]byte, 0, arenaChunk*hexLen)
	}
	start := len(a.hex)
	a.hex = appendHex(a.hex, sum[:])
	return unsafe.String(&a.hex[start], hexLen)
}

const (
	sumLen = sha256.Size
	hexLen = 2 * sumLen
)

// appendHex appends sum to b as lower-case hex.
func appendHex(b, sum []byte) []byte { return hex.AppendEncode(b, sum) }

// estimateStatements is room for the statements of text: one per
// semicolon, and one for a last statement without one.
func estimateStatements(text string) int {
	return strings.Count(text, ";") + 2
}
