// Package seeds holds the example's seeders, compiled into the binary.
package seeds

import "embed"

// FS holds the SQL seeders of this directory.
//
//go:embed *.sql
var FS embed.FS
