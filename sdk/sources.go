package sdk

import (
	"fmt"
	"io/fs"
	"slices"
)

// Sources are where a set of options reads migrations and seeders from,
// and the history table they are recorded in: what decides the schema
// [New] would migrate to, without the files being read or parsed.
type Sources struct {
	// FS is the file system given to [WithFS], nil without one.
	FS fs.FS
	// Migrations are the Go migrations given to [WithMigrations], in the
	// order given.
	Migrations []Migration
	// SeedFS is the file system given to [WithSeedFS], nil without one.
	SeedFS fs.FS
	// Seeders are the Go seeders given to [WithSeeders], in the order
	// given.
	Seeders []Seeder
	// Table is the history table's name: [WithTable]'s, or
	// [DefaultTable].
	Table string
}

// SourcesOf applies opts as [New] does and returns their sources, for
// code that needs to know what a Migrator would be made of without
// making one: testkit keys its templates by them, and reads the files
// only when they may have changed. It returns the first option's error,
// as New would; it reads no file, so errors in the files are New's to
// report.
func SourcesOf(opts ...Option) (Sources, error) {
	c := config{table: DefaultTable, lockTimeout: DefaultLockTimeout}
	for _, opt := range opts {
		if err := opt(&c); err != nil {
			return Sources{}, fmt.Errorf("hoist: %w", err)
		}
	}
	return Sources{
		FS:         c.fsys,
		Migrations: slices.Clone(c.migrations),
		SeedFS:     c.seedFS,
		Seeders:    slices.Clone(c.seeders),
		Table:      c.table,
	}, nil
}
