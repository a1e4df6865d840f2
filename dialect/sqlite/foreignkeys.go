package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strings"

	"github.com/hoistdb/hoist/dialect/internal/ddlgen"
	"github.com/hoistdb/hoist/sdk/schema"
)

var _ schema.ConnPreparer = (*Dialect)(nil)

// PrepareConn follows SQLite's procedure for schema changes a table
// rebuild makes (https://sqlite.org/lang_altertable.html#otheralter):
// when the changes rebuild a table that other tables reference and the
// connection has foreign keys on, it switches them off before the
// transaction (inside one, PRAGMA foreign_keys does nothing), so that
// dropping the old table runs none of the references' ON DELETE
// actions. verify then runs PRAGMA foreign_key_check on the rebuilt
// tables and on every table that references them before the commit, and
// restore switches foreign keys back on once the transaction has ended.
// A connection with foreign keys off is left as it is, and checked as
// little as SQLite checks it.
func (*Dialect) PrepareConn(ctx context.Context, conn *sql.Conn, current *schema.Schema, changes []schema.Change) (func(context.Context) error, func(context.Context, schema.Querier) error, error) {
	_, referenced, err := render(current, changes)
	if err != nil || len(referenced) == 0 {
		return nil, nil, nil // RenderDDL reports the error in the transaction
	}
	on, err := foreignKeysOn(ctx, conn)
	if err != nil || !on {
		return nil, nil, err
	}
	if _, err := conn.ExecContext(ctx, "PRAGMA foreign_keys = OFF"); err != nil {
		return nil, nil, fmt.Errorf("sqlite: switch foreign keys off to rebuild table %s: %w", referenced[0], err)
	}
	restore := func(ctx context.Context) error {
		if _, err := conn.ExecContext(ctx, "PRAGMA foreign_keys = ON"); err != nil {
			return fmt.Errorf("sqlite: switch foreign keys back on: %w", err)
		}
		return nil
	}
	check := checkTables(current, changes, referenced)
	verify := func(ctx context.Context, q schema.Querier) error { return foreignKeyCheck(ctx, q, check) }
	return restore, verify, nil
}

// checkTables are the tables PRAGMA foreign_key_check reads after the
// rebuild of referenced: those and the tables that reference them. nil,
// for the whole database, when a later change of the migration renamed
// or dropped a rebuilt table.
func checkTables(current *schema.Schema, changes []schema.Change, referenced []string) []string {
	check := slices.Clone(referenced)
	_, after, err := schema.Plan(current, changes)
	if err != nil || slices.ContainsFunc(referenced, func(t string) bool { return after.Table(t) == nil }) {
		return nil
	}
	for _, t := range after.Tables {
		for _, fk := range t.ForeignKeys {
			if slices.Contains(referenced, fk.RefTable) && !slices.Contains(check, t.Name) {
				check = append(check, t.Name)
			}
		}
	}
	return check
}

// PreviewConn lists, for a dry run, the PRAGMAs that PrepareConn and
// its verify and restore would run where q has foreign keys on, each
// with a comment saying when it runs.
func (*Dialect) PreviewConn(ctx context.Context, q schema.Querier, current *schema.Schema, changes []schema.Change) ([]string, []string, error) {
	_, referenced, err := render(current, changes)
	if err != nil || len(referenced) == 0 {
		return nil, nil, err
	}
	on, err := foreignKeysOn(ctx, q)
	if err != nil || !on {
		return nil, nil, err
	}
	var after []string
	for _, t := range checkPragmas(checkTables(current, changes, referenced)) {
		after = append(after, t+" /* before COMMIT: a row it returns fails the migration */")
	}
	after = append(after, "PRAGMA foreign_keys = ON /* after the transaction */")
	return []string{"PRAGMA foreign_keys = OFF /* before BEGIN */"}, after, nil
}

// CheckConn refuses to rebuild a table that other tables reference on a
// connection whose foreign keys are on, which happens when the DDL runs
// without a Migrator's PrepareConn (or in a transaction opened before
// it): dropping the old table would delete, or set to NULL, the rows
// that reference it.
//
// It also refuses to rebuild a table that has triggers: dropping the old
// table drops them with it, and nothing in the model describes them to
// create them again.
func (*Dialect) CheckConn(ctx context.Context, q schema.Querier, current *schema.Schema, changes []schema.Change) error {
	_, referenced, rebuilt, err := renderRebuilds(current, changes)
	if err != nil {
		return err
	}
	if err := refuseTriggers(ctx, q, changes, rebuilt); err != nil {
		return err
	}
	if len(referenced) == 0 {
		return nil
	}
	on, err := foreignKeysOn(ctx, q)
	if err != nil || !on {
		return err
	}
	return ddlgen.Unsupported("sqlite", changes[0], "it needs table "+referenced[0]+" rebuilt, and table "+
		referencedBy(current, referenced[0])+" references it; with foreign keys on, dropping the old table would run the references' ON DELETE actions, "+
		"and SQLite cannot switch them off inside a transaction (a Migrator switches them off before the migration's transaction)")
}

func foreignKeysOn(ctx context.Context, q schema.Querier) (bool, error) {
	rows, err := q.QueryContext(ctx, "PRAGMA foreign_keys")
	if err != nil {
		return false, fmt.Errorf("sqlite: read foreign_keys: %w", err)
	}
	defer rows.Close()
	on := 0
	if rows.Next() {
		if err := rows.Scan(&on); err != nil {
			return false, fmt.Errorf("sqlite: read foreign_keys: %w", err)
		}
	}
	return on == 1, rows.Err()
}

// foreignKeyCheck fails, naming each offending row, when a row of one
// of tables references a row that does not exist.
func foreignKeyCheck(ctx context.Context, q schema.Querier, tables []string) error {
	var bad []string
	for _, pragma := range checkPragmas(tables) {
		t := strings.TrimPrefix(pragma, "PRAGMA ")
		rows, err := q.QueryContext(ctx, pragma)
		if err != nil {
			return fmt.Errorf("sqlite: %s: %w", t, err)
		}
		for rows.Next() {
			var table, parent string
			var rowid sql.NullInt64
			var fkid int
			if err := rows.Scan(&table, &rowid, &parent, &fkid); err != nil {
				rows.Close()
				return fmt.Errorf("sqlite: %s: %w", t, err)
			}
			row := "a row"
			if rowid.Valid {
				row = fmt.Sprintf("rowid %d", rowid.Int64)
			}
			bad = append(bad, fmt.Sprintf("table %s, %s references a row of %s that does not exist", table, row, parent))
		}
		err = rows.Err()
		rows.Close()
		if err != nil {
			return fmt.Errorf("sqlite: %s: %w", t, err)
		}
	}
	if len(bad) == 0 {
		return nil
	}
	const most = 10
	more := ""
	if len(bad) > most {
		more = fmt.Sprintf("\n(and %d more)", len(bad)-most)
		bad = bad[:most]
	}
	return fmt.Errorf("sqlite: PRAGMA foreign_key_check after the table rebuild: %s%s", strings.Join(bad, "\n"), more)
}

// checkPragmas spells the checks of tables; nil checks the whole
// database.
func checkPragmas(tables []string) []string {
	if tables == nil {
		return []string{"PRAGMA foreign_key_check"}
	}
	out := make([]string, len(tables))
	for i, t := range tables {
		out[i] = "PRAGMA foreign_key_check(" + ddl.Quote(t) + ")"
	}
	return out
}

// refuseTriggers fails when a table the changes rebuild has triggers,
// naming them.
func refuseTriggers(ctx context.Context, q schema.Querier, changes []schema.Change, rebuilt []string) error {
	if len(rebuilt) == 0 {
		return nil
	}
	rows, err := q.QueryContext(ctx, "SELECT tbl_name, name FROM sqlite_master WHERE type = 'trigger' ORDER BY tbl_name, name")
	if err != nil {
		return fmt.Errorf("sqlite: read the triggers of the tables to rebuild: %w", err)
	}
	defer rows.Close()
	var found []string
	table := ""
	for rows.Next() {
		var t, name string
		if err := rows.Scan(&t, &name); err != nil {
			return fmt.Errorf("sqlite: read the triggers of the tables to rebuild: %w", err)
		}
		if slices.Contains(rebuilt, t) {
			if table == "" {
				table = t
			}
			found = append(found, name+" on "+t)
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("sqlite: read the triggers of the tables to rebuild: %w", err)
	}
	if len(found) == 0 {
		return nil
	}
	return ddlgen.Unsupported("sqlite", changes[0], "it needs table "+table+" rebuilt, which would drop trigger "+
		strings.Join(found, ", ")+" with it; drop the trigger in a SQL migration before this one and create it again in one after")
}
