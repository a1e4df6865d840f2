package main

import (
	"context"
	"database/sql"
	"fmt"
	"io"
	"slices"
	"time"

	"github.com/hoistdb/hoist/dialect/dialecttest"
	"github.com/hoistdb/hoist/sdk"
	"github.com/hoistdb/hoist/sdk/schema"
)

// ---- workload 7: schema inspection ----

// inspectTargets are the targets for inspecting the schema of
// dialecttest.BenchSchema (500 tables, 1,000 foreign keys, 100 enums).
var inspectTargets = map[kind]time.Duration{
	postgresKind: 150 * time.Millisecond,
	mysqlKind:    300 * time.Millisecond,
	sqliteKind:   100 * time.Millisecond,
}

// inspectResult is one engine's inspections, plain (schema.Inspect) and
// with the kept metadata merged (schema.InspectWithMetadata).
type inspectResult struct {
	Kind                       kind
	Tables, ForeignKeys, Enums int
	Plain, WithMeta            []time.Duration
	// Queries are the queries one inspection sends.
	PlainQueries, MetaQueries int
	Err                       string `json:",omitempty"`
}

// countingQuerier counts the queries an inspection sends.
type countingQuerier struct {
	db *sql.DB
	n  int
}

func (c *countingQuerier) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	c.n++
	return c.db.QueryContext(ctx, query, args...)
}

// inspect builds dialecttest.BenchSchema with hoist in a fresh database,
// then times -reps inspections of each kind, one at a time, after one
// unmeasured inspection of each that checks what they read.
func (r *runner) inspect(ctx context.Context, srv server) {
	res := inspectResult{Kind: srv.kind()}
	defer func() { r.results.Inspect = append(r.results.Inspect, res) }()
	fail := func(err error) { res.Err = err.Error(); r.logf("inspect %s: %v", srv.kind(), err) }
	name := newName("inspect")
	dsn, err := srv.create(ctx, name)
	if err != nil {
		fail(fmt.Errorf("creating the database: %w", err))
		return
	}
	defer srv.drop(context.WithoutCancel(ctx), name)
	db, err := openDB(srv.kind(), dsn, &stats{})
	if err != nil {
		fail(err)
		return
	}
	defer db.Close()
	d := hoistDialect(srv.kind())
	m, err := sdk.New(db, d, sdk.WithMigrations(dialecttest.BenchSchema().Migration()), sdk.WithLogger(discard))
	if err != nil {
		fail(err)
		return
	}
	if _, err := m.Up(ctx); err != nil {
		fail(fmt.Errorf("building the schema: %w", err))
		return
	}
	q := &countingQuerier{db: db}
	plain := func() (*schema.Schema, error) { return schema.Inspect(ctx, q, d) }
	withMeta := func() (*schema.Schema, error) { return schema.InspectWithMetadata(ctx, q, d, "") }
	for _, f := range []func() (*schema.Schema, error){plain, withMeta} {
		s, err := f()
		if err != nil {
			fail(err)
			return
		}
		res.Tables, res.ForeignKeys, res.Enums = len(s.Tables), 0, len(s.Enums)
		for _, t := range s.Tables {
			res.ForeignKeys += len(t.ForeignKeys)
		}
	}
	if res.Tables != 500 || res.ForeignKeys != 1000 || res.Enums != 100 {
		fail(fmt.Errorf("inspected %d tables, %d foreign keys and %d enums; want 500, 1000 and 100", res.Tables, res.ForeignKeys, res.Enums))
		return
	}
	for rep := range r.cfg.Reps {
		for i, f := range []func() (*schema.Schema, error){plain, withMeta} {
			q.n = 0
			start := time.Now()
			if _, err := f(); err != nil {
				fail(err)
				return
			}
			took := time.Since(start)
			if i == 0 {
				res.Plain, res.PlainQueries = append(res.Plain, took), q.n
			} else {
				res.WithMeta, res.MetaQueries = append(res.WithMeta, took), q.n
			}
		}
		r.logf("inspect %s %d/%d: %s, with metadata %s", srv.kind(), rep+1, r.cfg.Reps, fmtDur(res.Plain[rep]), fmtDur(res.WithMeta[rep]))
	}
}

// inspectReport is workload 7.
func (r *results) inspectReport(w io.Writer) {
	p := func(format string, args ...any) { fmt.Fprintf(w, format, args...) }
	p("## 7. Inspecting a large schema\n\n")
	p("`schema.Inspect` of `dialecttest.BenchSchema` (500 tables, 1,000 foreign keys, 100 enums; the schema `BenchmarkInspect` in the dialect packages reads), built by hoist, ")
	p("then `schema.InspectWithMetadata`, which adds the names kept in `hoist_migrations_schema` (the enum names on MySQL and SQLite). ")
	p("Each repetition is one inspection of each, after an unmeasured one; median (min–max) of %d, and the queries one inspection sends.\n\n", r.Config.Reps)
	p("| engine | target | Inspect | queries | InspectWithMetadata | queries |\n|---|---:|---|---:|---|---:|\n")
	for _, res := range r.Inspect {
		if res.Err != "" {
			p("| %s | %s | failed: `%s` | | | |\n", res.Kind.title(), fmtDur(inspectTargets[res.Kind]), firstLine(res.Err))
			continue
		}
		p("| %s | %s | %s | %d | %s | %d |\n", res.Kind.title(), fmtDur(inspectTargets[res.Kind]),
			durText(res.Plain), res.PlainQueries, durText(res.WithMeta), res.MetaQueries)
	}
	p("\n")
}

func durText(xs []time.Duration) string {
	if len(xs) == 0 {
		return "–"
	}
	med, lo, hi := median(slices.Clone(xs))
	return fmt.Sprintf("%s (%s–%s)", fmtDur(med), fmtDur(lo), fmtDur(hi))
}
