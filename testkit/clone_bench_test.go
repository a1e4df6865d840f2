package testkit

import (
	"context"
	"database/sql"
	"log/slog"
	"testing"
	"time"

	"github.com/hoistdb/hoist/sdk"
)

// BenchmarkMySQLClone compares ways of copying a MySQL template of 100
// migrations: replaying its schema one statement per round trip on one
// connection, in batches on one connection, in batches on several
// connections (what clone does), and running the migrations again.
func BenchmarkMySQLClone(b *testing.B) {
	e, srv := engineNamed(b, "mysql")
	opts := []sdk.Option{sdk.WithFS(HundredMigrations("BenchmarkMySQLClone")), sdk.WithLogger(slog.New(slog.DiscardHandler))}
	Migrated(b, MySQL, opts...) // the template
	ms := srv.(*mysqlServer)
	key, newMigrator, _, err := templateKey(context.Background(), e, ms, opts)
	if err != nil {
		b.Fatal(err)
	}
	tpl, ok, err := ms.findTemplate(context.Background(), key, func(context.Context, string) (bool, error) { return true, nil })
	if err != nil || !ok {
		b.Fatal("no template", err)
	}
	for _, v := range []struct {
		name         string
		conns, batch int
	}{{"replay_1conn_1stmt", 1, 1}, {"replay_1conn_batched", 1, 64}, {"replay_2conns_batched", 2, 64}, {"replay_4conns_batched", 4, 64}, {"replay_8conns_batched", 8, 64}} {
		b.Run(v.name, func(b *testing.B) {
			defer func(c, n int) { cloneConns, cloneBatchSize = c, n }(cloneConns, cloneBatchSize)
			cloneConns, cloneBatchSize = v.conns, v.batch
			ctx := context.Background()
			for range b.N {
				name := newDatabaseName(time.Now())
				if _, err := ms.clone(ctx, tpl, name); err != nil {
					b.Fatal(err)
				}
				b.StopTimer()
				if err := ms.drop(ctx, name); err != nil {
					b.Fatal(err)
				}
				b.StartTimer()
			}
		})
	}
	b.Run("migrate", func(b *testing.B) {
		ctx := context.Background()
		for range b.N {
			name := newDatabaseName(time.Now())
			dsn, err := ms.create(ctx, name)
			if err != nil {
				b.Fatal(err)
			}
			db, err := sql.Open("mysql", dsn)
			if err != nil {
				b.Fatal(err)
			}
			m, err := newMigrator(db)
			if err == nil {
				_, err = m.Up(ctx)
			}
			db.Close()
			if err != nil {
				b.Fatal(err)
			}
			b.StopTimer()
			if err := ms.drop(ctx, name); err != nil {
				b.Fatal(err)
			}
			b.StartTimer()
		}
	})
}
