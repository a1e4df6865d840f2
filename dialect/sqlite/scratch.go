package sqlite

import (
	"context"
	"database/sql"
	"database/sql/driver"

	"github.com/hoistdb/hoist/sdk/schema"
)

var _ schema.Scratcher = (*Dialect)(nil)

// Scratch runs fn on a :memory: database opened with db's driver, which
// is gone once closed.
func (*Dialect) Scratch(ctx context.Context, db *sql.DB, fn func(q schema.Execer) error) error {
	mem, err := memoryDB(db)
	if err != nil {
		return err
	}
	defer mem.Close()
	return fn(mem)
}

// memoryDB opens a :memory: database with db's driver, on one
// connection: every connection to :memory: is another database.
func memoryDB(db *sql.DB) (*sql.DB, error) {
	var c driver.Connector
	if dc, ok := db.Driver().(driver.DriverContext); ok {
		var err error
		if c, err = dc.OpenConnector(":memory:"); err != nil {
			return nil, err
		}
	} else {
		c = memConnector{db.Driver()}
	}
	mem := sql.OpenDB(c)
	mem.SetMaxOpenConns(1)
	return mem, nil
}

type memConnector struct{ d driver.Driver }

func (m memConnector) Connect(context.Context) (driver.Conn, error) { return m.d.Open(":memory:") }
func (m memConnector) Driver() driver.Driver                        { return m.d }
