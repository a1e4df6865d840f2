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

// BenchmarkPostgresClone compares the two ways PostgreSQL 15 and later
// copy a template of 100 migrations, CREATE DATABASE ... STRATEGY
// FILE_COPY and WAL_LOG, on the server the tests use; postgresStrategy
// picks between them from what this shows.
func BenchmarkPostgresClone(b *testing.B) {
	_, srv := engineNamed(b, "postgres")
	ps := srv.(*postgresServer)
	if ps.versionNum < 150000 {
		b.Skip("PostgreSQL before 15 has one strategy")
	}
	b.Logf("server: %s", ps.where())
	opts := []sdk.Option{sdk.WithFS(HundredMigrations("BenchmarkPostgresClone")), sdk.WithLogger(slog.New(slog.DiscardHandler))}
	Migrated(b, Postgres, opts...) // the template
	key, _, _, err := templateKey(context.Background(), postgresEngine, ps, opts)
	if err != nil {
		b.Fatal(err)
	}
	tpl, ok, err := ps.findTemplate(context.Background(), key, nil)
	if err != nil || !ok {
		b.Fatal("no template", err)
	}
	for _, strategy := range []string{"FILE_COPY", "WAL_LOG"} {
		b.Run(strategy, func(b *testing.B) {
			defer func(s string) { postgresCloneStrategy = s }(postgresCloneStrategy)
			postgresCloneStrategy = strategy
			ctx := context.Background()
			for range b.N {
				name := newDatabaseName(time.Now())
				if _, err := ps.clone(ctx, tpl, name); err != nil {
					b.Fatal(err)
				}
				b.StopTimer()
				if err := ps.drop(ctx, name); err != nil {
					b.Fatal(err)
				}
				b.StartTimer()
			}
		})
	}
}
