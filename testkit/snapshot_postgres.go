package testkit

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
)

// pgSchema is the OID of the schema a PostgreSQL snapshot covers.
const pgSchema = "(SELECT oid FROM pg_namespace WHERE nspname = current_schema())"

// pgNotExtension filters out the objects of catalog cat that belong to
// an extension (CREATE EXTENSION makes them, DROP EXTENSION removes
// them); alias is the object's table alias.
func pgNotExtension(cat, alias string) string {
	return fmt.Sprintf("NOT EXISTS (SELECT 1 FROM pg_depend e WHERE e.classid = '%s'::regclass AND e.objid = %s.oid AND e.deptype = 'e')", cat, alias)
}

// The PostgreSQL catalogue queries. Every name comes back through
// quote_ident, so that names needing quotes read as they would in SQL.
var (
	pgTablesQuery = `
SELECT c.relname, quote_ident(c.relname), c.relkind::text, c.relpersistence::text,
	COALESCE((SELECT string_agg(quote_ident(p.relname), ', ' ORDER BY i.inhseqno)
		FROM pg_inherits i JOIN pg_class p ON p.oid = i.inhparent WHERE i.inhrelid = c.oid), ''),
	c.relispartition, COALESCE(pg_get_expr(c.relpartbound, c.oid), ''),
	CASE WHEN c.relkind = 'p' THEN pg_get_partkeydef(c.oid) ELSE '' END,
	c.relrowsecurity
FROM pg_class c
WHERE c.relnamespace = ` + pgSchema + ` AND c.relkind IN ('r', 'p') AND ` + pgNotExtension("pg_class", "c")

	pgColumnsQuery = `
SELECT c.relname, quote_ident(c.relname), quote_ident(a.attname),
	row_number() OVER (PARTITION BY a.attrelid ORDER BY a.attnum),
	format_type(a.atttypid, a.atttypmod), a.attnotnull,
	COALESCE(pg_get_expr(d.adbin, d.adrelid), ''), a.attidentity::text, a.attgenerated::text,
	CASE WHEN a.attcollation <> t.typcollation
		THEN (SELECT quote_ident(l.collname) FROM pg_collation l WHERE l.oid = a.attcollation) ELSE '' END
FROM pg_attribute a
JOIN pg_class c ON c.oid = a.attrelid
JOIN pg_type t ON t.oid = a.atttypid
LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
WHERE c.relnamespace = ` + pgSchema + ` AND c.relkind IN ('r', 'p') AND a.attnum > 0 AND NOT a.attisdropped`

	// pgConstraintsQuery lists table constraints other than NOT NULL
	// (a column attribute here; a constraint of its own from PostgreSQL
	// 18) and constraint triggers (listed as triggers).
	pgConstraintsQuery = `
SELECT c.relname, quote_ident(c.relname), quote_ident(k.conname), k.contype::text, pg_get_constraintdef(k.oid, true),
	COALESCE((SELECT string_agg(quote_ident(a.attname), ', ' ORDER BY u.n)
		FROM unnest(k.conkey) WITH ORDINALITY u(attnum, n)
		JOIN pg_attribute a ON a.attrelid = k.conrelid AND a.attnum = u.attnum), ''),
	COALESCE(k.confrelid::regclass::text, ''),
	COALESCE((SELECT string_agg(quote_ident(a.attname), ', ' ORDER BY u.n)
		FROM unnest(k.confkey) WITH ORDINALITY u(attnum, n)
		JOIN pg_attribute a ON a.attrelid = k.confrelid AND a.attnum = u.attnum), ''),
	k.confupdtype::text, k.confdeltype::text, k.confmatchtype::text, k.condeferrable, k.condeferred, k.convalidated
FROM pg_constraint k
JOIN pg_class c ON c.oid = k.conrelid
WHERE c.relnamespace = ` + pgSchema + ` AND k.contype NOT IN ('n', 't')`

	// pgIndexesQuery lists the indexes that do not implement a primary
	// key, unique or exclusion constraint (those are listed as
	// constraints).
	pgIndexesQuery = `
SELECT t.relname, quote_ident(t.relname), quote_ident(i.relname), x.indisunique, x.indisvalid, pg_get_indexdef(x.indexrelid)
FROM pg_index x
JOIN pg_class i ON i.oid = x.indexrelid
JOIN pg_class t ON t.oid = x.indrelid
WHERE t.relnamespace = ` + pgSchema + ` AND t.relkind IN ('r', 'p', 'm')
AND NOT EXISTS (SELECT 1 FROM pg_constraint k
	WHERE k.conindid = x.indexrelid AND k.conrelid = x.indrelid AND k.contype IN ('p', 'u', 'x'))`

	pgTriggersQuery = `
SELECT c.relname, quote_ident(c.relname), quote_ident(g.tgname), pg_get_triggerdef(g.oid, true), g.tgenabled::text
FROM pg_trigger g
JOIN pg_class c ON c.oid = g.tgrelid
WHERE c.relnamespace = ` + pgSchema + ` AND NOT g.tgisinternal`

	pgViewsQuery = `
SELECT c.relname, quote_ident(c.relname), c.relkind::text, pg_get_viewdef(c.oid, true)
FROM pg_class c
WHERE c.relnamespace = ` + pgSchema + ` AND c.relkind IN ('v', 'm') AND ` + pgNotExtension("pg_class", "c")

	// pgSequencesQuery lists sequences with the table that owns them
	// through a serial column, if any; identity columns' sequences are
	// part of their column.
	pgSequencesQuery = `
SELECT c.relname, quote_ident(c.relname), format_type(s.seqtypid, NULL),
	s.seqstart, s.seqincrement, s.seqmin, s.seqmax, s.seqcache, s.seqcycle,
	COALESCE(o.relname, ''), COALESCE(quote_ident(o.relname) || '.' || quote_ident(a.attname), '')
FROM pg_class c
JOIN pg_sequence s ON s.seqrelid = c.oid
LEFT JOIN pg_depend d ON d.classid = 'pg_class'::regclass AND d.objid = c.oid
	AND d.refclassid = 'pg_class'::regclass AND d.deptype = 'a'
LEFT JOIN pg_class o ON o.oid = d.refobjid
LEFT JOIN pg_attribute a ON a.attrelid = d.refobjid AND a.attnum = d.refobjsubid
WHERE c.relnamespace = ` + pgSchema + ` AND c.relkind = 'S' AND ` + pgNotExtension("pg_class", "c") + `
AND NOT EXISTS (SELECT 1 FROM pg_depend i WHERE i.classid = 'pg_class'::regclass AND i.objid = c.oid AND i.deptype = 'i')`

	pgTypesQuery = `
SELECT quote_ident(t.typname), t.typtype::text,
	CASE t.typtype
	WHEN 'e' THEN (SELECT string_agg(quote_literal(e.enumlabel), ', ' ORDER BY e.enumsortorder)
		FROM pg_enum e WHERE e.enumtypid = t.oid)
	WHEN 'd' THEN format_type(t.typbasetype, t.typtypmod)
		|| CASE WHEN t.typnotnull THEN ' not null' ELSE '' END
		|| COALESCE(' default ' || t.typdefault, '')
		|| COALESCE((SELECT string_agg(' constraint ' || quote_ident(k.conname) || ' ' || pg_get_constraintdef(k.oid, true), '' ORDER BY k.conname)
			FROM pg_constraint k WHERE k.contypid = t.oid), '')
	WHEN 'c' THEN (SELECT string_agg(quote_ident(a.attname) || ' ' || format_type(a.atttypid, a.atttypmod), ', ' ORDER BY a.attnum)
		FROM pg_attribute a WHERE a.attrelid = t.typrelid AND a.attnum > 0 AND NOT a.attisdropped)
	WHEN 'r' THEN (SELECT format_type(r.rngsubtype, NULL) FROM pg_range r WHERE r.rngtypid = t.oid)
	END
FROM pg_type t
LEFT JOIN pg_class c ON c.oid = t.typrelid
WHERE t.typnamespace = ` + pgSchema + ` AND ` + pgNotExtension("pg_type", "t") + `
AND (t.typtype IN ('e', 'd', 'r') OR (t.typtype = 'c' AND c.relkind = 'c'))`

	// pgRoutinesQuery lists functions and procedures, not the
	// constructors a range type makes for itself.
	pgRoutinesQuery = `
SELECT quote_ident(p.proname), pg_get_function_identity_arguments(p.oid), p.prokind::text,
	COALESCE(pg_get_function_result(p.oid), ''), l.lanname, p.provolatile::text, p.prosecdef,
	COALESCE(array_to_string(p.proconfig, ', '), ''), p.prosrc
FROM pg_proc p
JOIN pg_language l ON l.oid = p.prolang
WHERE p.pronamespace = ` + pgSchema + ` AND ` + pgNotExtension("pg_proc", "p") + `
AND NOT EXISTS (SELECT 1 FROM pg_depend i WHERE i.classid = 'pg_proc'::regclass AND i.objid = p.oid AND i.deptype = 'i')`

	pgExtensionsQuery = `
SELECT quote_ident(x.extname), x.extversion FROM pg_extension x WHERE x.extnamespace = ` + pgSchema
)

// snapshotPostgres reads the objects of current_schema().
func snapshotPostgres(ctx context.Context, conn *sql.Conn, historyTable string) ([]object, error) {
	var schema sql.NullString
	if err := conn.QueryRowContext(ctx, "SELECT current_schema()").Scan(&schema); err != nil {
		return nil, err
	}
	if !schema.Valid {
		return nil, fmt.Errorf("no current schema: the search_path names no existing schema")
	}
	r := pgReader{skip: excluded(historyTable, schema.String)}
	for _, step := range []struct {
		query string
		scan  func(*sql.Rows) error
	}{
		{pgTablesQuery, r.table},
		{pgColumnsQuery, r.column},
		{pgConstraintsQuery, r.constraint},
		{pgIndexesQuery, r.index},
		{pgTriggersQuery, r.trigger},
		{pgViewsQuery, r.view},
		{pgSequencesQuery, r.sequence},
		{pgTypesQuery, r.typ},
		{pgRoutinesQuery, r.routine},
		{pgExtensionsQuery, r.extension},
	} {
		if err := queryRows(ctx, conn, step.query, nil, step.scan); err != nil {
			return nil, err
		}
	}
	return r.objs, nil
}

// pgReader turns catalogue rows into snapshot objects.
type pgReader struct {
	skip map[string]bool // tables left out
	objs []object
}

func (r *pgReader) add(group string, rank, pos int, text string) {
	r.objs = append(r.objs, object{group: group, rank: rank, pos: pos, text: text})
}

func (r *pgReader) table(rows *sql.Rows) error {
	var name, quoted, kind, persistence, parents, bound, partKey string
	var isPartition, rls bool
	if err := rows.Scan(&name, &quoted, &kind, &persistence, &parents, &isPartition, &bound, &partKey, &rls); err != nil {
		return err
	}
	if r.skip[name] {
		return nil
	}
	var b strings.Builder
	b.WriteString("table " + quoted)
	if persistence == "u" {
		b.WriteString(" unlogged")
	}
	switch {
	case isPartition:
		fmt.Fprintf(&b, " partition of %s %s", parents, bound)
	case parents != "":
		fmt.Fprintf(&b, " inherits (%s)", parents)
	}
	if kind == "p" {
		b.WriteString(" partition by " + partKey)
	}
	if rls {
		b.WriteString(" row level security")
	}
	r.add(name, rankTable, 0, b.String())
	return nil
}

func (r *pgReader) column(rows *sql.Rows) error {
	var table, quotedTable, name, typ, def, identity, generated, collation string
	var pos int
	var notNull bool
	if err := rows.Scan(&table, &quotedTable, &name, &pos, &typ, &notNull, &def, &identity, &generated, &collation); err != nil {
		return err
	}
	if r.skip[table] {
		return nil
	}
	var b strings.Builder
	fmt.Fprintf(&b, "column %s.%s %s", quotedTable, name, typ)
	if collation != "" {
		b.WriteString(" collate " + collation)
	}
	if notNull {
		b.WriteString(" not null")
	}
	switch {
	case generated == "s":
		fmt.Fprintf(&b, " generated always as (%s) stored", def)
	case identity == "a":
		b.WriteString(" generated always as identity")
	case identity == "d":
		b.WriteString(" generated by default as identity")
	case def != "":
		b.WriteString(" default " + def)
	}
	r.add(table, rankColumn, pos, b.String())
	return nil
}

func (r *pgReader) constraint(rows *sql.Rows) error {
	var table, quotedTable, name, kind, def, cols, refTable, refCols, onUpdate, onDelete, match string
	var deferrable, deferred, validated bool
	if err := rows.Scan(&table, &quotedTable, &name, &kind, &def, &cols, &refTable, &refCols,
		&onUpdate, &onDelete, &match, &deferrable, &deferred, &validated); err != nil {
		return err
	}
	if r.skip[table] {
		return nil
	}
	if kind != "f" {
		r.add(table, rankConstraint, 0, fmt.Sprintf("constraint %s.%s %s", quotedTable, name, def))
		return nil
	}
	var b strings.Builder
	fmt.Fprintf(&b, "foreign key %s.%s (%s) references %s (%s) on delete %s on update %s",
		quotedTable, name, cols, refTable, refCols, pgAction(onDelete), pgAction(onUpdate))
	switch match {
	case "f":
		b.WriteString(" match full")
	case "p":
		b.WriteString(" match partial")
	}
	if deferrable {
		b.WriteString(" deferrable")
		if deferred {
			b.WriteString(" initially deferred")
		}
	}
	if !validated {
		b.WriteString(" not valid")
	}
	r.add(table, rankForeignKey, 0, b.String())
	return nil
}

func (r *pgReader) index(rows *sql.Rows) error {
	var table, quotedTable, name, def string
	var unique, valid bool
	if err := rows.Scan(&table, &quotedTable, &name, &unique, &valid, &def); err != nil {
		return err
	}
	if r.skip[table] {
		return nil
	}
	// "CREATE [UNIQUE] INDEX name ON [ONLY] schema.table USING method (...)"
	if i := strings.Index(def, " USING "); i >= 0 {
		def = def[i+len(" USING "):]
	}
	var b strings.Builder
	fmt.Fprintf(&b, "index %s.%s ", quotedTable, name)
	if unique {
		b.WriteString("unique ")
	}
	b.WriteString(def)
	if !valid {
		b.WriteString(" invalid")
	}
	r.add(table, rankIndex, 0, b.String())
	return nil
}

func (r *pgReader) trigger(rows *sql.Rows) error {
	var table, quotedTable, name, def, enabled string
	if err := rows.Scan(&table, &quotedTable, &name, &def, &enabled); err != nil {
		return err
	}
	if r.skip[table] {
		return nil
	}
	// "CREATE [CONSTRAINT] TRIGGER name ..."
	kind := "trigger"
	def = strings.TrimPrefix(def, "CREATE ")
	if strings.HasPrefix(def, "CONSTRAINT ") {
		kind = "constraint trigger"
		def = strings.TrimPrefix(def, "CONSTRAINT ")
	}
	def = strings.TrimPrefix(strings.TrimPrefix(def, "TRIGGER "), name+" ")
	line := fmt.Sprintf("%s %s.%s %s", kind, quotedTable, name, def)
	switch enabled {
	case "D":
		line += " disabled"
	case "R":
		line += " enabled replica"
	case "A":
		line += " enabled always"
	}
	r.add(table, rankTrigger, 0, line)
	return nil
}

func (r *pgReader) view(rows *sql.Rows) error {
	var name, quoted, kind, def string
	if err := rows.Scan(&name, &quoted, &kind, &def); err != nil {
		return err
	}
	what := "view"
	if kind == "m" {
		what = "materialized view"
	}
	r.add(name, rankTable, 0, fmt.Sprintf("%s %s as %s", what, quoted, normalizeSQL(def)))
	return nil
}

func (r *pgReader) sequence(rows *sql.Rows) error {
	var name, quoted, typ, owner, ownedBy string
	var start, increment, minValue, maxValue, cache int64
	var cycle bool
	if err := rows.Scan(&name, &quoted, &typ, &start, &increment, &minValue, &maxValue, &cache, &cycle, &owner, &ownedBy); err != nil {
		return err
	}
	if r.skip[owner] {
		return nil
	}
	var b strings.Builder
	fmt.Fprintf(&b, "sequence %s as %s start %d increment %d min %d max %d cache %d", quoted, typ, start, increment, minValue, maxValue, cache)
	if cycle {
		b.WriteString(" cycle")
	}
	group, rank := name, rankTable
	if ownedBy != "" {
		// listed with the table whose serial column owns it
		b.WriteString(" owned by " + ownedBy)
		group, rank = owner, rankColumn+1
	}
	r.add(group, rank, 0, b.String())
	return nil
}

func (r *pgReader) typ(rows *sql.Rows) error {
	var name, kind string
	var def sql.NullString
	if err := rows.Scan(&name, &kind, &def); err != nil {
		return err
	}
	what := map[string]string{"e": "enum %s (%s)", "d": "domain %s %s", "c": "type %s (%s)", "r": "range %s (subtype %s)"}[kind]
	r.add(name, rankTable, 0, fmt.Sprintf(what, name, def.String))
	return nil
}

func (r *pgReader) routine(rows *sql.Rows) error {
	var name, args, kind, result, lang, volatility, config, body string
	var secDef bool
	if err := rows.Scan(&name, &args, &kind, &result, &lang, &volatility, &secDef, &config, &body); err != nil {
		return err
	}
	if r.skip[name] && args == "" {
		return nil // a fleet's up-to-date mark (excluded)
	}
	what := map[string]string{"f": "function", "p": "procedure", "a": "aggregate", "w": "window function"}[kind]
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s(%s)", what, name, args)
	if result != "" {
		b.WriteString(" returns " + result)
	}
	b.WriteString(" language " + lang)
	switch volatility {
	case "i":
		b.WriteString(" immutable")
	case "s":
		b.WriteString(" stable")
	}
	if secDef {
		b.WriteString(" security definer")
	}
	if config != "" {
		b.WriteString(" set " + config)
	}
	fmt.Fprintf(&b, " body %s", shortHash(body))
	r.add(name, rankTable, 0, b.String())
	return nil
}

func (r *pgReader) extension(rows *sql.Rows) error {
	var name, version string
	if err := rows.Scan(&name, &version); err != nil {
		return err
	}
	r.add(name, rankTable, 0, fmt.Sprintf("extension %s version %s", name, version))
	return nil
}

// pgAction spells a foreign key's confupdtype or confdeltype.
func pgAction(c string) string {
	switch c {
	case "r":
		return "restrict"
	case "c":
		return "cascade"
	case "n":
		return "set null"
	case "d":
		return "set default"
	}
	return "no action"
}
