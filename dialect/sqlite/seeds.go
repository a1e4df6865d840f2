package sqlite

// The seed table records which run-once seeders have run. Its statements
// are built from spelling (dialect.go).

// CreateSeedTable returns the statement that creates the seed table if it
// does not exist.
func (*Dialect) CreateSeedTable(table string) string { return spelling.CreateSeedTable(table) }

// SelectSeeds returns the query that reads the names of the recorded
// seeders.
func (*Dialect) SelectSeeds(table string) string { return spelling.SelectSeeds(table) }

// InsertSeed returns the statement that records one seeder; its arguments
// are name, checksum and applied_at.
func (*Dialect) InsertSeed(table string) string { return spelling.InsertSeed(table) }
