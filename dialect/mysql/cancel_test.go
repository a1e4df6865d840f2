package mysql_test

import (
	"testing"

	"github.com/hoistdb/hoist/dialect/internal/enginetest"
	"github.com/hoistdb/hoist/dialect/mysql"
)

func TestCancelStatements(t *testing.T) {
	t.Parallel()
	d := mysql.New()
	enginetest.Pins(t, []enginetest.Pin{
		{Name: "id", Got: d.BackendID(), Want: "SELECT CONNECTION_ID()"},
		{Name: "reset", Got: d.ResetSession(), Want: ""},
		{Name: "cancel", Got: d.CancelBackend("42"), Want: "KILL QUERY 42"},
		{Name: "cancel_not_an_id", Got: d.CancelBackend("42; DROP TABLE x"), Want: "KILL QUERY NULL"},
		{Name: "alive", Got: d.BackendAlive("42"), Want: "SELECT COUNT(*) FROM information_schema.PROCESSLIST WHERE ID = 42"},
	})
}
