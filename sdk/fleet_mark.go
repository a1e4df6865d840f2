package sdk

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"math"
	"sync"
)

// Up-to-date marks: what lets a no-op boot of a fleet of schemas skip
// reading the history tables.
//
// Reading 1,000 history tables costs little on the wire (one UNION ALL
// per 500 schemas) but much on the server, which builds its catalog
// caches for every table and index a query plans. So once a schema is
// found up to date, [Fleet.Up] marks it: the comment on the function
// <schema>.hoist_migrations_unmark() says which migration set the history
// matched. The function is the body of a statement-level trigger on
// <schema>.hoist_migrations that clears the comment after any INSERT,
// UPDATE, DELETE or TRUNCATE, by hoist or by hand; the trigger is enabled
// ALWAYS, so it fires under session_replication_role = replica too. The
// boot reads every schema's mark with the catalog query it sends anyway
// and reads the history only of the schemas whose mark is missing or
// names another set.
//
// A mark is written under a lock of the history table that keeps its
// writers out (SHARE ROW EXCLUSIVE, waited for at most markLockWait),
// after reading the history again and judging it up to date, in one
// transaction with the trigger's installation: a mark is never newer
// than the rows it vouches for, and never outlives a change to them.

// markFunction names the trigger and its function in each schema.
const markFunction = "hoist_migrations_unmark"

// markTriggerType is pg_trigger.tgtype of the trigger: AFTER, FOR EACH
// STATEMENT, on INSERT (4), DELETE (8), UPDATE (16) and TRUNCATE (32).
const markTriggerType = 60

// markLockWait bounds the wait for the history table's lock: a writer
// holding it longer (another migrator in a long migration) leaves the
// schema unmarked until a later run, which costs only a read.
const markLockWait = "2s"

// markAdvisoryClass is the first key of the advisory lock that keeps two
// writers of one history table from clearing its mark at once (two
// transactions deleting one pg_description row: the second would fail
// with "tuple concurrently deleted"). The two-key form keeps it apart
// from hoist's migration locks, which use one bigint key.
const markAdvisoryClass = 0x686f6973 // "hois"

// upToDateMark is the comment that marks a schema whose history m's boot
// judges up to date: it names the set (every version and checksum) and
// the checksum policy, which decide that judgement. A set with a
// migration added, removed or edited has another mark.
func upToDateMark(m *Migrator) string {
	h := sha256.New()
	fmt.Fprintf(h, "policy %d\n", m.checksumPolicy)
	var last int64
	for _, mig := range m.migrations {
		fmt.Fprintf(h, "%d %s\n", mig.Version, mig.Checksum)
		last = mig.Version
	}
	return fmt.Sprintf("hoist: %s is up to date with %d migrations to version %d (set %x); any change to it clears this comment",
		DefaultTable, len(m.migrations), last, h.Sum(nil)[:16])
}

// markColumn is the catalog query's third column for the schema n and
// its history table c: the schema's mark, an empty string when the trigger is in
// place without one, NULL when the trigger (or its function) is missing,
// disabled or not hoist's, so that a mark is trusted only while the
// trigger that clears it stands.
func markColumn() string {
	return "(SELECT COALESCE(d.description, '') FROM pg_trigger t JOIN pg_proc p ON p.oid = t.tgfoid" +
		" LEFT JOIN pg_description d ON d.objoid = p.oid AND d.classoid = 'pg_proc'::regclass AND d.objsubid = 0" +
		" WHERE t.tgrelid = c.oid AND t.tgname = '" + markFunction + "' AND t.tgenabled = 'A' AND t.tgtype = " + fmt.Sprint(markTriggerType) +
		" AND p.proname = '" + markFunction + "' AND p.pronamespace = n.oid AND p.pronargs = 0 LIMIT 1)"
}

// installMark creates the function and the trigger of schema's history
// table. The function runs as its owner (SECURITY DEFINER), so that a
// role that may write the history but does not own the function still
// clears the mark; it reads its schema from the trigger, so a renamed
// schema keeps working. It cannot be called but as a trigger, and
// EXECUTE is revoked from PUBLIC all the same.
func (f *Fleet) installMark(schema string) string {
	fn := f.dialect.QuoteIdent(schema) + "." + markFunction
	table := f.dialect.QuoteIdent(schema) + "." + DefaultTable
	return "CREATE OR REPLACE FUNCTION " + fn + "() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog AS $hoist$\n" +
		"DECLARE fn regprocedure := format('%I." + markFunction + "()', TG_TABLE_SCHEMA)::regprocedure;\n" +
		"BEGIN\n" +
		"\tIF obj_description(fn, 'pg_proc') IS NOT NULL THEN\n" +
		"\t\tPERFORM pg_advisory_xact_lock(" + fmt.Sprint(markAdvisoryClass) + ", hashtext(TG_TABLE_SCHEMA));\n" +
		"\t\tIF obj_description(fn, 'pg_proc') IS NOT NULL THEN\n" +
		"\t\t\tEXECUTE format('COMMENT ON FUNCTION %s IS NULL', fn);\n" +
		"\t\tEND IF;\n" +
		"\tEND IF;\n" +
		"\tRETURN NULL;\n" +
		"END\n$hoist$;\n" +
		"REVOKE ALL ON FUNCTION " + fn + "() FROM PUBLIC;\n" +
		"DROP TRIGGER IF EXISTS " + markFunction + " ON " + table + ";\n" +
		"CREATE TRIGGER " + markFunction + " AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON " + table +
		" FOR EACH STATEMENT EXECUTE FUNCTION " + fn + "();\n" +
		"ALTER TABLE " + table + " ENABLE ALWAYS TRIGGER " + markFunction
}

// markUpToDate marks the schemas that a run found up to date or brought
// up to date and whose scanned mark was missing or stale: the end of
// [Fleet.Up] and [Fleets.Up]. Marking is an optimisation of the next boot, so it fails
// quietly: a schema it could not mark (its history busy for longer than
// markLockWait, a role that may not create triggers) is read again by
// the next boot. Errors other than a busy table are logged once per run.
func (f *Fleet) markUpToDate(ctx context.Context, scan map[string]targetScan, targets []TargetResult) {
	if f.kind != kindSchemas || ctx.Err() != nil {
		return
	}
	var todo []string
	for _, t := range targets {
		if (t.State == TargetUpToDate || t.State == TargetApplied) && !scan[t.Target].marked {
			todo = append(todo, t.Target)
		}
	}
	if len(todo) == 0 {
		return
	}
	var (
		wg     sync.WaitGroup
		next   = make(chan string)
		mu     sync.Mutex
		failed int
		first  error
	)
	for range min(f.cfg.concurrency, len(todo)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for s := range next {
				if err := f.mark(ctx, s, scan[s].armed); err != nil && !errors.Is(err, errMarkSkipped) && ctx.Err() == nil {
					mu.Lock()
					if failed++; first == nil {
						first = err
					}
					mu.Unlock()
				}
			}
		}()
	}
	for _, s := range todo {
		if ctx.Err() != nil {
			break
		}
		next <- s
	}
	close(next)
	wg.Wait()
	if failed > 0 {
		f.tmpl.logger.WarnContext(ctx, "hoist: fleet: could not mark schemas up to date; the next boot reads their history tables",
			"schemas", failed, "first_error", first)
	}
}

// errMarkSkipped: a schema was left unmarked for no fault of its own,
// as its history table stayed locked for longer than markLockWait, or
// changed since the run and is not up to date now.
var errMarkSkipped = errors.New("schema left unmarked")

// mark marks one schema up to date if its history, read again under a
// lock that keeps writers out, says so; armed says the scan found the
// trigger in place. Nothing is written otherwise: the transaction that
// would install the trigger is rolled back, so a comment left by an
// earlier table of the same name is never armed by it.
func (f *Fleet) mark(ctx context.Context, schema string, armed bool) (err error) {
	m, err := f.Migrator(schema)
	if err != nil {
		return err
	}
	table := f.dialect.QuoteIdent(schema) + "." + DefaultTable
	tx, err := f.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("marking %s: %w", schema, err)
	}
	defer func() {
		if err != nil {
			tx.Rollback()
		}
	}()
	if _, err := tx.ExecContext(ctx, "SET LOCAL lock_timeout = '"+markLockWait+"'; LOCK TABLE "+table+" IN SHARE ROW EXCLUSIVE MODE"); err != nil {
		var state interface{ SQLState() string }
		if errors.As(err, &state) && state.SQLState() == "55P03" { // lock_not_available
			return fmt.Errorf("marking %s: %s busy: %w", schema, table, errMarkSkipped)
		}
		return fmt.Errorf("marking %s: locking %s: %w", schema, table, err)
	}
	rows, err := tx.QueryContext(ctx, "SELECT version, state, checksum FROM "+table)
	if err != nil {
		return fmt.Errorf("marking %s: reading %s: %w", schema, table, err)
	}
	t := targetScan{known: true}
	for rows.Next() {
		var r scanRow
		if err := rows.Scan(&r.version, &r.state, &r.checksum); err != nil {
			rows.Close()
			return fmt.Errorf("marking %s: reading %s: %w", schema, table, err)
		}
		t.rows = append(t.rows, r)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("marking %s: reading %s: %w", schema, table, err)
	}
	if t.boot(m, math.MaxInt64) != bootDone {
		return fmt.Errorf("marking %s: %s changed since the run: %w", schema, table, errMarkSkipped)
	}
	stmt := "COMMENT ON FUNCTION " + f.dialect.QuoteIdent(schema) + "." + markFunction + "() IS " + quoteLiteral(upToDateMark(m))
	if !armed {
		stmt = f.installMark(schema) + ";\n" + stmt
	}
	if _, err := tx.ExecContext(ctx, stmt); err != nil {
		return fmt.Errorf("marking %s: %w", schema, err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("marking %s: %w", schema, err)
	}
	return nil
}
