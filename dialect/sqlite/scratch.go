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
	var c driver.Connector
	if dc, ok := db.Driver().(driver.DriverContext); ok {
		var err error
		if c, err = dc.OpenConnector(":memory:"); err != nil {
			return err
		}
	} else {
		c = memConnector{db.Driver()}
	}
	mem := sql.OpenDB(c)
	defer mem.Close()
	mem.SetMaxOpenConns(1) // every connection to :memory: is another database
	return fn(mem)
}

type memConnector struct{ d driver.Driver }

func (m memConnector) Connect(context.Context) (driver.Conn, error) { return m.d.Open(":memory:") }
func (m memConnector) Driver() driver.Driver                        { return m.d }
