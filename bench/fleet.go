package main

import (
	"context"
	"database/sql"
	"fmt"
	"io"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/hoistdb/hoist/sdk"
)

// ---- workload 11: fleets ----
//
// One set of migrations applied to many tenants: on PostgreSQL, -fleet-n
// schemas of one database (schema-per-tenant); on MariaDB/MySQL,
// -fleet-mysql-n databases of the server (database-per-tenant). hoist
// migrates them as one sdk.Fleet; goose, which has no fleets, runs as
// its users run it today: a sequential loop, one goose Up per tenant,
// each on a pool of its own (search_path set in the DSN on PostgreSQL,
// the tenant's database on MySQL). Then the no-op boot of hoist's fleet:
// a fresh pool, NewFleet and Up over the migrated tenants.

// fleetTargets are the targets for the no-op fleet boot.
const (
	fleetNoopQueries = 10
	fleetNoopTime    = 200 * time.Millisecond
)

// fleetResult is one engine's fleet workload.
type fleetResult struct {
	Kind        kind
	Tenants     int
	Migrations  int
	Concurrency int
	// Hoist and Goose are the fresh runs over every tenant.
	Hoist, Goose []sample
	// Noop are hoist's no-op boots of the migrated fleet.
	Noop []sample
	// Upgrade are hoist's first boots of a fleet of schemas migrated
	// before up-to-date marks existed (their functions dropped): each
	// reads every history and marks every schema.
	Upgrade []sample `json:",omitempty"`
	Err     string   `json:",omitempty"`
}

func (r *runner) fleet(ctx context.Context, srv server) {
	n := r.cfg.FleetN
	if srv.kind() == mysqlKind {
		n = r.cfg.FleetMySQLN
	}
	if srv.kind() == sqliteKind {
		return // the issue measures PostgreSQL schemas and MariaDB databases
	}
	res := fleetResult{Kind: srv.kind(), Tenants: n, Migrations: r.cfg.FleetMigrations, Concurrency: r.cfg.FleetConcurrency}
	defer func() { r.results.Fleet = append(r.results.Fleet, res) }()
	var tools []string // hoist and goose, where -tools names them
	for _, t := range []string{"hoist", "goose"} {
		if slices.Contains(r.cfg.Tools, t) {
			tools = append(tools, t)
		}
	}
	if len(tools) == 0 {
		return
	}
	for rep := range r.cfg.Reps {
		for _, tool := range rotate(tools, rep) {
			if ctx.Err() != nil {
				return
			}
			s, noop, upgrade, err := r.fleetRep(ctx, srv, tool, n, rep == 0)
			if err != nil {
				res.Err = err.Error()
				r.logf("fleet %s %s: %v", srv.kind(), tool, err)
				return
			}
			r.logf("fleet %s %s: %d tenants × %d migrations in %s (%d statements)%s", srv.kind(), tool, n, r.cfg.FleetMigrations, fmtDur(s.Dur), s.Stats.Statements(), noopLog(noop))
			if tool == "hoist" {
				res.Hoist = append(res.Hoist, s)
				res.Noop = append(res.Noop, noop...)
				res.Upgrade = append(res.Upgrade, upgrade...)
			} else {
				res.Goose = append(res.Goose, s)
			}
		}
	}
}

func noopLog(noop []sample) string {
	if len(noop) == 0 {
		return ""
	}
	return fmt.Sprintf("; no-op boot %s, %d statements", fmtDur(noop[0].Dur), noop[0].Stats.Statements())
}

// fleetPlace is where one repetition's tenants live.
type fleetPlace struct {
	srv     server
	kind    kind
	dsn     string // PostgreSQL: the database of the schemas
	db      string
	prefix  string
	tenants []string
}

func (p *fleetPlace) tenantDSN(tenant string) string {
	if p.kind == postgresKind {
		u, _ := url.Parse(p.dsn)
		q := u.Query()
		q.Set("search_path", tenant)
		u.RawQuery = q.Encode()
		return u.String()
	}
	cfg := p.srv.(*mysqlServer).cfg.Clone()
	cfg.DBName = tenant
	return cfg.FormatDSN()
}

// fleetRep creates n empty tenants, migrates them with tool (timed),
// checks every tenant has every table, runs hoist's no-op boots when
// tool is hoist (on PostgreSQL then the first boot after dropping every
// schema's up-to-date mark, the upgrade), and removes the tenants.
func (r *runner) fleetRep(ctx context.Context, srv server, tool string, n int, first bool) (sample, []sample, []sample, error) {
	p := &fleetPlace{srv: srv, kind: srv.kind(), prefix: newName("fleet")}
	for i := range n {
		p.tenants = append(p.tenants, fmt.Sprintf("%s_t%04d", p.prefix, i))
	}
	admin, cleanup, err := p.create(ctx)
	defer cleanup()
	if err != nil {
		return sample{}, nil, nil, fmt.Errorf("creating the tenants: %w", err)
	}
	m := r.cfg.FleetMigrations
	var s sample
	if tool == "hoist" {
		s = r.hoistFleet(ctx, p)
	} else {
		s = r.gooseLoop(ctx, p)
	}
	if s.Err != "" {
		return s, nil, nil, fmt.Errorf("%s", s.Err)
	}
	if err := p.check(ctx, admin, m); err != nil {
		return s, nil, nil, err
	}
	var noop []sample
	if tool == "hoist" {
		for range r.cfg.RepsNoop / r.cfg.Reps {
			ns := r.hoistFleet(ctx, p)
			if ns.Err != "" {
				return s, nil, nil, fmt.Errorf("no-op boot: %s", ns.Err)
			}
			noop = append(noop, ns)
		}
	}
	var upgrade []sample
	if tool == "hoist" && p.kind == postgresKind {
		var b strings.Builder
		for _, t := range p.tenants {
			b.WriteString("DROP FUNCTION " + t + ".hoist_migrations_unmark() CASCADE;")
		}
		if _, err := admin.ExecContext(ctx, b.String()); err != nil {
			return s, nil, nil, fmt.Errorf("dropping the up-to-date marks: %w", err)
		}
		us := r.hoistFleet(ctx, p)
		if us.Err != "" {
			return s, nil, nil, fmt.Errorf("boot after the upgrade: %s", us.Err)
		}
		upgrade = append(upgrade, us)
	}
	return s, noop, upgrade, nil
}

// create makes the tenants: schemas of a new database, or databases.
func (p *fleetPlace) create(ctx context.Context) (*sql.DB, func(), error) {
	var b strings.Builder
	if p.kind == postgresKind {
		p.db = p.prefix
		dsn, err := p.srv.create(ctx, p.db)
		if err != nil {
			return nil, func() {}, err
		}
		p.dsn = dsn
		admin, err := openDB(postgresKind, dsn, &stats{})
		cleanup := func() {
			if admin != nil {
				admin.Close()
			}
			_ = p.srv.drop(context.WithoutCancel(ctx), p.db)
		}
		if err != nil {
			return nil, cleanup, err
		}
		for _, t := range p.tenants {
			b.WriteString("CREATE SCHEMA " + t + ";")
		}
		_, err = admin.ExecContext(ctx, b.String())
		return admin, cleanup, err
	}
	admin := p.srv.(*mysqlServer).admin
	cleanup := func() {
		for _, t := range p.tenants {
			_ = p.srv.drop(context.WithoutCancel(ctx), t)
		}
	}
	for _, t := range p.tenants {
		if _, err := admin.ExecContext(ctx, "CREATE DATABASE `"+t+"` CHARACTER SET utf8mb4"); err != nil {
			return nil, cleanup, err
		}
	}
	return admin, cleanup, nil
}

// check counts the migrations' tables over all tenants.
func (p *fleetPlace) check(ctx context.Context, admin *sql.DB, m int) error {
	var got int
	q := "SELECT count(*) FROM pg_tables WHERE schemaname LIKE '" + p.prefix + "\\_t%' AND tablename LIKE 't\\_%'"
	if p.kind == mysqlKind {
		q = "SELECT count(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA LIKE '" + p.prefix + "\\_t%' AND TABLE_NAME LIKE 't\\_%'"
	}
	if err := admin.QueryRowContext(ctx, q).Scan(&got); err != nil {
		return err
	}
	if want := len(p.tenants) * m; got != want {
		return fmt.Errorf("the tenants hold %d tables; want %d", got, want)
	}
	return nil
}

// hoistFleet times one Up of the whole fleet, from opening the pool to
// its return, every statement of every pool counted.
func (r *runner) hoistFleet(ctx context.Context, p *fleetPlace) sample {
	st := &stats{}
	var s sample
	start := time.Now()
	conc := r.cfg.FleetConcurrency
	dsn := p.dsn
	var opts []sdk.FleetOption
	if p.kind == mysqlKind {
		dsn = p.tenantDSN("")
		opts = append(opts, sdk.WithDatabaseTargets(func(name string) (*sql.DB, error) {
			return openDB(mysqlKind, p.tenantDSN(name), st)
		}))
	}
	db, err := openDB(p.kind, dsn, st)
	if err != nil {
		return sample{Err: err.Error()}
	}
	defer db.Close()
	db.SetMaxOpenConns(2 * conc)
	db.SetMaxIdleConns(2 * conc)
	fsys := migrationsFS(formatHoist, r.cfg.FleetMigrations)
	opts = append(opts, sdk.WithTargetOptions(sdk.WithFS(fsys), sdk.WithLogger(discard)), sdk.WithFleetConcurrency(conc))
	f, err := sdk.NewFleet(db, hoistDialect(p.kind), sdk.TargetPattern(p.prefix+"_t*"), opts...)
	if err != nil {
		return sample{Err: err.Error()}
	}
	res, err := f.Up(ctx)
	s.Dur = time.Since(start)
	s.Stats = st.snapshot()
	if err != nil {
		s.Err = err.Error()
	} else if got := len(res.Targets); got != len(p.tenants) {
		s.Err = fmt.Sprintf("the fleet saw %d tenants; want %d", got, len(p.tenants))
	}
	return s
}

// gooseLoop times goose Up over every tenant, one after the other, each
// on a pool of its own.
func (r *runner) gooseLoop(ctx context.Context, p *fleetPlace) sample {
	st := &stats{}
	fsys := migrationsFS(formatGoose, r.cfg.FleetMigrations)
	g := gooseTool{}
	start := time.Now()
	for _, t := range p.tenants {
		if ctx.Err() != nil {
			return sample{Err: ctx.Err().Error()}
		}
		dsn := p.tenantDSN(t)
		if p.kind == mysqlKind {
			dsn = g.dsn(target{kind: mysqlKind, dsn: dsn})
		}
		db, err := openDB(p.kind, dsn, st)
		if err != nil {
			return sample{Err: err.Error()}
		}
		prov, err := g.provider(db, p.kind, fsys)
		if err == nil {
			_, err = prov.Up(ctx)
			_ = prov.Close()
		}
		db.Close()
		if err != nil {
			return sample{Err: fmt.Sprintf("goose on %s: %v", t, err)}
		}
	}
	return sample{Dur: time.Since(start), Stats: st.snapshot()}
}

func medianSample(xs []sample) sample {
	c := &cell{Samples: xs}
	s, _ := c.medianSample()
	return s
}

func sampleDurations(xs []sample) []time.Duration {
	out := make([]time.Duration, len(xs))
	for i, s := range xs {
		out[i] = s.Dur
	}
	return out
}

func (r *results) fleetReport(w io.Writer) {
	p := func(format string, args ...any) { fmt.Fprintf(w, format, args...) }
	p("## 8. Fleets\n\n")
	p("One set of migrations (`CREATE TABLE t_i ...`, as in workload 1) applied to every tenant of a fleet that starts empty: on PostgreSQL, tenant schemas of one database (schema-per-tenant); on MariaDB/MySQL, databases of the server (database-per-tenant). hoist is one `sdk.Fleet` (`TargetPattern`, `WithFleetConcurrency` as given); goose, which has no fleets, is a sequential loop of goose `Up`, one per tenant, each on a pool of its own (`search_path` in the DSN on PostgreSQL, the tenant's database on MySQL), as users script it today. Time runs from opening the first pool to the return of the last call; creating and dropping the tenants is outside it. The no-op boot is hoist's: a fresh pool, `NewFleet` and `Up` over the migrated fleet, every statement of every pool counted (the issue's targets: at most %d queries and %s). hoist/goose is the ratio of the medians, then (after ·) the median of the per-repetition ratios.\n\n", fleetNoopQueries, fmtDur(fleetNoopTime))
	p("| engine | tenants × migrations | concurrency | hoist fleet | goose loop | hoist/goose | statements hoist / goose | no-op boot | no-op statements | reps (fresh / no-op) |\n|---|---|---:|---|---|---:|---|---|---:|---|\n")
	for _, f := range r.Fleet {
		if f.Err != "" && len(f.Hoist) == 0 {
			p("| %s | %d × %d | %d | failed: %s | | | | | | |\n", f.Kind.title(), f.Tenants, f.Migrations, f.Concurrency, f.Err)
			continue
		}
		h, g, nb := medianSample(f.Hoist), medianSample(f.Goose), medianSample(f.Noop)
		ratio := "—"
		if g.Dur > 0 {
			// The ratio of the medians, then that of each repetition's
			// pair (hoist and goose take turns in it), as in workload 1.
			var per []time.Duration
			for i := range min(len(f.Hoist), len(f.Goose)) {
				if f.Hoist[i].Err == "" && f.Goose[i].Err == "" && f.Goose[i].Dur > 0 {
					per = append(per, time.Duration(float64(time.Second)*float64(f.Hoist[i].Dur)/float64(f.Goose[i].Dur)))
				}
			}
			med, _, _ := median(per)
			ratio = fmt.Sprintf("%.2f× · %.2f×", float64(h.Dur)/float64(g.Dur), med.Seconds())
		}
		p("| %s | %d × %d | %d | %s | %s | %s | %d / %d | %s | %d | %d / %d |\n", f.Kind.title(), f.Tenants, f.Migrations, f.Concurrency,
			durText(sampleDurations(f.Hoist)), durText(sampleDurations(f.Goose)), ratio, h.Stats.Statements(), g.Stats.Statements(),
			durText(sampleDurations(f.Noop)), nb.Stats.Statements(), len(f.Hoist), len(f.Noop))
		if f.Err != "" {
			p("\nError after %d repetitions: %s\n\n", len(f.Hoist), f.Err)
		}
	}
	p("\n")
	for _, f := range r.Fleet {
		if len(f.Upgrade) > 0 {
			p("The first boot of the %d %s schemas after their up-to-date marks were dropped (a fleet migrated before hoist had marks), which reads every history and marks every schema: %s, %d statements, %d reps.\n\n",
				f.Tenants, f.Kind.title(), durText(sampleDurations(f.Upgrade)), medianSample(f.Upgrade).Stats.Statements(), len(f.Upgrade))
		}
	}
}
