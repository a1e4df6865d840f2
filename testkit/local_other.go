//go:build !unix

package testkit

import (
	"context"
	"time"
)

// localStartTimeout bounds starting a local server.
const localStartTimeout = 0

func postgresFromLocal(context.Context) (server, error) {
	return nil, reject("local server binaries are only run on Unix")
}

func mysqlFromLocal(context.Context) (server, error) {
	return nil, reject("local server binaries are only run on Unix")
}

// sharedLocalIdle reports that srv is no shared local server: there are
// none here.
func sharedLocalIdle(server) (time.Duration, bool) { return 0, false }
