package main

import (
	"context"
	"fmt"
	"io"
	"slices"
	"testing"
	"time"

	"github.com/hoistdb/hoist/dialect/dialecttest"
	"github.com/hoistdb/hoist/sdk"
	"github.com/hoistdb/hoist/sdk/schema"
)

// ---- workloads 8 and 9: schema diff and migrate:generate ----

// The targets for dialecttest.BenchSchema (500 tables, 1,000
// foreign keys, 100 enums).
const (
	diffTarget     = 20 * time.Millisecond
	generateTarget = time.Second
)

// minDiffReps is the fewest repetitions of workload 8 (the issue asks
// for a median of at least nine).
const minDiffReps = 9

// diffResult is one case of workload 8: the median of its repetitions,
// each a full testing.Benchmark of schema.Diff.
type diffResult struct {
	Case                    string
	Tables, Changes         int
	NsPerOp, Min, Max       int64
	AllocsPerOp, BytesPerOp int64
	Reps                    int
}

// benchModels is dialecttest.BenchModels: the 500 tables as described
// (what the database holds), and the same with four changes (a column
// added to t100, t200's name widened from 100 to 200, an index on t300's
// at, a new table that references t400).
var benchModels = dialecttest.BenchModels

// diffChanged is sdk/schema's BenchmarkDiff: the schema against itself
// with every tenth table changed (a column added, one widened, an index
// dropped).
func diffChanged(live *schema.Schema) *schema.Schema {
	desired := live.Clone()
	for i, t := range desired.Tables {
		if i%10 != 0 {
			continue
		}
		t.Columns = append(t.Columns, &schema.ColumnDef{Name: fmt.Sprintf("added_%d", i), Type: schema.TypeText, Nullable: true})
		for _, c := range t.Columns {
			if c.Type == schema.TypeString {
				c.Length += 10
				break
			}
		}
		if len(t.Indexes) > 0 {
			t.Indexes = t.Indexes[1:]
		}
	}
	return desired
}

// runDiff is workload 8: schema.Diff of two 500-table models, engine
// free, identical and with every tenth table changed.
func runDiff(reps int, logf func(string, ...any)) ([]diffResult, error) {
	reps = max(reps, minDiffReps)
	live, _, err := benchModels()
	if err != nil {
		return nil, err
	}
	var out []diffResult
	for _, c := range []struct {
		name    string
		desired *schema.Schema
	}{{"identical", live.Clone()}, {"every tenth table changed", diffChanged(live)}} {
		cs, err := schema.Diff(c.desired, live, schema.DiffOptions{})
		if err != nil {
			return nil, err
		}
		var ns, allocs, bytes []int64
		for rep := range reps {
			r := testing.Benchmark(func(b *testing.B) {
				b.ReportAllocs()
				for b.Loop() {
					if _, err := schema.Diff(c.desired, live, schema.DiffOptions{}); err != nil {
						b.Fatal(err)
					}
				}
			})
			if r.N == 0 {
				return nil, fmt.Errorf("diff %s: the benchmark failed", c.name)
			}
			ns, allocs, bytes = append(ns, r.NsPerOp()), append(allocs, r.AllocsPerOp()), append(bytes, r.AllocedBytesPerOp())
			logf("diff %s %d/%d: %s", c.name, rep+1, reps, fmtDur(time.Duration(r.NsPerOp())))
		}
		slices.Sort(ns)
		slices.Sort(allocs)
		slices.Sort(bytes)
		med, _, _ := median(durations(ns))
		out = append(out, diffResult{Case: c.name, Tables: len(live.Tables), Changes: len(cs.Up), NsPerOp: int64(med), Min: ns[0], Max: ns[len(ns)-1],
			AllocsPerOp: allocs[len(allocs)/2], BytesPerOp: bytes[len(bytes)/2], Reps: reps})
	}
	return out, nil
}

func durations(ns []int64) []time.Duration {
	out := make([]time.Duration, len(ns))
	for i, n := range ns {
		out[i] = time.Duration(n)
	}
	return out
}

// generateResult is one engine's workload 9.
type generateResult struct {
	Kind   kind
	Tables int
	// Build is how long hoist took to build the 500 tables (not timed
	// in the cases).
	Build time.Duration
	Cases []generateCase
	Err   string `json:",omitempty"`
}

// generateCase is one set of models generated against the database.
type generateCase struct {
	Name    string
	Changes int
	Durs    []time.Duration
	// Statements are the round trips of the median run (without
	// SQLite's scratch database, which is opened apart).
	Statements int64
}

// generate is workload 9: hoist builds dialecttest.BenchSchema in a
// fresh database; then each repetition runs schema.Generate (what
// migrate:generate does once the models are read: inspect, settle what
// can differ, diff, render the file; a dry run, so nothing is written)
// with models identical to the database and with models changed in a
// handful of ways (benchModels), taking turns.
func (r *runner) generate(ctx context.Context, srv server) {
	res := generateResult{Kind: srv.kind()}
	defer func() { r.results.Generate = append(r.results.Generate, res) }()
	fail := func(err error) { res.Err = err.Error(); r.logf("generate %s: %v", srv.kind(), err) }
	live, changed, err := benchModels()
	if err != nil {
		fail(err)
		return
	}
	name := newName("generate")
	dsn, err := srv.create(ctx, name)
	if err != nil {
		fail(fmt.Errorf("creating the database: %w", err))
		return
	}
	defer srv.drop(context.WithoutCancel(ctx), name)
	st := &stats{}
	db, err := openDB(srv.kind(), dsn, st)
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
	start := time.Now()
	if _, err := m.Up(ctx); err != nil {
		fail(fmt.Errorf("building the schema: %w", err))
		return
	}
	res.Build, res.Tables = time.Since(start), len(live.Tables)
	cases := []struct {
		name    string
		models  *schema.Schema
		changes int
	}{{"identical", live, 0}, {"4 changes", changed, 4}}
	stmts := make([][]int64, len(cases))
	for _, c := range cases {
		res.Cases = append(res.Cases, generateCase{Name: c.name, Changes: c.changes})
	}
	for rep := range r.cfg.Reps {
		for i := range cases {
			c := cases[(rep+i)%len(cases)]
			gc := &res.Cases[(rep+i)%len(cases)]
			before := st.snapshot().Statements()
			start := time.Now()
			g, err := schema.Generate(ctx, db, d, schema.GenerateOptions{Models: &schema.Models{Schema: c.models}, DryRun: true})
			took := time.Since(start)
			if err != nil {
				fail(fmt.Errorf("%s: %w", c.name, err))
				return
			}
			if len(g.Changes.Up) != c.changes || (c.changes == 0) != (g.Text == "") {
				fail(fmt.Errorf("%s: %d changes (%v), want %d", c.name, len(g.Changes.Up), g.Changes.Up, c.changes))
				return
			}
			gc.Durs = append(gc.Durs, took)
			stmts[(rep+i)%len(cases)] = append(stmts[(rep+i)%len(cases)], st.snapshot().Statements()-before)
			r.logf("generate %s %s %d/%d: %s", srv.kind(), c.name, rep+1, r.cfg.Reps, fmtDur(took))
		}
	}
	for i := range res.Cases {
		slices.Sort(stmts[i])
		res.Cases[i].Statements = stmts[i][len(stmts[i])/2]
	}
}

// schemaDiffReport is workloads 8 and 9.
func (r *results) schemaDiffReport(w io.Writer) {
	p := func(format string, args ...any) { fmt.Fprintf(w, format, args...) }
	if len(r.Diff) > 0 {
		p("## 8. Diffing two 500-table models\n\n")
		p("`schema.Diff` of `dialecttest.BenchSchema` as described (500 tables, 1,000 foreign keys, 100 enums) against itself, and with every tenth table changed ")
		p("(a column added, one widened, an index dropped: `BenchmarkDiff` in sdk/schema). No engine: Go only. Each repetition is a `testing.Benchmark`; ")
		p("median (min–max) of the ns/op of %d. The issue's target: %s.\n\n", r.Diff[0].Reps, fmtDur(diffTarget))
		p("| models | tables | changes | time/op | allocs/op | bytes/op |\n|---|---:|---:|---|---:|---:|\n")
		for _, d := range r.Diff {
			p("| %s | %d | %d | %s (%s–%s) | %d | %d |\n", d.Case, d.Tables, d.Changes, fmtDur(durNs(d.NsPerOp)), fmtDur(durNs(d.Min)), fmtDur(durNs(d.Max)), d.AllocsPerOp, d.BytesPerOp)
		}
		p("\n")
	}
	if len(r.Generate) > 0 {
		p("## 9. migrate:generate against a live 500-table database\n\n")
		p("hoist builds `dialecttest.BenchSchema` in a fresh database (not timed); then each repetition runs `schema.Generate` as a dry run ")
		p("(what `migrate:generate` does once it has the models: inspect the database, settle in a scratch place the tables that can differ, diff, render the file) ")
		p("with models identical to the database, and with models changed in four ways (a column added, a column widened, an index added, a new table that references an old one), taking turns. ")
		p("Median (min–max) of %d; statements are the round trips of one run (on SQLite without those to the scratch `:memory:` database, which is opened apart). The issue's target: %s.\n\n", r.Config.Reps, fmtDur(generateTarget))
		p("| engine | tables | build (once) | identical | statements | 4 changes | statements |\n|---|---:|---:|---|---:|---|---:|\n")
		for _, g := range r.Generate {
			if g.Err != "" {
				p("| %s | | | failed: `%s` | | | |\n", g.Kind.title(), firstLine(g.Err))
				continue
			}
			p("| %s | %d | %s |", g.Kind.title(), g.Tables, fmtDur(g.Build))
			for _, c := range g.Cases {
				p(" %s | %d |", durText(c.Durs), c.Statements)
			}
			p("\n")
		}
		p("\n")
	}
}
