package schema

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/hoistdb/hoist/dialect"
	"github.com/hoistdb/hoist/sdk"
)

// Definition is a schema migration as the builder recorded it: its
// changes up and, where they are known, down. [Migration] turns one into
// an [sdk.Migration]; tests use it to see what a migration describes.
type Definition struct {
	Version int64
	Name    string
	Up      []Change
	// Down undoes Up; nil when Up holds a change whose inverse the
	// builder cannot know (a drop) and no down was given.
	Down []Change
	// Err holds every mistake the builder saw, each an [*Error].
	Err error
}

// Define records the changes fn makes, and derives the down: a created
// table is dropped, an added column, index or foreign key removed, a
// rename undone, an enum this migration created dropped once no column
// uses it. A drop makes the down unknown; see [DefineWithDown].
func Define(version int64, name string, fn func(s *Builder)) *Definition {
	d := define(version, name, fn)
	d.Down = nil
	var down []Change
	for i := len(d.Up) - 1; i >= 0; i-- {
		inv, ok := inverse(d.Up[i])
		if !ok {
			return d
		}
		down = append(down, inv)
	}
	d.Down = down
	if down == nil {
		d.Down = []Change{}
	}
	return d
}

// DefineWithDown is [Define] with an explicit down, for migrations whose
// inverse the builder cannot derive.
func DefineWithDown(version int64, name string, up, down func(s *Builder)) *Definition {
	d := define(version, name, up)
	dd := define(version, name, down)
	d.Down = dd.Up
	d.Err = errors.Join(d.Err, dd.Err)
	return d
}

func define(version int64, name string, fn func(s *Builder)) *Definition {
	b := &Builder{}
	fn(b)
	mig := fmt.Sprintf("%d %q", version, name)
	for _, err := range b.errs {
		var e *Error
		if errors.As(err, &e) {
			e.Migration = mig
		}
	}
	return &Definition{Version: version, Name: name, Up: b.changes, Err: errors.Join(b.errs...)}
}

// Migration returns the schema migration fn describes, for
// [sdk.WithMigrations]. Its down is derived as [Define] says; a
// migration that drops something is irreversible unless it is built with
// [MigrationWithDown]. Mistakes the builder sees fail [sdk.New].
func Migration(version int64, name string, fn func(s *Builder)) sdk.Migration {
	return Define(version, name, fn).Migration()
}

// MigrationWithDown is [Migration] with an explicit down.
func MigrationWithDown(version int64, name string, up, down func(s *Builder)) sdk.Migration {
	return DefineWithDown(version, name, up, down).Migration()
}

// Migration returns d as an [sdk.Migration]. When it runs, it inspects
// the schema it runs on (with the metadata earlier schema migrations
// kept, see [InspectWithMetadata]), checks its changes against it ([Plan]),
// renders them for the Migrator's dialect and only then executes them;
// the Migrator keeps d's metadata (field, relation and enum names) with
// its history row.
func (d *Definition) Migration() sdk.Migration {
	steps := sdk.DialectSteps{
		Check: d.check,
		Meta:  metaRows(d.Up),
		Up:    func(ctx context.Context, dl dialect.Dialect, tx sdk.Tx) error { return d.run(ctx, dl, tx, d.Up) },
		Around: func(ctx context.Context, dl dialect.Dialect, conn *sql.Conn, dir sdk.Direction) (context.Context, func(context.Context) error, error) {
			if dir == sdk.Down {
				return d.around(ctx, dl, conn, d.Down)
			}
			return d.around(ctx, dl, conn, d.Up)
		},
		Preview: func(ctx context.Context, dl dialect.Dialect, q sdk.Tx, dir sdk.Direction, st *sdk.PreviewState) ([]string, error) {
			if dir == sdk.Down {
				return d.preview(ctx, dl, q, d.Down, st)
			}
			return d.preview(ctx, dl, q, d.Up, st)
		},
	}
	if d.Down != nil {
		steps.Down = func(ctx context.Context, dl dialect.Dialect, tx sdk.Tx) error { return d.run(ctx, dl, tx, d.Down) }
	}
	return sdk.DialectMigration(d.Version, d.Name, steps)
}

// check is what sdk.New runs. The engine names the migration in its own
// errors, so the builder's errors leave it out here.
func (d *Definition) check(dl dialect.Dialect) error {
	if d.Err != nil {
		return unnamed(d.Err)
	}
	if _, ok := dl.(Renderer); !ok {
		return fmt.Errorf("the %s dialect cannot render schema migrations (it has no schema.Renderer ability)", dl.Name())
	}
	if _, ok := dl.(Inspector); !ok {
		return fmt.Errorf("the %s dialect cannot inspect a schema (it has no schema.Inspector ability)", dl.Name())
	}
	return nil
}

// Statements returns the DDL of changes, checked against current, as the
// dialect dl renders it.
func (d *Definition) Statements(dl dialect.Dialect, current *Schema, changes []Change) ([]string, error) {
	if err := d.check(dl); err != nil {
		return nil, err
	}
	planned, _, err := plan(fmt.Sprintf("%d %q", d.Version, d.Name), current, changes)
	if err != nil {
		return nil, err
	}
	return dl.(Renderer).RenderDDL(current, planned)
}

// Apply returns current with d's up applied, as the builder describes
// it: what a database holds after the migration ran.
func (d *Definition) Apply(current *Schema) (*Schema, error) {
	if d.Err != nil {
		return nil, d.Err
	}
	_, after, err := plan(fmt.Sprintf("%d %q", d.Version, d.Name), current, d.Up)
	if err != nil {
		return nil, err
	}
	after.Sort()
	return after, nil
}

func (d *Definition) run(ctx context.Context, dl dialect.Dialect, tx sdk.Tx, changes []Change) error {
	current, err := currentWithMetadata(ctx, dl.(Inspector), tx)
	if err != nil {
		return err
	}
	stmts, err := d.Statements(dl, current, changes)
	if err != nil {
		return unnamed(err)
	}
	if cp, ok := dl.(ConnPreparer); ok {
		planned, _, err := plan("", current, changes)
		if err != nil {
			return unnamed(err)
		}
		if err := cp.CheckConn(ctx, tx, current, planned); err != nil {
			return err
		}
	}
	for _, st := range stmts {
		if _, err := tx.ExecContext(ctx, st); err != nil {
			return fmt.Errorf("%w\nstatement: %s", err, st)
		}
	}
	if v, ok := ctx.Value(verifyKey{d}).(func(context.Context, Querier) error); ok {
		return v(ctx, tx)
	}
	return nil
}

// verifyKey carries, from around to run, the check the dialect asked
// for after the DDL of d.
type verifyKey struct{ d *Definition }

// around lets a dialect with the [ConnPreparer] ability set up the
// migration's connection before its transaction. It inspects the schema
// there (read-only, under the migration lock, so the transaction sees
// the same); a mistake that planning finds is left for run to report,
// as it is everywhere else.
func (d *Definition) around(ctx context.Context, dl dialect.Dialect, conn *sql.Conn, changes []Change) (context.Context, func(context.Context) error, error) {
	cp, ok := dl.(ConnPreparer)
	if !ok || d.Err != nil {
		return ctx, nil, nil
	}
	current, err := currentWithMetadata(ctx, dl.(Inspector), conn)
	if err != nil {
		return ctx, nil, err
	}
	planned, _, err := plan("", current, changes)
	if err != nil {
		return ctx, nil, nil
	}
	restore, verify, err := cp.PrepareConn(ctx, conn, current, planned)
	if err != nil {
		return ctx, nil, err
	}
	if verify != nil {
		ctx = context.WithValue(ctx, verifyKey{d}, verify)
	}
	return ctx, restore, nil
}

// previewKey keeps, in a dry run's [sdk.PreviewState], the schema as the
// schema migrations previewed so far would leave it.
type previewKey struct{}

// preview renders changes for a dry run, without running them: against
// the schema that the schema migrations before it in the dry run would
// leave, or, for the first one, the schema read now (read-only, with the
// metadata kept so far).
func (d *Definition) preview(ctx context.Context, dl dialect.Dialect, q sdk.Tx, changes []Change, st *sdk.PreviewState) ([]string, error) {
	if err := d.check(dl); err != nil {
		return nil, err
	}
	current, ok := st.Value(previewKey{}).(*Schema)
	if !ok {
		var err error
		if current, err = currentWithMetadata(ctx, dl.(Inspector), q); err != nil {
			return nil, err
		}
	}
	planned, after, err := plan("", current, changes)
	if err != nil {
		return nil, unnamed(err)
	}
	stmts, err := dl.(Renderer).RenderDDL(current, planned)
	if err != nil {
		return nil, err
	}
	if cp, ok := dl.(ConnPreparer); ok {
		before, around, err := cp.PreviewConn(ctx, q, current, planned)
		if err != nil {
			return nil, err
		}
		stmts = append(append(before, stmts...), around...)
	}
	st.SetValue(previewKey{}, after)
	return stmts, nil
}

// unnamed returns err with the migration left out of every [*Error] it
// joins, for the engine, which names the migration itself.
func unnamed(err error) error {
	var e *Error
	if errors.As(err, &e) && e == err {
		c := *e
		c.Migration = ""
		return &c
	}
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		var out []error
		for _, x := range j.Unwrap() {
			out = append(out, unnamed(x))
		}
		return errors.Join(out...)
	}
	return err
}
