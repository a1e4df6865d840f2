package mysql

import (
	"strconv"

	"github.com/hoistdb/hoist/dialect"
)

var _ dialect.Canceler = (*Dialect)(nil)

// BackendID returns CONNECTION_ID(). MySQL and MariaDB have no setting
// that makes the server watch an idle socket while a statement runs.
func (*Dialect) BackendID() string { return "SELECT CONNECTION_ID()" }

// ResetSession returns "": BackendID sets nothing.
func (*Dialect) ResetSession() string { return "" }

// CancelBackend returns KILL QUERY of the connection, which interrupts
// its statement and keeps the connection. An interrupted SLEEP() is not
// an error, so the engine also stops before the next statement.
func (*Dialect) CancelBackend(id string) string {
	if _, err := strconv.ParseUint(id, 10, 64); err != nil {
		return "KILL QUERY NULL" // refused by the server: id is no connection id
	}
	return "KILL QUERY " + id
}

// BackendAlive counts the connections with the id in the process list.
func (*Dialect) BackendAlive(id string) string {
	if _, err := strconv.ParseUint(id, 10, 64); err != nil {
		id = "NULL"
	}
	return "SELECT COUNT(*) FROM information_schema.PROCESSLIST WHERE ID = " + id
}
