package sqlite

// The seed table records which run-once seeders have run.

// CreateSeedTable returns the statement that creates the seed table if it
// does not exist.
func (d *Dialect) CreateSeedTable(table string) string {
	return "CREATE TABLE IF NOT EXISTS " + d.QuoteIdent(table) + ` (
	name TEXT PRIMARY KEY,
	checksum VARCHAR(64) NOT NULL,
	applied_at TIMESTAMP NOT NULL
)`
}

// SelectSeeds returns the query that reads the names of the recorded
// seeders.
func (d *Dialect) SelectSeeds(table string) string {
	return "SELECT name FROM " + d.QuoteIdent(table)
}

// InsertSeed returns the statement that records one seeder; its arguments
// are name, checksum and applied_at.
func (d *Dialect) InsertSeed(table string) string {
	return "INSERT INTO " + d.QuoteIdent(table) + " (name, checksum, applied_at) VALUES (?, ?, ?)"
}
