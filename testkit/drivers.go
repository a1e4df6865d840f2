package testkit

// The drivers whose DSNs testkit returns. Registering them is the point:
// tests and the child processes they start open testkit's databases with
// sql.Open(db.Driver, db.DSN).
import (
	_ "github.com/go-sql-driver/mysql" // registers "mysql"
	_ "github.com/jackc/pgx/v5/stdlib" // registers "pgx"
	_ "modernc.org/sqlite"             // registers "sqlite"
)
