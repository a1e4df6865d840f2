package cli

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/hoistdb/hoist/dialect"
	"github.com/hoistdb/hoist/sdk"
)

// dropped is one object db:wipe dropped.
type dropped struct {
	Kind string `json:"kind"` // table, view, sequence or type
	Name string `json:"name"`
}

// wipe drops every table and view of the database (on PostgreSQL, of the
// current schema, with its sequences and types; objects that belong to
// an extension stay), the history table included, under the migration
// lock so that no migration runs meanwhile. It needs the database the
// command opened with [Config.Open].
func (c *command) wipe(m *sdk.Migrator) ([]dropped, error) {
	if len(c.dbs) == 0 {
		return nil, errors.New("wiping needs the database opened with Config.Open; this Factory opened none")
	}
	conn, err := c.dbs[0].Conn(c.ctx)
	if err != nil {
		return nil, err
	}
	defer conn.Close()
	lock := m.Dialect().NewLock(conn, m.Table())
	if err := c.takeLock(lock); err != nil {
		return nil, err
	}
	defer lock.Release(context.WithoutCancel(c.ctx))
	switch m.Dialect().Name() {
	case "postgres":
		return wipePostgres(c.ctx, conn, m.Dialect())
	case "mysql":
		return wipeMySQL(c.ctx, conn, m.Dialect())
	case "sqlite":
		return wipeSQLite(c.ctx, conn, m.Dialect())
	}
	return nil, fmt.Errorf("wiping a %s database is not supported", m.Dialect().Name())
}

// takeLock polls lock until it is taken or the lock timeout passes.
func (c *command) takeLock(lock dialect.Lock) error {
	deadline := time.Now().Add(c.cfg.LockTimeout)
	announced := false
	for {
		ok, err := lock.TryAcquire(c.ctx)
		if err != nil {
			return fmt.Errorf("taking %s: %w", lock, err)
		}
		if ok {
			return nil
		}
		holder, _ := lock.Holder(c.ctx)
		if holder == "" {
			holder = "an unknown holder"
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("waited %s for %s, held by %s; if that process is stuck, stop it, or raise the timeout with --lock-timeout (HOIST_LOCK_TIMEOUT)",
				c.cfg.LockTimeout, lock, holder)
		}
		if !announced {
			announced = true
			fmt.Fprintf(c.out.errw, "waiting for the migration lock held by %s\n", holder)
		}
		select {
		case <-c.ctx.Done():
			return context.Cause(c.ctx)
		case <-time.After(200 * time.Millisecond):
		}
	}
}

// objects runs q, which selects kind and name, and returns what it found.
func objects(ctx context.Context, conn *sql.Conn, q string) ([]dropped, error) {
	rows, err := conn.QueryContext(ctx, q)
	if err != nil {
		return nil, fmt.Errorf("listing what to drop: %w", err)
	}
	defer rows.Close()
	var out []dropped
	for rows.Next() {
		var d dropped
		if err := rows.Scan(&d.Kind, &d.Name); err != nil {
			return nil, err
		}
		out = append(out, d)
	}
	return out, rows.Err()
}

// dropAll drops list in order with one statement each; suffix is
// appended (CASCADE), and IF EXISTS skips what a CASCADE dropped first.
func dropAll(ctx context.Context, conn *sql.Conn, d dialect.Dialect, list []dropped, suffix string) error {
	for _, o := range list {
		q := fmt.Sprintf("DROP %s IF EXISTS %s%s", strings.ToUpper(o.Kind), d.QuoteIdent(o.Name), suffix)
		if _, err := conn.ExecContext(ctx, q); err != nil {
			return fmt.Errorf("%s: %w", q, err)
		}
	}
	return nil
}

func wipePostgres(ctx context.Context, conn *sql.Conn, d dialect.Dialect) ([]dropped, error) {
	list, err := objects(ctx, conn, `
SELECT CASE c.relkind WHEN 'v' THEN 'view' WHEN 'm' THEN 'materialized view' WHEN 'S' THEN 'sequence'
       WHEN 'f' THEN 'foreign table' ELSE 'table' END, c.relname
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p', 'v', 'm', 'S', 'f') AND NOT c.relispartition
  AND NOT EXISTS (SELECT 1 FROM pg_depend e WHERE e.classid = 'pg_class'::regclass AND e.objid = c.oid AND e.deptype = 'e')
UNION ALL
SELECT 'type', t.typname
FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
WHERE n.nspname = current_schema()
  AND (t.typtype IN ('e', 'd', 'r') OR t.typtype = 'c' AND (SELECT relkind FROM pg_class WHERE oid = t.typrelid) = 'c')
  AND NOT EXISTS (SELECT 1 FROM pg_depend e WHERE e.classid = 'pg_type'::regclass AND e.objid = t.oid AND e.deptype = 'e')
ORDER BY 2`)
	if err != nil {
		return nil, err
	}
	// Views use tables, and tables use sequences and types: drop in that
	// order, so that CASCADE has little to do.
	var out []dropped
	for _, kinds := range [][]string{{"view", "materialized view"}, {"table", "foreign table"}, {"sequence", "type"}} {
		for _, o := range list {
			for _, k := range kinds {
				if o.Kind == k {
					out = append(out, o)
				}
			}
		}
	}
	return out, dropAll(ctx, conn, d, out, " CASCADE")
}

func wipeMySQL(ctx context.Context, conn *sql.Conn, d dialect.Dialect) ([]dropped, error) {
	list, err := objects(ctx, conn, `
SELECT CASE TABLE_TYPE WHEN 'VIEW' THEN 'view' WHEN 'SEQUENCE' THEN 'sequence' ELSE 'table' END AS kind, TABLE_NAME
FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE()
ORDER BY CASE TABLE_TYPE WHEN 'VIEW' THEN 0 WHEN 'SEQUENCE' THEN 2 ELSE 1 END, TABLE_NAME`)
	if err != nil {
		return nil, err
	}
	// Foreign keys between the tables would dictate an order; this
	// session drops without checking them, and restores the check after.
	if _, err := conn.ExecContext(ctx, "SET FOREIGN_KEY_CHECKS = 0"); err != nil {
		return nil, err
	}
	defer conn.ExecContext(context.WithoutCancel(ctx), "SET FOREIGN_KEY_CHECKS = 1")
	return list, dropAll(ctx, conn, d, list, "")
}

func wipeSQLite(ctx context.Context, conn *sql.Conn, d dialect.Dialect) ([]dropped, error) {
	list, err := objects(ctx, conn, `
SELECT type, name FROM sqlite_master WHERE type IN ('view', 'table') AND name NOT LIKE 'sqlite_%'
ORDER BY CASE type WHEN 'view' THEN 0 ELSE 1 END, name`)
	if err != nil {
		return nil, err
	}
	var fk int
	if err := conn.QueryRowContext(ctx, "PRAGMA foreign_keys").Scan(&fk); err != nil {
		return nil, err
	}
	if _, err := conn.ExecContext(ctx, "PRAGMA foreign_keys = OFF"); err != nil {
		return nil, err
	}
	defer conn.ExecContext(context.WithoutCancel(ctx), fmt.Sprintf("PRAGMA foreign_keys = %d", fk))
	return list, dropAll(ctx, conn, d, list, "")
}
