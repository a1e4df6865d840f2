package sdk

import (
	"context"
	"database/sql"
	"fmt"
	"math"
	"strings"
)

// scanAll reads what it can of every target's history before any runs:
// the history of every schema or MySQL database in a few queries; for
// PostgreSQL databases and SQLite files only which exist (their history
// is read by each target's own boot).
func (f *Fleet) scanAll(ctx context.Context, names []string) (map[string]targetScan, error) {
	switch f.kind {
	case kindSchemas:
		return f.scan(ctx, names)
	case kindMySQLDatabases:
		return f.scanMySQL(ctx, names)
	}
	exist, err := f.existing(ctx, names)
	if err != nil {
		return nil, err
	}
	out := make(map[string]targetScan, len(names))
	for _, s := range names {
		out[s] = targetScan{noSchema: !exist[s]}
	}
	return out, nil
}

// targetScan is what fleetScan read of one target's history.
type targetScan struct {
	known    bool // the history was read (or is known to be missing)
	missing  bool // no history table
	noSchema bool // no such schema
	marked   bool // up to date by its mark (fleet_mark.go), history not read
	armed    bool // the trigger that clears the mark is in place
	rows     []scanRow
}

type scanRow struct {
	version  int64
	state    string
	checksum []byte
}

// signed is the row as the boot query reads it: the version, negated
// unless the row records an applied migration with a checksum.
func (r scanRow) signed() int64 {
	if r.state == string(StateApplied) && r.checksum != nil {
		return r.version
	}
	return -r.version
}

// boot decides the target's boot state for a run up to target from its
// scanned rows with the rules of a single Migrator's boot (up.go). A
// mark says every migration of the set is applied: done for any target.
func (t targetScan) boot(m *Migrator, target int64) bootState {
	if t.marked {
		return bootDone
	}
	if t.missing {
		return bootPending
	}
	var b bootCount
	for _, r := range t.rows {
		countBootRow(m, &b, r.signed(), r.checksum, target)
	}
	return m.bootResult(b, target)
}

func (t targetScan) status(m *Migrator, target string) TargetStatus {
	s := TargetStatus{Target: target, Pending: len(m.migrations), NoSchema: t.noSchema}
	if t.marked {
		s.Pending = 0
		return s
	}
	if !t.known || t.missing {
		return s
	}
	var b bootCount
	for _, r := range t.rows {
		if r.signed() < 0 && (s.FailedAt == 0 || r.version < s.FailedAt) {
			s.FailedAt = r.version
		}
		countBootRow(m, &b, r.signed(), r.checksum, math.MaxInt64)
	}
	s.Pending = len(m.migrations) - b.applied
	s.Changed = b.check && s.FailedAt == 0
	return s
}

// fleetScanChunk bounds the schemas of one catalog or UNION ALL query.
const fleetScanChunk = 500

// scan reads the history of every schema target (scanChunks): the
// catalog query looks in pg_namespace and pg_class.
func (f *Fleet) scan(ctx context.Context, names []string) (map[string]targetScan, error) {
	catalog := func(in string) string {
		return "SELECT n.nspname, c.oid IS NOT NULL, " + markColumn() + " FROM pg_namespace n LEFT JOIN pg_class c ON c.relnamespace = n.oid AND c.relname = " +
			quoteLiteral(DefaultTable) + " AND c.relkind IN ('r', 'p') WHERE n.nspname IN (" + in + ")"
	}
	// OFFSET 0 keeps PostgreSQL from pulling the legs up into one
	// append relation, whose planning grows with the square of the
	// legs (3 s for 1,000 legs against 0.4 s planned leg by leg).
	leg := func(s string) string {
		return "(SELECT " + quoteLiteral(s) + " AS target, version, state, checksum FROM " + f.dialect.QuoteIdent(s+"."+DefaultTable) + " OFFSET 0)"
	}
	return f.scanChunks(ctx, names, quoteLiteral, catalog, leg)
}

// scanChunks reads the history of every target through the fleet's
// pool, fleetScanChunk targets at a time: catalog, given the chunk's
// names as a list of literals (spelt by literal), selects each target that exists,
// whether it has a history table, and its up-to-date mark (markColumn;
// NULL on MySQL); one UNION ALL of leg over those that have a history
// and no mark of this migration set reads their rows (target, version,
// state, checksum). A chunk whose UNION ALL fails (a table dropped in
// between) is left unknown, for each target's own boot.
func (f *Fleet) scanChunks(ctx context.Context, names []string, literal, catalog, leg func(string) string) (map[string]targetScan, error) {
	out := make(map[string]targetScan, len(names))
	var want string // the mark of an up-to-date schema
	if f.kind == kindSchemas {
		want = upToDateMark(f.tmpl)
	}
	for lo := 0; lo < len(names); lo += fleetScanChunk {
		chunk := names[lo:min(lo+fleetScanChunk, len(names))]
		lits := make([]string, len(chunk))
		for i, s := range chunk {
			lits[i] = literal(s)
			out[s] = targetScan{known: true, missing: true, noSchema: true}
		}
		rows, err := f.db.QueryContext(ctx, catalog(strings.Join(lits, ", ")))
		if err != nil {
			return nil, fmt.Errorf("hoist: fleet: finding the targets' history tables: %w", err)
		}
		var have []string
		for rows.Next() {
			var (
				s       string
				history bool
				mark    sql.NullString
			)
			if err := rows.Scan(&s, &history, &mark); err != nil {
				rows.Close()
				return nil, err
			}
			out[s] = targetScan{known: true, missing: true}
			switch {
			case history && want != "" && mark.Valid && mark.String == want:
				out[s] = targetScan{known: true, marked: true, armed: true}
			case history:
				out[s] = targetScan{known: true, armed: mark.Valid}
				have = append(have, s)
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, err
		}
		if len(have) == 0 {
			continue
		}
		parts := make([]string, len(have))
		for i, s := range have {
			parts[i] = leg(s)
		}
		if err := f.scanRows(ctx, strings.Join(parts, " UNION ALL "), out); err != nil {
			if ctx.Err() != nil {
				return nil, err
			}
			for _, s := range have {
				out[s] = targetScan{armed: out[s].armed}
			}
		}
	}
	return out, nil
}

func (f *Fleet) scanRows(ctx context.Context, query string, out map[string]targetScan) error {
	rows, err := f.db.QueryContext(ctx, query)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var (
			s   string
			r   scanRow
			sum []byte
		)
		if err := rows.Scan(&s, &r.version, &r.state, &sum); err != nil {
			return err
		}
		r.checksum = sum
		t := out[s]
		t.rows = append(t.rows, r)
		out[s] = t
	}
	return rows.Err()
}

// quoteLiteral is a PostgreSQL escape string literal, which reads the
// same whatever standard_conforming_strings says.
func quoteLiteral(s string) string {
	return "E'" + literalEscaper.Replace(s) + "'"
}

var literalEscaper = strings.NewReplacer(`\`, `\\`, "'", "''")
