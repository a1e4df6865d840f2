package sdk

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"

	"github.com/hoistdb/hoist/dialect"
)

// Database targets: a fleet whose tenants are databases of their own
// rather than schemas of one. Each target is migrated through a pool of
// its own, opened by the application's TargetOpener for the run and
// closed after it, so that the target is the current database of every
// connection hoist uses: migrations run unchanged (outside a transaction
// too), the history table is the database's own hoist_migrations, and
// the lock is the usual one of that database (on MySQL GET_LOCK's name
// holds the database's name, as user locks are server-wide). The pool
// given to NewFleet only lists, reads and creates the targets: on MySQL
// the no-op boot of every database is read through it in a few queries.

// TargetOpener opens a pool on one target of a fleet of databases: the
// database of that name (for a DSN such as
// "user@tcp(host)/"+target+"?parseTime=true"), or on SQLite the file at
// that path. Like sql.Open it should not connect; hoist closes the pool
// when it is done with the target.
type TargetOpener func(target string) (*sql.DB, error)

// WithDatabaseTargets makes the fleet's targets databases of their own,
// opened with open, instead of schemas of the db given to [NewFleet].
// The dialect says which: MySQL/MariaDB databases of one server,
// PostgreSQL databases of one server, or SQLite files. Target names are
// database names (letters, digits, underscores, $ on MySQL; at most 64
// characters, 63 on PostgreSQL), or on SQLite file paths.
func WithDatabaseTargets(open TargetOpener) FleetOption {
	return func(c *fleetConfig) error {
		if open == nil {
			return errors.New("WithDatabaseTargets: nil opener")
		}
		c.open = open
		return nil
	}
}

// fleetKind is what a fleet's targets are.
type fleetKind int

const (
	kindSchemas fleetKind = iota
	kindMySQLDatabases
	kindPostgresDatabases
	kindSQLiteFiles
)

func fleetKindOf(d dialect.Dialect, databases bool) (fleetKind, error) {
	switch {
	case d.Name() == "postgres" && !databases:
		return kindSchemas, nil
	case !databases:
		return 0, fmt.Errorf("hoist: NewFleet: a fleet of schemas needs the PostgreSQL dialect; for %s, give WithDatabaseTargets", d.Name())
	case d.Name() == "postgres":
		return kindPostgresDatabases, nil
	case d.Name() == "mysql":
		return kindMySQLDatabases, nil
	case d.Name() == "sqlite":
		return kindSQLiteFiles, nil
	}
	return 0, fmt.Errorf("hoist: NewFleet: fleets do not know the %s dialect", d.Name())
}

func (k fleetKind) noun() string {
	switch k {
	case kindSchemas:
		return "schema"
	case kindSQLiteFiles:
		return "file"
	}
	return "database"
}

var (
	mysqlDatabaseName    = regexp.MustCompile(`^[A-Za-z0-9_$]{1,64}$`)
	postgresDatabaseName = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]{0,62}$`)
)

// checkName refuses a target name that hoist would have to quote in a
// way it does not, or that cannot be one target.
func (k fleetKind) checkName(s string) error {
	switch k {
	case kindSchemas:
		return checkSchemaName(s)
	case kindMySQLDatabases:
		if !mysqlDatabaseName.MatchString(s) {
			return fmt.Errorf("hoist: fleet target %q: a MySQL database name must be letters, digits, underscores and $, at most 64 characters", s)
		}
	case kindPostgresDatabases:
		if !postgresDatabaseName.MatchString(s) {
			return fmt.Errorf("hoist: fleet target %q: a PostgreSQL database name must be letters, digits and underscores, not starting with a digit, at most 63 characters", s)
		}
	case kindSQLiteFiles:
		if s == "" || strings.ContainsRune(s, 0) {
			return fmt.Errorf("hoist: fleet target %q: not a file path", s)
		}
	}
	return nil
}

// openDatabase builds the Migrator of a database target on a pool of its
// own, and returns what closes that pool.
func (f *Fleet) openDatabase(name string) (*Migrator, func(), error) {
	if err := f.kind.checkName(name); err != nil {
		return nil, nil, err
	}
	db, err := f.cfg.open(name)
	if err != nil {
		return nil, nil, fmt.Errorf("hoist: fleet: opening %s %s: %w", f.kind.noun(), name, err)
	}
	if db == nil {
		return nil, nil, fmt.Errorf("hoist: fleet: the opener returned no pool for %s %s", f.kind.noun(), name)
	}
	m, err := New(db, f.dialect, f.cfg.opts...)
	if err != nil {
		db.Close()
		return nil, nil, err
	}
	return m, func() { db.Close() }, nil
}

// systemDatabases are left out of a MySQL pattern.
var systemDatabases = []string{"information_schema", "mysql", "performance_schema", "sys"}

// listDatabases lists the databases (or files) that match the fleet's
// pattern: one query, or a glob.
func (f *Fleet) listDatabases(ctx context.Context) ([]string, error) {
	var query string
	switch f.kind {
	case kindSQLiteFiles:
		var names []string
		for _, p := range strings.Split(f.targets.pattern, ",") {
			found, err := filepath.Glob(p)
			if err != nil {
				return nil, fmt.Errorf("hoist: listing files for pattern %q: %w", f.targets.pattern, err)
			}
			names = append(names, found...)
		}
		slices.Sort(names)
		return slices.Compact(names), nil
	case kindMySQLDatabases:
		query = "SELECT SCHEMA_NAME FROM information_schema.SCHEMATA ORDER BY SCHEMA_NAME"
	default:
		query = "SELECT datname FROM pg_database WHERE NOT datistemplate AND datallowconn ORDER BY datname"
	}
	rows, err := f.db.QueryContext(ctx, query)
	if err != nil {
		return nil, fmt.Errorf("hoist: listing databases for pattern %q: %w", f.targets.pattern, err)
	}
	defer rows.Close()
	var names []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			return nil, err
		}
		if matchPattern(f.targets.pattern, s) && !slices.Contains(systemDatabases, s) && f.kind.checkName(s) == nil {
			names = append(names, s)
		}
	}
	return names, rows.Err()
}

// create creates a target if it is missing, for Ensure.
func (f *Fleet) create(ctx context.Context, name string) error {
	var err error
	switch f.kind {
	case kindSchemas:
		_, err = f.db.ExecContext(ctx, "CREATE SCHEMA IF NOT EXISTS "+f.dialect.QuoteIdent(name))
	case kindMySQLDatabases:
		_, err = f.db.ExecContext(ctx, "CREATE DATABASE IF NOT EXISTS "+f.dialect.QuoteIdent(name))
	case kindPostgresDatabases:
		var n int
		if err = f.db.QueryRowContext(ctx, "SELECT count(*) FROM pg_database WHERE datname = "+quoteLiteral(name)).Scan(&n); err == nil && n == 0 {
			_, err = f.db.ExecContext(ctx, "CREATE DATABASE "+f.dialect.QuoteIdent(name))
			var state interface{ SQLState() string }
			if errors.As(err, &state) && state.SQLState() == "42P04" { // duplicate_database: created meanwhile
				err = nil
			}
		}
	case kindSQLiteFiles:
		// Opening the file creates it.
	}
	if err != nil {
		return fmt.Errorf("hoist: creating %s %s: %w", f.kind.noun(), name, err)
	}
	return nil
}

// existing finds which of names exist, for the targets that no scan
// reads: one query per chunk on PostgreSQL, a stat per file on SQLite.
func (f *Fleet) existing(ctx context.Context, names []string) (map[string]bool, error) {
	out := make(map[string]bool, len(names))
	if f.kind == kindSQLiteFiles {
		for _, s := range names {
			_, err := os.Stat(s)
			out[s] = err == nil
		}
		return out, nil
	}
	for lo := 0; lo < len(names); lo += fleetScanChunk {
		chunk := names[lo:min(lo+fleetScanChunk, len(names))]
		lits := make([]string, len(chunk))
		for i, s := range chunk {
			lits[i] = quoteLiteral(s)
		}
		rows, err := f.db.QueryContext(ctx, "SELECT datname FROM pg_database WHERE datname IN ("+strings.Join(lits, ", ")+")")
		if err != nil {
			return nil, fmt.Errorf("hoist: fleet: finding the target databases: %w", err)
		}
		for rows.Next() {
			var s string
			if err := rows.Scan(&s); err != nil {
				rows.Close()
				return nil, err
			}
			out[s] = true
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// scanMySQL reads the history of every MySQL database target through
// the fleet's pool (scanChunks): the catalog query looks in
// information_schema (and has no up-to-date mark to give: NULL), and the
// UNION ALL reads `db`.hoist_migrations of many databases from one
// connection.
func (f *Fleet) scanMySQL(ctx context.Context, names []string) (map[string]targetScan, error) {
	table := f.tmpl.table
	literal := func(s string) string { return "'" + s + "'" } // checkName: no quote, no backslash
	catalog := func(in string) string {
		return "SELECT s.SCHEMA_NAME, COUNT(t.TABLE_NAME) > 0, NULL FROM information_schema.SCHEMATA s LEFT JOIN information_schema.TABLES t ON t.TABLE_SCHEMA = s.SCHEMA_NAME AND t.TABLE_NAME = " +
			literal(table) + " WHERE s.SCHEMA_NAME IN (" + in + ") GROUP BY s.SCHEMA_NAME"
	}
	leg := func(s string) string {
		return "SELECT " + literal(s) + " AS target, version, state, checksum FROM " + f.dialect.QuoteIdent(s) + "." + f.dialect.QuoteIdent(table)
	}
	return f.scanChunks(ctx, names, literal, catalog, leg)
}

// readTarget reads one target's history through its own Migrator: the
// scan of the kinds that cannot read many targets in one query.
func readTarget(ctx context.Context, m *Migrator) (targetScan, error) {
	rows, err := m.db.QueryContext(ctx, "SELECT version, state, checksum FROM "+m.dialect.QuoteIdent(m.table))
	if err != nil {
		if m.dialect.IsMissingTable(err) {
			return targetScan{known: true, missing: true}, nil
		}
		return targetScan{}, err
	}
	defer rows.Close()
	t := targetScan{known: true}
	for rows.Next() {
		var r scanRow
		if err := rows.Scan(&r.version, &r.state, &r.checksum); err != nil {
			return targetScan{}, err
		}
		t.rows = append(t.rows, r)
	}
	return t, rows.Err()
}
