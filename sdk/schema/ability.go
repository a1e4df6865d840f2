package schema

import (
	"context"
	"database/sql"
	"fmt"
	"slices"

	"github.com/hoistdb/hoist/dialect"
)

// Renderer is the ability of a [dialect.Dialect] to spell schema changes
// as DDL. The dialects in this module have it; the migrations of
// [Migration] need it, and a dialect for another engine can add it.
type Renderer interface {
	// RenderDDL returns the statements that make changes, which [Plan]
	// has checked against current, in order.
	RenderDDL(current *Schema, changes []Change) ([]string, error)
}

// Querier is what inspection reads the catalogue through: *sql.DB,
// *sql.Conn, *sql.Tx and sdk.Tx all satisfy it.
type Querier interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

// Inspector is the ability of a [dialect.Dialect] to read the schema of
// a database back into the model.
type Inspector interface {
	// InspectSchema reads every table and named enum of the current
	// database (MySQL, SQLite) or schema (PostgreSQL's current_schema()),
	// sorted as [Schema.Sort] sorts.
	InspectSchema(ctx context.Context, q Querier) (*Schema, error)
	// Catalogued returns s as the engine's catalogue keeps it, which is
	// what InspectSchema reads after s is applied: [Schema.Catalogued],
	// and less where the engine keeps less (no enum names on MySQL and
	// SQLite, no comments on SQLite, the indexes MySQL adds for foreign
	// keys).
	Catalogued(s *Schema) *Schema
}

// Inspect reads the schema of the database q reaches through the
// dialect d, without hoist's own tables: the history table (default
// hoist_migrations), its seed and schema metadata tables, and any table
// in exclude. The names catalogues cannot hold are left out; see
// [InspectWithMetadata].
func Inspect(ctx context.Context, q Querier, d dialect.Dialect, exclude ...string) (*Schema, error) {
	ins, ok := d.(Inspector)
	if !ok {
		return nil, fmt.Errorf("schema: the %s dialect cannot inspect a schema (it has no schema.Inspector ability)", d.Name())
	}
	s, err := ins.InspectSchema(ctx, q)
	if err != nil {
		return nil, fmt.Errorf("schema: inspecting %s: %w", d.Name(), err)
	}
	skip := append([]string{"hoist_migrations", "hoist_migrations_seeds", "hoist_migrations_schema", "hoist_migrations_events"}, exclude...)
	s.Tables = slices.DeleteFunc(s.Tables, func(t *TableDef) bool { return slices.Contains(skip, t.Name) })
	return s, nil
}

// ConnPreparer is an optional ability of a dialect whose engine runs some
// of the DDL it renders only with a connection setting that cannot change
// inside a transaction. SQLite needs it: a table that other tables
// reference is rebuilt only with foreign keys off (dropping the old table
// would run the references' ON DELETE actions), and PRAGMA foreign_keys
// does nothing inside a transaction. A schema migration run by a Migrator
// calls PrepareConn on the lock's connection before its transaction
// begins, and CheckConn inside it.
type ConnPreparer interface {
	// PrepareConn sets on conn, outside any transaction, what the DDL of
	// changes (checked by [Plan] against current) needs. It returns
	// restore, which puts conn back after the transaction has ended, and
	// verify, which runs in the transaction after the DDL and before the
	// commit (SQLite: PRAGMA foreign_key_check); both nil when it set
	// nothing.
	PrepareConn(ctx context.Context, conn *sql.Conn, current *Schema, changes []Change) (restore func(context.Context) error, verify func(context.Context, Querier) error, err error)
	// CheckConn refuses, in the transaction and before any DDL runs, DDL
	// of changes that q's connection is not set up to run safely (a
	// migration run without PrepareConn).
	CheckConn(ctx context.Context, q Querier, current *Schema, changes []Change) error
	// PreviewConn returns, for a dry run, the statements PrepareConn
	// would run before the transaction and those that verify and
	// restore would run after the DDL, as they would for a connection
	// set up as q's is, so that the dry run lists them with the DDL.
	PreviewConn(ctx context.Context, q Querier, current *Schema, changes []Change) (before, after []string, err error)
}
