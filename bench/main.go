// Command bench measures hoist against goose, golang-migrate and a
// hand-written database/sql floor, on PostgreSQL, MariaDB/MySQL and SQLite,
// and writes a markdown table of the results. See README.md.
//
//	cd bench && go run . -reps 5 -out RESULTS.md
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"runtime"
	"runtime/debug"
	"runtime/pprof"
	"slices"
	"strconv"
	"strings"
	"time"
)

// config is what the flags chose.
type config struct {
	Reps      int
	RepsLarge int // repetitions of fresh apply with N >= 1000; 0: Reps
	RepsNoop  int // repetitions of the no-op start; 0: 10 × Reps
	Kinds     []kind
	Tools     []string
	Workloads []string
	Ns        []int // fresh apply sizes
	NoopN     int
	RollbackN int
	ConcN     int
	Procs     int
	MigratedN int // migrations of workload 6
	// Workload 8, fleets (fleet.go).
	FleetN           int // PostgreSQL tenant schemas
	FleetMySQLN      int // MariaDB/MySQL tenant databases
	FleetMigrations  int
	FleetConcurrency int
	childTimeout     time.Duration
}

var allWorkloads = []string{"fresh", "noop", "rollback", "concurrent", "parse", "migrated", "inspect", "diff", "generate", "wait", "fleet"}

// defaultWorkloads leaves out the fleet workload, which takes minutes a
// repetition: it runs when named.
var defaultWorkloads = allWorkloads[:len(allWorkloads)-1]

func main() {
	if len(os.Args) == 2 && os.Args[1] == "-child" {
		os.Exit(runChild())
	}
	os.Exit(run())
}

func splitList(s string) []string {
	var out []string
	for _, f := range strings.Split(s, ",") {
		if f = strings.TrimSpace(f); f != "" {
			out = append(out, f)
		}
	}
	return out
}

func run() int {
	var (
		reps       = flag.Int("reps", 5, "repetitions of every measurement")
		repsLarge  = flag.Int("reps-large", 0, "repetitions of fresh apply with N >= 1000 (0: same as -reps)")
		repsNoop   = flag.Int("reps-noop", 0, "repetitions of the no-op start (0: ten times -reps)")
		engines    = flag.String("engines", "postgres,mysql,sqlite", "engines to measure")
		toolsFlag  = flag.String("tools", strings.Join(allTools, ","), "tools to measure: hoist, hoist-1tx (hoist with WithSingleTransaction; fresh apply on PostgreSQL and SQLite only), goose, migrate (golang-migrate), floor (hand-written database/sql), ddl (the statements alone, no history: the server's share; fresh apply only); and only when named, hoist-durable (hoist with WithDurableCommits; fresh apply only)")
		workloads  = flag.String("workloads", strings.Join(defaultWorkloads, ","), "workloads to run: "+strings.Join(allWorkloads, ", ")+" (fleet only when named)")
		fleetN     = flag.Int("fleet-n", 1000, "PostgreSQL tenant schemas of the fleet workload")
		fleetMyN   = flag.Int("fleet-mysql-n", 100, "MariaDB/MySQL tenant databases of the fleet workload")
		fleetM     = flag.Int("fleet-migrations", 20, "migrations per tenant in the fleet workload")
		fleetConc  = flag.Int("fleet-concurrency", 8, "hoist's WithFleetConcurrency in the fleet workload")
		nFlag      = flag.String("n", "10,100,1000", "numbers of migrations for fresh apply")
		noopN      = flag.Int("noop-n", 1000, "migrations applied before the no-op start")
		rollbackN  = flag.Int("rollback-n", 100, "migrations rolled back")
		concN      = flag.Int("concurrent-n", 100, "migrations in the concurrent start")
		procs      = flag.Int("procs", 8, "processes in the concurrent start")
		migratedN  = flag.Int("migrated-n", 100, "migrations of the testkit.Migrated workload")
		childTO    = flag.Duration("child-timeout", 5*time.Minute, "kill a concurrent-start process after this long")
		out        = flag.String("out", "", "write the markdown report to this file (default: standard output)")
		jsonOut    = flag.String("json", "", "also write every sample as JSON to this file")
		hoistRev   = flag.String("hoist-version", "", "how to name the hoist build in the report (default: git describe of the parent directory)")
		trace      = flag.Bool("trace", false, "print every statement the tools send, with its time (for checking the counts; slows everything down)")
		fromJSON   = flag.String("report", "", "measure nothing: render the markdown report from a file written by -json")
		cpuprofile = flag.String("cpuprofile", "", "write a CPU profile of the run to this file; every measured run carries pprof labels tool, workload and engine (go tool pprof -tagfocus tool=hoist)")
	)
	flag.Parse()
	traceStatements = *trace
	if *fromJSON != "" {
		return render(*fromJSON, *out)
	}
	if flag.NArg() > 0 {
		fmt.Fprintf(os.Stderr, "bench: unexpected arguments %q\n", flag.Args())
		return 2
	}
	cfg := config{Reps: *reps, RepsLarge: *repsLarge, RepsNoop: *repsNoop, NoopN: *noopN, RollbackN: *rollbackN, ConcN: *concN, Procs: *procs, MigratedN: *migratedN, childTimeout: *childTO,
		FleetN: *fleetN, FleetMySQLN: *fleetMyN, FleetMigrations: *fleetM, FleetConcurrency: *fleetConc}
	for _, e := range splitList(*engines) {
		if !slices.Contains(allKinds, kind(e)) {
			fmt.Fprintf(os.Stderr, "bench: unknown engine %q (want postgres, mysql, sqlite)\n", e)
			return 2
		}
		cfg.Kinds = append(cfg.Kinds, kind(e))
	}
	for _, t := range splitList(*toolsFlag) {
		if _, err := newTool(t, false); err != nil {
			fmt.Fprintln(os.Stderr, "bench:", err)
			return 2
		}
		cfg.Tools = append(cfg.Tools, t)
	}
	for _, w := range splitList(*workloads) {
		if !slices.Contains(allWorkloads, w) {
			fmt.Fprintf(os.Stderr, "bench: unknown workload %q (want %s)\n", w, strings.Join(allWorkloads, ", "))
			return 2
		}
		cfg.Workloads = append(cfg.Workloads, w)
	}
	for _, s := range splitList(*nFlag) {
		n, err := strconv.Atoi(s)
		if err != nil || n <= 0 {
			fmt.Fprintf(os.Stderr, "bench: -n: %q is not a positive number\n", s)
			return 2
		}
		cfg.Ns = append(cfg.Ns, n)
	}
	if cfg.RepsNoop == 0 {
		cfg.RepsNoop = 10 * cfg.Reps
	}
	if cfg.Reps <= 0 || cfg.RepsNoop < 0 || len(cfg.Tools) == 0 || cfg.Procs <= 0 || cfg.RollbackN <= 0 || cfg.NoopN <= 0 || cfg.ConcN <= 0 || cfg.MigratedN <= 0 || cfg.FleetN <= 0 || cfg.FleetMySQLN <= 0 || cfg.FleetMigrations <= 0 || cfg.FleetConcurrency <= 0 {
		fmt.Fprintln(os.Stderr, "bench: -reps, -reps-noop, -procs, -noop-n, -rollback-n, -concurrent-n, -migrated-n must be positive and -tools not empty")
		return 2
	}

	if *cpuprofile != "" {
		f, err := os.Create(*cpuprofile)
		if err != nil {
			fmt.Fprintln(os.Stderr, "bench:", err)
			return 1
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			fmt.Fprintln(os.Stderr, "bench:", err)
			return 1
		}
		defer pprof.StopCPUProfile()
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	res := &results{
		Started:   time.Now(),
		Command:   "go run . " + strings.Join(os.Args[1:], " "),
		Config:    cfg,
		Machine:   machine(),
		Versions:  versions(*hoistRev),
		Servers:   map[kind]string{},
		Skipped:   map[kind]string{},
		Templates: map[kind]string{},
	}
	r := &runner{cfg: cfg, results: res}
	servers := r.connect(ctx)
	defer func() {
		for _, s := range servers {
			_ = s.close()
		}
	}()

	for _, w := range cfg.Workloads {
		if w == "parse" {
			res.Parse = runParse(cfg.Reps, r.logf)
			continue
		}
		if w == "diff" {
			var err error
			if res.Diff, err = runDiff(cfg.Reps, r.logf); err != nil {
				r.logf("diff: %v", err)
			}
			continue
		}
		if w == "wait" {
			res.Wait = r.wait(ctx)
			continue
		}
		for _, k := range cfg.Kinds {
			srv, ok := servers[k]
			if !ok {
				continue
			}
			if ctx.Err() != nil {
				break
			}
			switch w {
			case "fresh":
				for _, n := range cfg.Ns {
					r.fresh(ctx, srv, n)
				}
			case "noop":
				r.noop(ctx, srv)
			case "rollback":
				r.rollback(ctx, srv)
			case "concurrent":
				r.concurrent(ctx, srv)
			case "migrated":
				r.migrated(ctx, srv)
			case "inspect":
				r.inspect(ctx, srv)
			case "generate":
				r.generate(ctx, srv)
			case "fleet":
				r.fleet(ctx, srv)
			}
		}
	}
	res.Finished = time.Now()

	if *jsonOut != "" {
		b, _ := json.MarshalIndent(res, "", "  ")
		if err := os.WriteFile(*jsonOut, b, 0o644); err != nil {
			fmt.Fprintln(os.Stderr, "bench:", err)
		}
	}
	w := os.Stdout
	if *out != "" {
		f, err := os.Create(*out)
		if err != nil {
			fmt.Fprintln(os.Stderr, "bench:", err)
			return 1
		}
		defer f.Close()
		w = f
	}
	writeReport(w, res)
	if ctx.Err() != nil {
		fmt.Fprintln(os.Stderr, "bench: interrupted; the report holds what was measured")
		return 1
	}
	return 0
}

// render writes the report of a run saved with -json.
func render(from, out string) int {
	b, err := os.ReadFile(from)
	if err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		return 1
	}
	var res results
	if err := json.Unmarshal(b, &res); err != nil {
		fmt.Fprintf(os.Stderr, "bench: %s: %v\n", from, err)
		return 1
	}
	w := os.Stdout
	if out != "" {
		f, err := os.Create(out)
		if err != nil {
			fmt.Fprintln(os.Stderr, "bench:", err)
			return 1
		}
		defer f.Close()
		w = f
	}
	writeReport(w, &res)
	return 0
}

// connect finds the servers: PostgreSQL and MySQL/MariaDB from the same
// environment variables as hoist's tests, SQLite in a temporary directory.
func (r *runner) connect(ctx context.Context) map[kind]server {
	servers := map[kind]server{}
	for _, k := range r.cfg.Kinds {
		var (
			srv server
			err error
		)
		switch k {
		case postgresKind:
			u := os.Getenv("HOIST_TEST_POSTGRES_URL")
			if u == "" {
				err = errors.New("HOIST_TEST_POSTGRES_URL is not set (e.g. postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable)")
				break
			}
			srv, err = newPGServer(ctx, u)
		case mysqlKind:
			u := os.Getenv("HOIST_TEST_MYSQL_URL")
			if u == "" {
				err = errors.New("HOIST_TEST_MYSQL_URL is not set (e.g. mysql://root:@127.0.0.1:3306/mysql)")
				break
			}
			srv, err = newMySQLServer(ctx, u)
		case sqliteKind:
			srv, err = newSQLiteServer()
		}
		if err != nil {
			r.results.Skipped[k] = err.Error()
			r.logf("skipping %s: %v", k, err)
			continue
		}
		servers[k] = srv
		r.results.Servers[k] = srv.describe(ctx)
		r.logf("%s: %s", k, r.results.Servers[k])
	}
	return servers
}

// machine describes the computer: nproc, free -h, the CPU, the kernel and Go.
func machine() []string {
	sh := func(name string, args ...string) string {
		b, err := exec.Command(name, args...).Output()
		if err != nil {
			return "unknown"
		}
		return strings.TrimSpace(string(b))
	}
	cpu := "unknown"
	if b, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for _, line := range strings.Split(string(b), "\n") {
			if name, ok := strings.CutPrefix(line, "model name"); ok {
				cpu = strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(name), ":"))
				break
			}
		}
	}
	return []string{
		"`nproc`: " + sh("nproc"),
		"CPU: " + cpu,
		"`free -h`:\n\n  ```\n  " + strings.ReplaceAll(sh("free", "-h"), "\n", "\n  ") + "\n  ```\n",
		"kernel: " + sh("uname", "-sr"),
		"Go: " + runtime.Version() + " " + runtime.GOOS + "/" + runtime.GOARCH + fmt.Sprintf(", GOMAXPROCS %d", runtime.GOMAXPROCS(0)),
	}
}

// versions names the modules under test, from the build information.
func versions(hoistRev string) []string {
	want := []string{
		"github.com/pressly/goose/v3",
		"github.com/golang-migrate/migrate/v4",
		"github.com/jackc/pgx/v5",
		"github.com/go-sql-driver/mysql",
		"modernc.org/sqlite",
	}
	if hoistRev == "" {
		hoistRev = hoistRevision()
	}
	out := []string{"hoist " + hoistRev}
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return out
	}
	for _, path := range want {
		for _, d := range info.Deps {
			if d.Path == path {
				out = append(out, path+" "+d.Version)
			}
		}
	}
	return out
}

// hoistRevision is the commit of the working tree bench was run from
// (hoist is replaced by ../, so the build information has no version).
func hoistRevision() string {
	b, err := exec.Command("git", "-C", "..", "describe", "--always", "--dirty").Output()
	if err != nil {
		return "(working tree)"
	}
	return "at " + strings.TrimSpace(string(b))
}
