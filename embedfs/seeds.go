package embedfs

import (
	"fmt"
	"io/fs"
	"strings"
)

// ReadSeeds reads every <name>.sql file in the top directory of fsys (use
// [fs.Sub] for a subdirectory) as a seed and returns them sorted by file name,
// which is the order to run them in. Hidden files and subdirectories are
// skipped.
//
// A seed may hold -- +hoist once (record the seed when it has run and skip it
// afterwards), -- +hoist no-transaction, and statement-begin / statement-end
// blocks; a seed without statements is an error wrapping [ErrEmptyUp].
// Problems are reported as by [ReadMigrations].
func ReadSeeds(fsys fs.FS, opts ...Option) ([]*Seed, error) {
	entries, err := fs.ReadDir(fsys, ".")
	if err != nil {
		return nil, fmt.Errorf("embedfs: read seeds: %w", err)
	}
	r := reader{fsys: fsys, syntax: readOptions(opts).syntax}
	var seeds []*Seed
	for _, e := range entries { // fs.ReadDir sorts by name
		name := e.Name()
		if e.IsDir() || !isSQLFile(name) {
			continue
		}
		data := r.read(name)
		if data == nil {
			continue
		}
		text := bytesText(data)
		p := newParser(name, text, modeSeed, r.syntax, make([]Statement, 0, estimateStatements(text)))
		if !r.ok(p.parse()) {
			continue
		}
		if len(p.stmts) == 0 {
			r.ok(newError(name, 0, ErrEmptyUp, "seed has no statements: add the SQL to run, or remove the file"))
			continue
		}
		seeds = append(seeds, &Seed{
			Name:          strings.TrimSuffix(name, ".sql"),
			File:          name,
			Statements:    p.stmts,
			Once:          p.once,
			NoTransaction: p.noTransaction,
			Checksum:      seedChecksum(data),
		})
	}
	if err := joinErrors(r.errs); err != nil {
		return nil, err
	}
	return seeds, nil
}
