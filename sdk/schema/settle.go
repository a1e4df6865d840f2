package schema

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"github.com/hoistdb/hoist/dialect"
)

// Execer is a [Querier] that can also execute statements: *sql.DB,
// *sql.Conn and *sql.Tx satisfy it.
type Execer interface {
	Querier
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
}

// Scratcher is the ability of a [dialect.Dialect] to lend an empty
// place of its engine that vanishes afterwards: PostgreSQL a schema
// created in a transaction that is rolled back, MySQL a database that
// is dropped, SQLite a :memory: database. [Settle] applies a described
// schema there and reads it back, so that [Diff] compares inspected
// with inspected.
type Scratcher interface {
	// Scratch runs fn on an empty place reached through db's engine and
	// removes the place afterwards, whatever fn did.
	Scratch(ctx context.Context, db *sql.DB, fn func(q Execer) error) error
}

// Script is a [Changeset] spelt for one dialect: the statements of the
// up and of the down, in order.
type Script struct{ Up, Down []string }

// Render spells the changes for dl with its [Renderer], checked by
// [Plan] against the live schema (the up) and the desired one (the
// down).
func (c *Changeset) Render(dl dialect.Dialect) (*Script, error) {
	r, ok := dl.(Renderer)
	if !ok {
		return nil, fmt.Errorf("schema: the %s dialect cannot render schema changes (it has no schema.Renderer ability)", dl.Name())
	}
	up, after, err := Plan(c.live, c.Up)
	if err != nil {
		return nil, fmt.Errorf("schema: the diff's up does not apply to the live schema: %w", err)
	}
	upSQL, err := r.RenderDDL(c.live, up)
	if err != nil {
		return nil, err
	}
	// The down starts from what the up leaves; the desired schema says
	// it best where it was read back (MySQL's indexes for foreign keys),
	// the plan where the desired schema is silent (tables kept without
	// DropTables).
	base := after.Clone()
	for i, t := range base.Tables {
		if d := c.desired.Table(t.Name); d != nil {
			base.Tables[i] = d.Clone()
		}
	}
	down, _, err := Plan(base, c.Down)
	if err != nil {
		return nil, fmt.Errorf("schema: the diff's down does not apply to the desired schema: %w", err)
	}
	downSQL, err := r.RenderDDL(base, down)
	if err != nil {
		return nil, err
	}
	return &Script{Up: upSQL, Down: downSQL}, nil
}

// Settle returns s as the engine of dl keeps it: s is created in a
// scratch place ([Scratcher]) next to db and read back with dl's
// [Inspector]. Comparing a settled schema with an inspected one shows
// only real differences, not spelling (varchar against character
// varying, 1 against true). Its cost is the engine's for creating every
// table of s, about 2 ms a table on PostgreSQL and MariaDB; where the
// dialect is a [dialect.Scripter] (PostgreSQL), the statements go in
// one round trip.
func Settle(ctx context.Context, db *sql.DB, dl dialect.Dialect, s *Schema) (*Schema, error) {
	sc, ok := dl.(Scratcher)
	if !ok {
		return nil, fmt.Errorf("schema: the %s dialect cannot lend a scratch place (it has no schema.Scratcher ability)", dl.Name())
	}
	ins, ok := dl.(Inspector)
	if !ok {
		return nil, fmt.Errorf("schema: the %s dialect cannot inspect a schema (it has no schema.Inspector ability)", dl.Name())
	}
	cs, err := Diff(s, &Schema{}, DiffOptions{})
	if err != nil {
		return nil, err
	}
	script, err := cs.Render(dl)
	if err != nil {
		return nil, err
	}
	_, batch := dl.(dialect.Scripter)
	batch = batch && len(script.Up) > 1
	out, err := settleScript(ctx, db, sc, ins, script.Up, batch)
	if errors.Is(err, errBatch) {
		// The engine's error does not say which statement of the batch
		// failed: settle again one statement at a time, which does.
		out, err = settleScript(ctx, db, sc, ins, script.Up, false)
	}
	return out, err
}

// errBatch marks the failure of statements sent as one batch.
var errBatch = errors.New("in a batch of statements")

// settleScript runs up in a scratch place, all in one round trip when
// batch, and reads the place back.
func settleScript(ctx context.Context, db *sql.DB, sc Scratcher, ins Inspector, up []string, batch bool) (*Schema, error) {
	var out *Schema
	err := sc.Scratch(ctx, db, func(q Execer) error {
		if batch {
			if _, err := q.ExecContext(ctx, strings.Join(up, ";\n")); err != nil {
				return fmt.Errorf("schema: creating the desired schema in a scratch place: %w (%w)", err, errBatch)
			}
		} else {
			for _, st := range up {
				if _, err := q.ExecContext(ctx, st); err != nil {
					return fmt.Errorf("schema: creating the desired schema in a scratch place: %w\nstatement: %s", err, st)
				}
			}
		}
		var err error
		out, err = ins.InspectSchema(ctx, q)
		return err
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// Compare diffs desired, settled next to db, with the schema db holds
// (without hoist's tables): the changes a migration must make so that
// db matches desired. Only the tables that can differ are settled: a
// desired table that the engine's catalogue would keep exactly as db
// holds it is taken from db, so the cost is an inspection of db plus
// the settling of the changed tables and those they reference. Tables that desired references but does not
// describe (a model's fk to a table no model maps) are taken from the
// database as they are, with their enums, so that they neither fail the
// settling nor count as changes.
func Compare(ctx context.Context, db *sql.DB, dl dialect.Dialect, desired *Schema, opts DiffOptions) (*Changeset, error) {
	live, err := Inspect(ctx, db, dl)
	if err != nil {
		return nil, err
	}
	settled, err := settleChanged(ctx, db, dl, withReferenced(desired, live), live, opts)
	if err != nil {
		return nil, err
	}
	return Diff(settled, live, opts)
}

// withReferenced returns desired with the live tables it references,
// directly or through them, and does not describe, and the live enums
// those use.
func withReferenced(desired, live *Schema) *Schema {
	out := desired
	for changed := true; changed; {
		changed = false
		for _, t := range out.Tables {
			for _, fk := range t.ForeignKeys {
				if out.Table(fk.RefTable) != nil {
					continue
				}
				lt := live.Table(fk.RefTable)
				if lt == nil {
					continue
				}
				if out == desired {
					out = desired.Clone()
				}
				out.Tables = append(out.Tables, lt.Clone())
				for _, c := range lt.Columns {
					if e := live.Enum(c.Enum); c.Type == TypeEnum && e != nil && out.Enum(e.Name) == nil {
						out.Enums = append(out.Enums, &EnumDef{Name: e.Name, Values: append([]string(nil), e.Values...)})
					}
				}
				changed = true
			}
		}
	}
	return out
}
