//go:build !unix

package testkit

import "context"

// localStartTimeout bounds starting a local server.
const localStartTimeout = 0

func postgresFromLocal(context.Context) (server, error) {
	return nil, reject("local server binaries are only run on Unix")
}

func mysqlFromLocal(context.Context) (server, error) {
	return nil, reject("local server binaries are only run on Unix")
}
