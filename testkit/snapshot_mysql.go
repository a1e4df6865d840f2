package testkit

import (
	"context"
	"database/sql"
	"fmt"
	"regexp"
	"strconv"
	"strings"
)

// The MySQL and MariaDB catalogue queries, all on information_schema and
// the current database. Every column is scanned as sql.NullString, which
// takes text, and time.Time as text too (testkit's DSNs set parseTime).
const (
	myTablesQuery = `
SELECT TABLE_NAME, TABLE_TYPE, ENGINE, TABLE_COLLATION
FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE()`

	myColumnsQuery = `
SELECT TABLE_NAME, COLUMN_NAME, ORDINAL_POSITION, COLUMN_TYPE, DATA_TYPE, IS_NULLABLE,
	COLUMN_DEFAULT, EXTRA, GENERATION_EXPRESSION, COLLATION_NAME
FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE()`

	myIndexesQuery = `
SELECT TABLE_NAME, INDEX_NAME, NON_UNIQUE, COLUMN_NAME, SUB_PART, COLLATION, INDEX_TYPE, %s
FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = DATABASE()
ORDER BY TABLE_NAME, INDEX_NAME, SEQ_IN_INDEX`

	myChecksQuery = `
SELECT tc.TABLE_NAME, tc.CONSTRAINT_NAME, cc.CHECK_CLAUSE
FROM information_schema.TABLE_CONSTRAINTS tc
JOIN information_schema.CHECK_CONSTRAINTS cc
	ON cc.CONSTRAINT_SCHEMA = tc.CONSTRAINT_SCHEMA AND cc.CONSTRAINT_NAME = tc.CONSTRAINT_NAME %s
WHERE tc.TABLE_SCHEMA = DATABASE() AND tc.CONSTRAINT_TYPE = 'CHECK'`

	myForeignKeysQuery = `
SELECT k.TABLE_NAME, k.CONSTRAINT_NAME, k.COLUMN_NAME, k.REFERENCED_TABLE_SCHEMA, k.REFERENCED_TABLE_NAME,
	k.REFERENCED_COLUMN_NAME, r.UPDATE_RULE, r.DELETE_RULE
FROM information_schema.KEY_COLUMN_USAGE k
JOIN information_schema.REFERENTIAL_CONSTRAINTS r
	ON r.CONSTRAINT_SCHEMA = k.CONSTRAINT_SCHEMA AND r.CONSTRAINT_NAME = k.CONSTRAINT_NAME AND r.TABLE_NAME = k.TABLE_NAME
WHERE k.TABLE_SCHEMA = DATABASE() AND k.REFERENCED_TABLE_NAME IS NOT NULL
ORDER BY k.TABLE_NAME, k.CONSTRAINT_NAME, k.ORDINAL_POSITION`

	myViewsQuery = `
SELECT TABLE_NAME, VIEW_DEFINITION, CHECK_OPTION, SECURITY_TYPE
FROM information_schema.VIEWS WHERE TABLE_SCHEMA = DATABASE()`

	myTriggersQuery = `
SELECT EVENT_OBJECT_TABLE, TRIGGER_NAME, ACTION_TIMING, EVENT_MANIPULATION, ACTION_ORIENTATION,
	ACTION_ORDER, ACTION_STATEMENT
FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA = DATABASE()`

	myRoutinesQuery = `
SELECT ROUTINE_NAME, ROUTINE_TYPE, DTD_IDENTIFIER, ROUTINE_DEFINITION
FROM information_schema.ROUTINES WHERE ROUTINE_SCHEMA = DATABASE()`

	// myProbeQuery finds the information_schema columns that differ
	// between MySQL and MariaDB versions.
	myProbeQuery = `
SELECT TABLE_NAME, COLUMN_NAME FROM information_schema.COLUMNS
WHERE TABLE_SCHEMA = 'information_schema'
AND ((TABLE_NAME = 'STATISTICS' AND COLUMN_NAME = 'EXPRESSION')
	OR (TABLE_NAME = 'CHECK_CONSTRAINTS' AND COLUMN_NAME IN ('CHECK_CLAUSE', 'TABLE_NAME')))`
)

// myGeneratedName matches the numbered names MySQL and MariaDB give
// constraints the migration did not name.
var myGeneratedName = regexp.MustCompile(`^(.*_ibfk_|.*_chk_|CONSTRAINT_)[0-9]+$`)

// myCurrentTimestamp matches CURRENT_TIMESTAMP and its synonyms with an
// optional precision, as MySQL and MariaDB spell them differently.
var myCurrentTimestamp = regexp.MustCompile(`(?i)\b(current_timestamp|now|localtimestamp|localtime)\b(\(\s*([0-9]*)\s*\))?`)

// snapshotMySQL reads the objects of DATABASE().
func snapshotMySQL(ctx context.Context, conn *sql.Conn, historyTable string) ([]object, error) {
	var database, version, collation sql.NullString
	err := conn.QueryRowContext(ctx, `SELECT DATABASE(), VERSION(),
		(SELECT DEFAULT_COLLATION_NAME FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = DATABASE())`).
		Scan(&database, &version, &collation)
	if err != nil {
		return nil, err
	}
	if !database.Valid {
		return nil, fmt.Errorf("no current database: the DSN names none")
	}
	r := &myReader{
		skip:      excluded(historyTable, database.String),
		database:  database.String,
		collation: collation.String,
		mariaDB:   strings.Contains(version.String, "MariaDB"),
		tables:    map[string]string{},
	}
	probe := map[string]bool{}
	err = queryRows(ctx, conn, myProbeQuery, nil, func(rows *sql.Rows) error {
		var table, column string
		if err := rows.Scan(&table, &column); err != nil {
			return err
		}
		probe[table+"."+column] = true
		return nil
	})
	if err != nil {
		return nil, err
	}

	expression := "NULL"
	if probe["STATISTICS.EXPRESSION"] {
		expression = "EXPRESSION"
	}
	steps := []struct {
		query string
		scan  func(*sql.Rows) error
	}{
		{myTablesQuery, r.table},
		{myColumnsQuery, r.column},
		{fmt.Sprintf(myIndexesQuery, expression), r.indexColumn},
		{myForeignKeysQuery, r.foreignKeyColumn},
		{myViewsQuery, r.view},
		{myTriggersQuery, r.trigger},
		{myRoutinesQuery, r.routine},
	}
	if probe["CHECK_CONSTRAINTS.CHECK_CLAUSE"] { // MySQL 8.0.16+, MariaDB 10.2+
		sameTable := ""
		if probe["CHECK_CONSTRAINTS.TABLE_NAME"] { // MariaDB: names are unique per table
			sameTable = "AND cc.TABLE_NAME = tc.TABLE_NAME"
		}
		steps = append(steps, struct {
			query string
			scan  func(*sql.Rows) error
		}{fmt.Sprintf(myChecksQuery, sameTable), r.check})
	}
	for _, step := range steps {
		if err := queryRows(ctx, conn, step.query, nil, step.scan); err != nil {
			return nil, err
		}
	}
	r.flushIndex()
	r.flushForeignKey()
	return r.objs, nil
}

// myReader turns information_schema rows into snapshot objects.
type myReader struct {
	skip      map[string]bool
	database  string
	collation string // the database's default collation
	mariaDB   bool
	tables    map[string]string // base table → its collation
	objs      []object

	// The index and foreign key being assembled from one row per column.
	idx struct {
		table, name, kind string
		unique            bool
		cols              []string
	}
	fk struct {
		table, name, refTable, update, delete string
		cols, refCols                         []string
	}
}

func (r *myReader) add(group string, rank, pos int, text string) {
	r.objs = append(r.objs, object{group: group, rank: rank, pos: pos, text: text})
}

func (r *myReader) table(rows *sql.Rows) error {
	var name, kind, engine, collation sql.NullString
	if err := rows.Scan(&name, &kind, &engine, &collation); err != nil {
		return err
	}
	if r.skip[name.String] {
		return nil
	}
	switch kind.String {
	case "VIEW":
		return nil // from VIEWS
	case "SEQUENCE":
		r.add(name.String, rankTable, 0, "sequence "+myName(name.String))
		return nil
	}
	r.tables[name.String] = collation.String
	line := "table " + myName(name.String) + " engine " + engine.String
	if collation.String != r.collation {
		line += " collate " + collation.String
	}
	if kind.String == "SYSTEM VERSIONED" {
		line += " system versioned"
	}
	r.add(name.String, rankTable, 0, line)
	return nil
}

func (r *myReader) column(rows *sql.Rows) error {
	var table, name, pos, typ, dataType, nullable, def, extra, generation, collation sql.NullString
	if err := rows.Scan(&table, &name, &pos, &typ, &dataType, &nullable, &def, &extra, &generation, &collation); err != nil {
		return err
	}
	tableCollation, ok := r.tables[table.String]
	if !ok { // a view's column, or a left-out table's
		return nil
	}
	var b strings.Builder
	fmt.Fprintf(&b, "column %s.%s %s", myName(table.String), myName(name.String), typ.String)
	if collation.Valid && collation.String != tableCollation {
		b.WriteString(" collate " + collation.String)
	}
	if nullable.String == "NO" {
		b.WriteString(" not null")
	}
	if d := r.columnDefault(def, dataType.String, extra.String); d != "" {
		b.WriteString(" default " + d)
	}
	if e := r.columnExtra(extra.String, generation.String); e != "" {
		b.WriteString(" " + e)
	}
	n, _ := strconv.Atoi(pos.String) // a number; its order is all that counts
	r.add(table.String, rankColumn, n, b.String())
	return nil
}

// columnDefault spells a column's default the same way on MySQL and
// MariaDB. MariaDB (10.2.7+) gives it as an SQL expression, with 'NULL'
// for DEFAULT NULL; MySQL gives literals unquoted and marks expressions
// DEFAULT_GENERATED in EXTRA.
func (r *myReader) columnDefault(def sql.NullString, dataType, extra string) string {
	if !def.Valid {
		return ""
	}
	v := def.String
	switch {
	case r.mariaDB && v == "NULL":
		return ""
	case r.mariaDB, strings.Contains(strings.ToLower(extra), "default_generated"):
		return myNormalizeTime(v)
	case myNumericType[strings.ToLower(dataType)], strings.HasPrefix(v, "b'"):
		return v
	case strings.EqualFold(v, "CURRENT_TIMESTAMP") || strings.HasPrefix(strings.ToUpper(v), "CURRENT_TIMESTAMP("):
		return myNormalizeTime(v)
	}
	return "'" + strings.ReplaceAll(v, "'", "''") + "'"
}

var myNumericType = map[string]bool{
	"tinyint": true, "smallint": true, "mediumint": true, "int": true, "integer": true, "bigint": true,
	"decimal": true, "numeric": true, "float": true, "double": true, "real": true, "bit": true, "year": true,
}

// columnExtra spells EXTRA (auto_increment, on update, generation,
// invisible) the same way on MySQL and MariaDB.
func (r *myReader) columnExtra(extra, generation string) string {
	var words []string
	for _, w := range strings.Fields(strings.ToLower(myNormalizeTime(extra))) {
		switch w {
		case "default_generated":
			continue
		case "virtual", "stored", "persistent":
			if w == "persistent" { // MariaDB's old synonym
				w = "stored"
			}
			words = append(words, "generated always as ("+oneLine(generation)+") "+w)
			continue
		case "generated":
			continue
		}
		words = append(words, w)
	}
	return strings.Join(words, " ")
}

// myNormalizeTime spells CURRENT_TIMESTAMP and its synonyms as
// current_timestamp() or current_timestamp(n).
func myNormalizeTime(s string) string {
	return myCurrentTimestamp.ReplaceAllStringFunc(s, func(m string) string {
		p := myCurrentTimestamp.FindStringSubmatch(m)
		return "current_timestamp(" + p[3] + ")"
	})
}

func (r *myReader) indexColumn(rows *sql.Rows) error {
	var table, name, nonUnique, column, subPart, collation, kind, expression sql.NullString
	if err := rows.Scan(&table, &name, &nonUnique, &column, &subPart, &collation, &kind, &expression); err != nil {
		return err
	}
	if _, ok := r.tables[table.String]; !ok {
		return nil
	}
	if table.String != r.idx.table || name.String != r.idx.name {
		r.flushIndex()
		r.idx.table, r.idx.name, r.idx.kind = table.String, name.String, strings.ToLower(kind.String)
		r.idx.unique = nonUnique.String == "0"
		r.idx.cols = nil
	}
	col := myName(column.String)
	if !column.Valid {
		col = "(" + expression.String + ")"
	}
	if subPart.Valid {
		col += "(" + subPart.String + ")"
	}
	if collation.String == "D" {
		col += " desc"
	}
	r.idx.cols = append(r.idx.cols, col)
	return nil
}

func (r *myReader) flushIndex() {
	x := &r.idx
	if x.table == "" {
		return
	}
	if x.name == "PRIMARY" {
		r.add(x.table, rankConstraint, 0, fmt.Sprintf("primary key %s (%s)", myName(x.table), strings.Join(x.cols, ", ")))
	} else {
		unique := ""
		if x.unique {
			unique = "unique "
		}
		r.add(x.table, rankIndex, 0, fmt.Sprintf("index %s.%s %s%s (%s)",
			myName(x.table), myName(myConstraintName(x.name)), unique, x.kind, strings.Join(x.cols, ", ")))
	}
	x.table = ""
}

func (r *myReader) foreignKeyColumn(rows *sql.Rows) error {
	var table, name, column, refSchema, refTable, refColumn, update, del sql.NullString
	if err := rows.Scan(&table, &name, &column, &refSchema, &refTable, &refColumn, &update, &del); err != nil {
		return err
	}
	if _, ok := r.tables[table.String]; !ok {
		return nil
	}
	if table.String != r.fk.table || name.String != r.fk.name {
		r.flushForeignKey()
		r.fk.table, r.fk.name = table.String, name.String
		r.fk.refTable = myName(refTable.String)
		if refSchema.String != r.database {
			r.fk.refTable = myName(refSchema.String) + "." + r.fk.refTable
		}
		r.fk.update, r.fk.delete = strings.ToLower(update.String), strings.ToLower(del.String)
		r.fk.cols, r.fk.refCols = nil, nil
	}
	r.fk.cols = append(r.fk.cols, myName(column.String))
	r.fk.refCols = append(r.fk.refCols, myName(refColumn.String))
	return nil
}

func (r *myReader) flushForeignKey() {
	f := &r.fk
	if f.table == "" {
		return
	}
	r.add(f.table, rankForeignKey, 0, fmt.Sprintf("foreign key %s.%s (%s) references %s (%s) on delete %s on update %s",
		myName(f.table), myName(myConstraintName(f.name)), strings.Join(f.cols, ", "),
		f.refTable, strings.Join(f.refCols, ", "), f.delete, f.update))
	f.table = ""
}

func (r *myReader) check(rows *sql.Rows) error {
	var table, name, clause sql.NullString
	if err := rows.Scan(&table, &name, &clause); err != nil {
		return err
	}
	if _, ok := r.tables[table.String]; !ok {
		return nil
	}
	r.add(table.String, rankConstraint, 0, fmt.Sprintf("constraint %s.%s check (%s)",
		myName(table.String), myName(myConstraintName(name.String)), r.unqualify(normalizeSQL(clause.String))))
	return nil
}

func (r *myReader) view(rows *sql.Rows) error {
	var name, def, checkOption, security sql.NullString
	if err := rows.Scan(&name, &def, &checkOption, &security); err != nil {
		return err
	}
	line := fmt.Sprintf("view %s as %s", myName(name.String), r.unqualify(normalizeSQL(def.String)))
	if checkOption.String != "" && checkOption.String != "NONE" {
		line += " with " + strings.ToLower(checkOption.String) + " check option"
	}
	if security.String == "INVOKER" {
		line += " sql security invoker"
	}
	r.add(name.String, rankTable, 0, line)
	return nil
}

func (r *myReader) trigger(rows *sql.Rows) error {
	var table, name, timing, event, orientation, order, statement sql.NullString
	if err := rows.Scan(&table, &name, &timing, &event, &orientation, &order, &statement); err != nil {
		return err
	}
	if _, ok := r.tables[table.String]; !ok {
		return nil
	}
	line := fmt.Sprintf("trigger %s.%s %s %s for each %s", myName(table.String), myName(name.String),
		strings.ToLower(timing.String), strings.ToLower(event.String), strings.ToLower(orientation.String))
	if order.String != "" && order.String != "1" {
		line += " order " + order.String
	}
	r.add(table.String, rankTrigger, 0, line+" "+r.unqualify(normalizeSQL(statement.String)))
	return nil
}

func (r *myReader) routine(rows *sql.Rows) error {
	var name, kind, returns, body sql.NullString
	if err := rows.Scan(&name, &kind, &returns, &body); err != nil {
		return err
	}
	line := strings.ToLower(kind.String) + " " + myName(name.String)
	if returns.String != "" {
		line += " returns " + returns.String
	}
	r.add(name.String, rankTable, 0, line+" body "+shortHash(normalizeSQL(r.unqualify(body.String))))
	return nil
}

// unqualify removes the current database's name from qualified names in
// view and trigger bodies: it is a new random name in every test.
func (r *myReader) unqualify(s string) string {
	return strings.ReplaceAll(s, "`"+strings.ReplaceAll(r.database, "`", "``")+"`.", "")
}

// myConstraintName replaces the number in a generated constraint name
// with #.
func myConstraintName(name string) string {
	if m := myGeneratedName.FindStringSubmatch(name); m != nil {
		return m[1] + "#"
	}
	return name
}

// myName quotes a MySQL name with backticks unless it is made of
// letters, digits, _, $ and the # of a normalised generated name.
func myName(name string) string {
	for _, c := range name {
		if !(c == '_' || c == '$' || c == '#' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9') {
			return "`" + strings.ReplaceAll(name, "`", "``") + "`"
		}
	}
	return name
}
