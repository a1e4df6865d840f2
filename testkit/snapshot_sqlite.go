package testkit

import (
	"context"
	"database/sql"
	"fmt"
	"regexp"
	"strings"
)

// sqliteAutoindex matches the names SQLite gives the indexes behind
// UNIQUE and PRIMARY KEY constraints.
var sqliteAutoindex = regexp.MustCompile(`^(sqlite_autoindex_.*_)[0-9]+$`)

// sqliteEntry is one row of sqlite_master.
type sqliteEntry struct {
	kind, name, table, sql string
}

// snapshotSQLite reads the objects of the main database from
// sqlite_master and the table pragmas. SQLite keeps no catalogue of CHECK
// constraints or of the text of views, triggers and indexes beyond the
// SQL they were created with; those parts come from that SQL, spacing and
// comments normalised.
func snapshotSQLite(ctx context.Context, conn *sql.Conn, historyTable string) ([]object, error) {
	skip := excluded(historyTable, "main")
	var entries []sqliteEntry
	err := queryRows(ctx, conn, `SELECT type, name, tbl_name, COALESCE(sql, '') FROM main.sqlite_master
		WHERE name NOT LIKE 'sqlite\_%' ESCAPE '\'`, nil, func(rows *sql.Rows) error {
		var e sqliteEntry
		if err := rows.Scan(&e.kind, &e.name, &e.table, &e.sql); err != nil {
			return err
		}
		if !skip[e.table] {
			entries = append(entries, e)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	options := map[string]string{}
	err = queryRows(ctx, conn, `SELECT name, wr, strict FROM pragma_table_list WHERE schema = 'main' AND type = 'table'`, nil,
		func(rows *sql.Rows) error {
			var name string
			var withoutRowid, strict bool
			if err := rows.Scan(&name, &withoutRowid, &strict); err != nil {
				return err
			}
			if withoutRowid {
				options[name] += " without rowid"
			}
			if strict {
				options[name] += " strict"
			}
			return nil
		})
	if err != nil {
		return nil, err
	}

	r := &sqliteReader{conn: conn}
	for _, e := range entries {
		switch e.kind {
		case "table":
			err = r.table(ctx, e, options[e.name])
		case "view":
			r.add(e.name, rankTable, 0, "view "+sqliteName(e.name)+" "+afterName(e.sql))
		case "trigger":
			r.add(e.table, rankTrigger, 0, fmt.Sprintf("trigger %s.%s %s", sqliteName(e.table), sqliteName(e.name), afterName(e.sql)))
		}
		if err != nil {
			return nil, err
		}
	}
	return r.objs, nil
}

type sqliteReader struct {
	conn *sql.Conn
	objs []object
}

func (r *sqliteReader) add(group string, rank, pos int, text string) {
	r.objs = append(r.objs, object{group: group, rank: rank, pos: pos, text: text})
}

func (r *sqliteReader) table(ctx context.Context, e sqliteEntry, options string) error {
	t := sqliteName(e.name)
	line := "table " + t + options
	toks := tokenizeSQL(e.sql)
	for _, tok := range toks {
		if strings.EqualFold(tok.text, "AUTOINCREMENT") {
			line += " autoincrement"
			break
		}
	}
	r.add(e.name, rankTable, 0, line)

	var pk []string
	err := queryRows(ctx, r.conn, `SELECT cid, name, type, "notnull", dflt_value, pk, hidden FROM pragma_table_xinfo(?, 'main')`,
		[]any{e.name}, func(rows *sql.Rows) error {
			var cid, pkPos, hidden int
			var name, typ string
			var notNull bool
			var def sql.NullString
			if err := rows.Scan(&cid, &name, &typ, &notNull, &def, &pkPos, &hidden); err != nil {
				return err
			}
			var b strings.Builder
			fmt.Fprintf(&b, "column %s.%s", t, sqliteName(name))
			if typ != "" {
				b.WriteString(" " + strings.ToLower(normalizeSQL(typ)))
			}
			if notNull {
				b.WriteString(" not null")
			}
			if def.Valid {
				b.WriteString(" default " + normalizeSQL(def.String))
			}
			switch hidden {
			case 1:
				b.WriteString(" hidden")
			case 2:
				b.WriteString(" generated virtual")
			case 3:
				b.WriteString(" generated stored")
			}
			if pkPos > 0 {
				for len(pk) < pkPos {
					pk = append(pk, "")
				}
				pk[pkPos-1] = sqliteName(name)
			}
			r.add(e.name, rankColumn, cid+1, b.String())
			return nil
		})
	if err != nil {
		return err
	}
	if len(pk) > 0 {
		r.add(e.name, rankConstraint, 0, fmt.Sprintf("primary key %s (%s)", t, strings.Join(compact(pk), ", ")))
	}

	for _, c := range sqliteChecks(toks) {
		r.add(e.name, rankConstraint, 0, "constraint "+t+c)
	}
	if err := r.indexes(ctx, e.name); err != nil {
		return err
	}
	return r.foreignKeys(ctx, e.name)
}

// compact drops empty strings.
func compact(s []string) []string {
	out := s[:0]
	for _, v := range s {
		if v != "" {
			out = append(out, v)
		}
	}
	return out
}

func (r *sqliteReader) indexes(ctx context.Context, table string) error {
	type index struct {
		name, origin string
		unique       bool
	}
	var list []index
	err := queryRows(ctx, r.conn, `SELECT name, "unique", origin FROM pragma_index_list(?, 'main')`, []any{table},
		func(rows *sql.Rows) error {
			var x index
			if err := rows.Scan(&x.name, &x.unique, &x.origin); err != nil {
				return err
			}
			list = append(list, x)
			return nil
		})
	if err != nil {
		return err
	}
	t := sqliteName(table)
	for _, x := range list {
		switch x.origin {
		case "pk": // the primary key line says it
			continue
		case "u":
			cols, err := r.indexColumns(ctx, x.name)
			if err != nil {
				return err
			}
			name := x.name
			if m := sqliteAutoindex.FindStringSubmatch(name); m != nil {
				name = m[1] + "#"
			}
			r.add(table, rankConstraint, 0, fmt.Sprintf("constraint %s.%s unique (%s)", t, sqliteName(name), cols))
		default:
			var def string
			if err := r.conn.QueryRowContext(ctx, `SELECT COALESCE(sql, '') FROM main.sqlite_master WHERE type = 'index' AND name = ?`, x.name).Scan(&def); err != nil {
				return err
			}
			unique := ""
			if x.unique {
				unique = "unique "
			}
			r.add(table, rankIndex, 0, fmt.Sprintf("index %s.%s %s%s", t, sqliteName(x.name), unique, indexBody(def)))
		}
	}
	return nil
}

// indexColumns lists the key columns of an index as "a, b desc".
func (r *sqliteReader) indexColumns(ctx context.Context, index string) (string, error) {
	var cols []string
	err := queryRows(ctx, r.conn, `SELECT name, "desc", coll FROM pragma_index_xinfo(?, 'main') WHERE key = 1 ORDER BY seqno`,
		[]any{index}, func(rows *sql.Rows) error {
			var name, coll sql.NullString
			var desc bool
			if err := rows.Scan(&name, &desc, &coll); err != nil {
				return err
			}
			c := sqliteName(name.String)
			if !name.Valid {
				c = "(expression)"
			}
			if coll.Valid && !strings.EqualFold(coll.String, "BINARY") {
				c += " collate " + coll.String
			}
			if desc {
				c += " desc"
			}
			cols = append(cols, c)
			return nil
		})
	return strings.Join(cols, ", "), err
}

// indexBody returns a CREATE INDEX statement from its column list on:
// "(a, b) WHERE c".
func indexBody(def string) string {
	body := afterName(def)
	toks := tokenizeSQL(body)
	if len(toks) > 1 && strings.EqualFold(toks[0].text, "ON") {
		i := 2
		for i+1 < len(toks) && toks[i].text == "." {
			i += 2
		}
		if i < len(toks) {
			toks[i].space = false
			return joinTokens(toks[i:])
		}
	}
	return body
}

func (r *sqliteReader) foreignKeys(ctx context.Context, table string) error {
	type fk struct {
		parent, onUpdate, onDelete, match string
		from, to                          []string
	}
	var ids []int
	fks := map[int]*fk{}
	err := queryRows(ctx, r.conn, `SELECT id, "table", "from", "to", on_update, on_delete, "match"
		FROM pragma_foreign_key_list(?, 'main') ORDER BY id, seq`, []any{table}, func(rows *sql.Rows) error {
		var id int
		var parent, from, onUpdate, onDelete, match string
		var to sql.NullString
		if err := rows.Scan(&id, &parent, &from, &to, &onUpdate, &onDelete, &match); err != nil {
			return err
		}
		f, ok := fks[id]
		if !ok {
			f = &fk{parent: parent, onUpdate: onUpdate, onDelete: onDelete, match: match}
			fks[id] = f
			ids = append(ids, id)
		}
		f.from = append(f.from, sqliteName(from))
		if to.Valid { // NULL: the parent's primary key
			f.to = append(f.to, sqliteName(to.String))
		}
		return nil
	})
	if err != nil {
		return err
	}
	for _, id := range ids {
		f := fks[id]
		to := ""
		if len(f.to) > 0 {
			to = " (" + strings.Join(f.to, ", ") + ")"
		}
		line := fmt.Sprintf("foreign key %s (%s) references %s%s on delete %s on update %s",
			sqliteName(table), strings.Join(f.from, ", "), sqliteName(f.parent), to,
			strings.ToLower(f.onDelete), strings.ToLower(f.onUpdate))
		if f.match != "" && !strings.EqualFold(f.match, "NONE") {
			line += " match " + strings.ToLower(f.match)
		}
		r.add(table, rankForeignKey, 0, line)
	}
	return nil
}

// sqliteChecks finds the CHECK constraints in the tokens of a CREATE
// TABLE statement and returns each as ".name check (expr)" or
// " check (expr)" for one without a name.
func sqliteChecks(toks []sqlToken) []string {
	var out []string
	for i := 0; i < len(toks); i++ {
		if !strings.EqualFold(toks[i].text, "CHECK") || i+1 >= len(toks) || toks[i+1].text != "(" {
			continue
		}
		depth, j := 0, i+1
		for ; j < len(toks); j++ {
			switch toks[j].text {
			case "(":
				depth++
			case ")":
				depth--
			}
			if depth == 0 {
				break
			}
		}
		if j == len(toks) {
			j--
		}
		expr := toks[i+1 : j+1]
		expr[0].space = false
		name := ""
		if i >= 2 && strings.EqualFold(toks[i-2].text, "CONSTRAINT") {
			name = "." + toks[i-1].text
		}
		out = append(out, name+" check "+joinTokens(expr))
		i = j
	}
	return out
}

// sqliteName quotes a name with double quotes unless it is made of
// letters, digits, _ and the # of a normalised generated name.
func sqliteName(name string) string {
	for _, c := range name {
		if !(c == '_' || c == '#' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9') {
			return `"` + strings.ReplaceAll(name, `"`, `""`) + `"`
		}
	}
	return name
}
