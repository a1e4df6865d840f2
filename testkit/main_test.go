package testkit_test

import (
	"testing"

	"github.com/hoistdb/hoist/testkit"
)

// TestMain runs the tests through testkit.Main, so that the servers
// testkit starts and the databases MigratedTx tests share are gone when
// the tests end.
func TestMain(m *testing.M) { testkit.Main(m) }
