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
