package main

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"io"
	"io/fs"
	"slices"
	"testing"
	"time"

	"github.com/golang-migrate/migrate/v4/source"
	"github.com/golang-migrate/migrate/v4/source/iofs"
	"github.com/pressly/goose/v3"

	"github.com/hoistdb/hoist/dialect/postgres"
	"github.com/hoistdb/hoist/embedfs"
	"github.com/hoistdb/hoist/sdk"
)

// parseFiles is the number of files each parsing benchmark reads.
const parseFiles = 10_000

// parseCase is one parsing benchmark: workload 5.
type parseCase struct {
	Name  string // also the sub-benchmark name of BenchmarkParse
	Files int
	// Migrations is how many migrations the files hold (pairs: half).
	Migrations int
	// What says what the call does with the files.
	What string
	fn   func(b *testing.B)
}

// noConnector is a driver.Connector that never connects: the tools only
// need a *sql.DB to be built, and none of these benchmarks touches it.
type noConnector struct{}

func (noConnector) Connect(context.Context) (driver.Conn, error) {
	return nil, errors.New("bench: the parsing benchmarks do not connect")
}
func (noConnector) Driver() driver.Driver { return nil }

func parseCases() []parseCase {
	hoistFS := generateFiles(formatHoist, parseFiles)
	gooseFS := generateFiles(formatGoose, parseFiles)
	pairsFS := generateFiles(formatPairs, parseFiles)
	db := sql.OpenDB(noConnector{})
	readMigrations := func(fsys *memFS) func(b *testing.B) {
		return func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := embedfs.ReadMigrations(fsys); err != nil {
					b.Fatal(err)
				}
			}
		}
	}
	return []parseCase{
		{
			Name: "hoist_ReadMigrations_native", Files: parseFiles, Migrations: parseFiles,
			What: "embedfs.ReadMigrations: reads, splits and checksums every file",
			fn:   readMigrations(hoistFS),
		},
		{
			Name: "hoist_sdk_New_native", Files: parseFiles, Migrations: parseFiles,
			What: "sdk.New(db, postgres.New(), WithFS): ReadMigrations plus building the Migrator",
			fn: func(b *testing.B) {
				b.ReportAllocs()
				for b.Loop() {
					if _, err := sdk.New(db, postgres.New(), sdk.WithFS(hoistFS), sdk.WithLogger(discard)); err != nil {
						b.Fatal(err)
					}
				}
			},
		},
		{
			Name: "hoist_ReadMigrations_goose", Files: parseFiles, Migrations: parseFiles,
			What: "embedfs.ReadMigrations of the goose files",
			fn:   readMigrations(gooseFS),
		},
		{
			Name: "hoist_ReadMigrations_pairs", Files: parseFiles, Migrations: parseFiles / 2,
			What: "embedfs.ReadMigrations of the golang-migrate pairs",
			fn:   readMigrations(pairsFS),
		},
		{
			Name: "goose_NewProvider", Files: parseFiles, Migrations: parseFiles,
			What: "goose.NewProvider: lists the files and parses their names; goose parses the SQL lazily, at Up, with an internal parser that cannot be called on its own",
			fn: func(b *testing.B) {
				b.ReportAllocs()
				for b.Loop() {
					if _, err := goose.NewProvider(goose.DialectPostgres, db, gooseFS); err != nil {
						b.Fatal(err)
					}
				}
			},
		},
		{
			Name: "migrate_iofs_New", Files: parseFiles, Migrations: parseFiles / 2,
			What: "iofs.New: lists the files and parses their names; golang-migrate reads a file when it runs it and sends it whole",
			fn: func(b *testing.B) {
				b.ReportAllocs()
				for b.Loop() {
					if _, err := iofs.New(pairsFS, "."); err != nil {
						b.Fatal(err)
					}
				}
			},
		},
		{
			Name: "migrate_iofs_New_ReadUp_all", Files: parseFiles, Migrations: parseFiles / 2,
			What: "iofs.New, then ReadUp and read every up file, as Up does over a whole run",
			fn: func(b *testing.B) {
				b.ReportAllocs()
				for b.Loop() {
					src, err := iofs.New(pairsFS, ".")
					if err != nil {
						b.Fatal(err)
					}
					if err := readAllUp(src); err != nil {
						b.Fatal(err)
					}
				}
			},
		},
	}
}

func readAllUp(src source.Driver) error {
	v, err := src.First()
	for err == nil {
		rc, _, rerr := src.ReadUp(v)
		if rerr != nil {
			return rerr
		}
		if _, rerr := io.ReadAll(rc); rerr != nil {
			return rerr
		}
		rc.Close()
		v, err = src.Next(v)
	}
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	return err
}

// parseResult is one parsing benchmark's outcome: the median of its
// repetitions, each a full testing.Benchmark.
type parseResult struct {
	parseCase
	NsPerOp     int64
	MinNsPerOp  int64
	MaxNsPerOp  int64
	AllocsPerOp int64
	BytesPerOp  int64
	Reps        int
}

func runParse(reps int, logf func(string, ...any)) []parseResult {
	var out []parseResult
	for _, c := range parseCases() {
		var (
			ns     []time.Duration
			allocs []int64
			bytes  []int64
		)
		for range reps {
			r := testing.Benchmark(c.fn)
			ns = append(ns, durNs(r.NsPerOp()))
			allocs = append(allocs, r.AllocsPerOp())
			bytes = append(bytes, r.AllocedBytesPerOp())
			logf("parse      %-30s %10s/op %9d allocs/op %12d B/op (%d iterations)", c.Name, fmtDur(durNs(r.NsPerOp())), r.AllocsPerOp(), r.AllocedBytesPerOp(), r.N)
		}
		med, lo, hi := median(ns)
		slices.Sort(allocs)
		slices.Sort(bytes)
		out = append(out, parseResult{parseCase: c, NsPerOp: int64(med), MinNsPerOp: int64(lo), MaxNsPerOp: int64(hi),
			AllocsPerOp: allocs[len(allocs)/2], BytesPerOp: bytes[len(bytes)/2], Reps: reps})
	}
	return out
}
