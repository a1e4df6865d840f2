package testkit_test

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/hoistdb/hoist/sdk"
	"github.com/hoistdb/hoist/testkit"
)

// BenchmarkTestWait measures what a test waits for before it has its
// database, the way a Go team feels it: 8 tests run at once, each
// getting a database with the 100-migration set and then working for
// 50 ms, 3 tests in a row per worker. Reported as the median and 95th
// percentile wait (ms-p50, ms-p95) for testkit.Migrated (a pooled or
// fresh clone), testkit.MigratedTx (a transaction on the shared
// database) and migrating a fresh database (what Migrated saves).
func BenchmarkTestWait(b *testing.B) {
	const workers, perWorker, work = 8, 3, 50 * time.Millisecond
	quiet := sdk.WithLogger(slog.New(slog.DiscardHandler))
	for _, e := range engines {
		b.Run(e.name, func(b *testing.B) {
			e.open(b) // skips unless the engine is there
			opts := []sdk.Option{sdk.WithFS(testkit.HundredMigrations(fmt.Sprintf("wait benchmark %s", b.Name()))), quiet}
			arms := []struct {
				name string
				get  func(testing.TB) *testkit.DB
			}{
				{"Migrated", func(t testing.TB) *testkit.DB { return testkit.Migrated(t, e.open, opts...) }},
				{"MigratedTx", func(t testing.TB) *testkit.DB { return testkit.MigratedTx(t, e.open, opts...) }},
				{"migrate", func(t testing.TB) *testkit.DB {
					db := e.open(t)
					m, err := sdk.New(db.DB, db.Dialect, opts...)
					if err == nil {
						_, err = m.Up(context.Background())
					}
					if err != nil {
						t.Fatal(err)
					}
					return db
				}},
			}
			for _, arm := range arms {
				b.Run(arm.name, func(b *testing.B) {
					warm := &iterationTB{TB: b}
					arm.get(warm) // the template, and the pool or shared database
					warm.done()
					time.Sleep(time.Second) // let the pool fill, as it does while tests start
					var (
						mu    sync.Mutex
						waits []time.Duration
					)
					b.ResetTimer()
					for range b.N {
						var wg sync.WaitGroup
						for range workers {
							wg.Add(1)
							go func() {
								defer wg.Done()
								for range perWorker {
									it := &iterationTB{TB: b}
									start := time.Now()
									arm.get(it)
									wait := time.Since(start)
									time.Sleep(work)
									it.done()
									mu.Lock()
									waits = append(waits, wait)
									mu.Unlock()
								}
							}()
						}
						wg.Wait()
					}
					b.StopTimer()
					slices.Sort(waits)
					at := func(q float64) float64 {
						return float64(waits[int(q*float64(len(waits)-1))].Microseconds()) / 1000
					}
					b.ReportMetric(at(0.5), "ms-p50")
					b.ReportMetric(at(0.95), "ms-p95")
				})
			}
		})
	}
}
