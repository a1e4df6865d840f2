package schema

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/hoistdb/hoist/dialect"
	"github.com/hoistdb/hoist/sdk"
)

// Replayer is the ability of a [dialect.Dialect] to lend a scratch place
// where migrations are replayed, for [CheckDrift]. Unlike [Scratcher]'s,
// the place may have to hold what a migration commits: PostgreSQL lends
// a schema of its own in a transaction that is rolled back, or, when
// outside is set, one that is committed and dropped; MySQL a database
// that is dropped; SQLite a :memory: database.
type Replayer interface {
	// ScratchReplay runs fn with q on one connection whose current
	// database or schema is an empty scratch place reached through db,
	// and removes the place afterwards, whatever fn did. conn is that
	// connection out of any transaction, or nil when q is a
	// transaction. With outside set, q must not be a transaction.
	ScratchReplay(ctx context.Context, db *sql.DB, outside bool, fn func(q sdk.Tx, conn *sql.Conn) error) error
}

// CheckDrift is what the dialects of this module do for
// [sdk.Migrator.Drift] (their [sdk.DriftChecker] ability): it runs r in
// a scratch place that dl's [Replayer] lends, inspects it and db with
// dl's [Inspector], and diffs the two, the replayed schema being the
// desired one. Tables are dropped (a table not in the migrations is
// drift) and renames are not guessed: the SQL says what differs.
func CheckDrift(ctx context.Context, db *sql.DB, dl dialect.Dialect, r *sdk.DriftReplay) (*sdk.Drift, error) {
	rp, ok := dl.(Replayer)
	if !ok {
		return nil, fmt.Errorf("schema: the %s dialect cannot lend a place to replay migrations in (it has no schema.Replayer ability)", dl.Name())
	}
	var want *Schema
	err := rp.ScratchReplay(ctx, db, r.OutsideTransaction, func(q sdk.Tx, conn *sql.Conn) error {
		if err := r.Run(ctx, q, conn); err != nil {
			return fmt.Errorf("replaying the applied migrations in a scratch place: %w", err)
		}
		var err error
		want, err = Inspect(ctx, q, dl, r.Exclude...)
		return err
	})
	if err != nil {
		return nil, err
	}
	got, err := Inspect(ctx, db, dl, r.Exclude...)
	if err != nil {
		return nil, err
	}
	cs, err := Diff(want, got, DiffOptions{DropTables: true, NoRenameDetection: true})
	if err != nil {
		return nil, fmt.Errorf("the database differs from its migrations in a way hoist cannot write SQL for: %w", err)
	}
	d := &sdk.Drift{Differences: []string{}, SQL: []string{}}
	if cs.Empty() {
		return d, nil
	}
	script, err := cs.Render(dl)
	if err != nil {
		return nil, err
	}
	d.Drifted, d.SQL = true, script.Up
	for _, ch := range cs.Up {
		d.Differences = append(d.Differences, describeDrift(ch))
	}
	return d, nil
}

// describeDrift says what a change of the reconciling SQL makes good,
// in the words of the database that drifted.
func describeDrift(c Change) string {
	w := fmt.Sprintf
	switch c := c.(type) {
	case CreateTable:
		return w("table %s is missing", c.Table.Name)
	case DropTable:
		return w("table %s is not in the migrations", c.Name)
	case RenameTable:
		return w("table %s is called %s in the migrations", c.From, c.To)
	case AddColumn:
		return w("column %s.%s is missing", c.Table, c.Column.Name)
	case DropColumn:
		return w("column %s.%s is not in the migrations", c.Table, c.Column)
	case ChangeColumn:
		return w("column %s.%s differs (the migrations make it %s)", c.Table, c.Column.Name, c.Column.String())
	case RenameColumn:
		return w("column %s.%s is called %s in the migrations", c.Table, c.From, c.To)
	case AddIndex:
		return w("index %s on %s is missing", c.Index.Name, c.Table)
	case DropIndex:
		return w("index %s on %s is not in the migrations", c.Name, c.Table)
	case AddForeignKey:
		return w("foreign key %s on %s is missing or differs", c.ForeignKey.Name, c.Table)
	case DropForeignKey:
		return w("foreign key %s on %s is not in the migrations or differs", c.Name, c.Table)
	case CreateEnum:
		return w("enum %s is missing", c.Enum.Name)
	case AddEnumValue:
		return w("enum %s lacks member %s", c.Enum, c.Value)
	case DropEnum:
		return w("enum %s is not in the migrations", c.Name)
	}
	return fmt.Sprintf("%T", c)
}
