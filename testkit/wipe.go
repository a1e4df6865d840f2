package testkit

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
)

// wipe drops everything in db that migrations can create, so that it can
// be migrated again from scratch: RoundTripAll's way to go on after a
// down that left the schema in a state the up cannot be applied to.
// PostgreSQL: every schema but the system ones, and the current schema
// created again empty; MySQL and MariaDB: every table, view, sequence,
// routine and event of the database; SQLite: every table and view.
// Triggers and indexes go with their tables.
func wipe(ctx context.Context, db *DB) error {
	conn, err := db.DB.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	switch name := db.Dialect.Name(); name {
	case "postgres":
		return wipePostgres(ctx, conn)
	case "mysql":
		return wipeMySQL(ctx, conn)
	case "sqlite":
		return wipeSQLite(ctx, conn)
	default:
		return fmt.Errorf("no wipe for dialect %q", name)
	}
}

// column reads the first column of every row of query.
func column(ctx context.Context, conn *sql.Conn, query string) ([]string, error) {
	var out []string
	err := queryRows(ctx, conn, query, nil, func(rows *sql.Rows) error {
		var s string
		if err := rows.Scan(&s); err != nil {
			return err
		}
		out = append(out, s)
		return nil
	})
	return out, err
}

// execAll runs statements in order on conn.
func execAll(ctx context.Context, conn *sql.Conn, stmts []string) error {
	for _, s := range stmts {
		if _, err := conn.ExecContext(ctx, s); err != nil {
			return fmt.Errorf("%s: %w", s, err)
		}
	}
	return nil
}

func wipePostgres(ctx context.Context, conn *sql.Conn) error {
	var current string
	if err := conn.QueryRowContext(ctx, "SELECT current_schema()").Scan(&current); err != nil {
		return err
	}
	schemas, err := column(ctx, conn, `SELECT quote_ident(nspname) FROM pg_namespace
		WHERE nspname NOT IN ('information_schema') AND nspname NOT LIKE 'pg\_%'`)
	if err != nil {
		return err
	}
	var stmts []string
	for _, s := range schemas {
		stmts = append(stmts, "DROP SCHEMA "+s+" CASCADE")
	}
	stmts = append(stmts, `CREATE SCHEMA "`+strings.ReplaceAll(current, `"`, `""`)+`"`)
	return execAll(ctx, conn, stmts)
}

func wipeMySQL(ctx context.Context, conn *sql.Conn) error {
	q := func(s string) string { return "`" + strings.ReplaceAll(s, "`", "``") + "`" }
	var stmts []string
	err := queryRows(ctx, conn, `SELECT TABLE_NAME, TABLE_TYPE FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE()
		ORDER BY TABLE_TYPE = 'VIEW' DESC`, nil, func(rows *sql.Rows) error {
		var name, typ string
		if err := rows.Scan(&name, &typ); err != nil {
			return err
		}
		switch typ {
		case "VIEW", "SYSTEM VIEW":
			stmts = append(stmts, "DROP VIEW "+q(name))
		case "SEQUENCE":
			stmts = append(stmts, "DROP SEQUENCE "+q(name))
		default:
			stmts = append(stmts, "DROP TABLE "+q(name))
		}
		return nil
	})
	if err != nil {
		return err
	}
	err = queryRows(ctx, conn, `SELECT ROUTINE_NAME, ROUTINE_TYPE FROM information_schema.ROUTINES WHERE ROUTINE_SCHEMA = DATABASE()`,
		nil, func(rows *sql.Rows) error {
			var name, typ string
			if err := rows.Scan(&name, &typ); err != nil {
				return err
			}
			stmts = append(stmts, "DROP "+typ+" "+q(name))
			return nil
		})
	if err != nil {
		return err
	}
	events, err := column(ctx, conn, `SELECT EVENT_NAME FROM information_schema.EVENTS WHERE EVENT_SCHEMA = DATABASE()`)
	if err != nil {
		return err
	}
	for _, e := range events {
		stmts = append(stmts, "DROP EVENT "+q(e))
	}
	if _, err := conn.ExecContext(ctx, "SET FOREIGN_KEY_CHECKS = 0"); err != nil {
		return err
	}
	err = execAll(ctx, conn, stmts)
	if _, rerr := conn.ExecContext(ctx, "SET FOREIGN_KEY_CHECKS = 1"); err == nil {
		err = rerr
	}
	return err
}

func wipeSQLite(ctx context.Context, conn *sql.Conn) error {
	var fk int
	if err := conn.QueryRowContext(ctx, "PRAGMA foreign_keys").Scan(&fk); err != nil {
		return err
	}
	names, err := column(ctx, conn, `SELECT 'DROP ' || upper(type) || ' "' || replace(name, '"', '""') || '"' FROM sqlite_schema
		WHERE type IN ('table', 'view') AND name NOT LIKE 'sqlite\_%' ESCAPE '\' ORDER BY type = 'view' DESC`)
	if err != nil {
		return err
	}
	if _, err := conn.ExecContext(ctx, "PRAGMA foreign_keys = OFF"); err != nil {
		return err
	}
	err = execAll(ctx, conn, names)
	if _, rerr := conn.ExecContext(ctx, fmt.Sprintf("PRAGMA foreign_keys = %d", fk)); err == nil {
		err = rerr
	}
	return err
}
