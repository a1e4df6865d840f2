package postgres

import (
	"strconv"

	"github.com/hoistdb/hoist/dialect"
)

var _ dialect.Canceler = (*Dialect)(nil)

// clientCheckInterval is how often the server looks, while it runs a
// migration's statement, whether the client is still connected: a
// migrator killed with -9 has its statement aborted and rolled back
// within about this long, and its lock freed. The check is one poll()
// of the socket; a migration with less than this left to run when its
// process dies still commits, as if the process had died just after.
const clientCheckInterval = "250ms"

// BackendID returns the session's backend pid, and sets
// client_connection_check_interval for the session where the server has
// it (PostgreSQL 14 and later): without it, a backend notices a vanished
// client only when it next reads from or writes to the socket, after
// the statement, so the migration of a killed process would commit.
// Reading pg_settings leaves older servers alone instead of failing on
// an unknown parameter.
func (*Dialect) BackendID() string {
	return "SELECT pg_backend_pid(), (SELECT set_config(name, '" + clientCheckInterval + "', false) " +
		"FROM pg_settings WHERE name = 'client_connection_check_interval')"
}

// ResetSession gives client_connection_check_interval back its value
// from before BackendID, so that the application's connection is as it
// was.
func (*Dialect) ResetSession() string {
	return "SELECT set_config(name, reset_val, false) FROM pg_settings WHERE name = 'client_connection_check_interval'"
}

// CancelBackend returns pg_cancel_backend of the pid, which ends the
// pid's statement with SQLSTATE 57014 (query_canceled) and aborts its
// transaction; a backend that is idle ignores it. The id is written as
// a number, so anything else is refused here rather than sent.
func (*Dialect) CancelBackend(id string) string {
	return "SELECT pg_cancel_backend(" + number(id) + ")"
}

// BackendAlive counts the backends with the pid in pg_stat_activity.
func (*Dialect) BackendAlive(id string) string {
	return "SELECT COUNT(*) FROM pg_stat_activity WHERE pid = " + number(id)
}

// number is id as a decimal integer literal, or NULL when id is not one.
func number(id string) string {
	if _, err := strconv.ParseInt(id, 10, 64); err != nil {
		return "NULL"
	}
	return id
}
