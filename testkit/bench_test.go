package testkit_test

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"testing"

	"github.com/hoistdb/hoist/sdk"
	"github.com/hoistdb/hoist/testkit"
)

// iterationTB gives each benchmark iteration cleanups of its own, run
// after the iteration with the timer stopped, so that b.N databases do not
// pile up until the end.
type iterationTB struct {
	testing.TB
	cleanups []func()
}

func (t *iterationTB) Cleanup(f func()) { t.cleanups = append(t.cleanups, f) }

func (t *iterationTB) done() {
	for _, f := range slices.Backward(t.cleanups) {
		f()
	}
	t.cleanups = nil
}

// BenchmarkMigrated compares a migrated database cloned from the template
// with one made by running the 100 migrations on a fresh database. The
// time per op is one database, ready to use; dropping it is not counted.
func BenchmarkMigrated(b *testing.B) {
	quiet := sdk.WithLogger(slog.New(slog.DiscardHandler))
	for _, e := range engines {
		b.Run(e.name, func(b *testing.B) {
			e.open(b) // skips unless the engine is there
			opts := []sdk.Option{sdk.WithFS(testkit.HundredMigrations(fmt.Sprintf("benchmark %s", b.Name()))), quiet}
			b.Run("template", func(b *testing.B) {
				testkit.Migrated(b, e.open, opts...) // the template, built or found
				it := &iterationTB{TB: b}
				b.ResetTimer()
				for range b.N {
					testkit.Migrated(it, e.open, opts...)
					b.StopTimer()
					it.done()
					b.StartTimer()
				}
			})
			b.Run("migrate", func(b *testing.B) {
				it := &iterationTB{TB: b}
				for range b.N {
					db := e.open(it)
					m, err := sdk.New(db.DB, db.Dialect, opts...)
					if err != nil {
						b.Fatal(err)
					}
					if _, err := m.Up(context.Background()); err != nil {
						b.Fatal(err)
					}
					b.StopTimer()
					it.done()
					b.StartTimer()
				}
			})
		})
	}
}
