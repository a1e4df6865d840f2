package main

import "testing"

// BenchmarkParse is workload 5 under go test:
//
//	go test -run '^$' -bench Parse -benchmem
//
// `go run .` runs the same functions through testing.Benchmark.
func BenchmarkParse(b *testing.B) {
	for _, c := range parseCases() {
		b.Run(c.Name, c.fn)
	}
}
