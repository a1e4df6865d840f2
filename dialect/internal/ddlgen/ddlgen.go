// Package ddlgen holds what the dialects' DDL renderers and inspectors
// have in common: quoting lists of names, foreign key clauses, defaults,
// and reading the catalogue's spelling of a default back into the
// model's.
package ddlgen

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/hoistdb/hoist/sdk/schema"
)

// Engine is how one engine spells names and literals.
type Engine struct {
	// Quote quotes an identifier.
	Quote func(name string) string
	// String spells a string literal.
	String func(s string) string
	// Bool spells a boolean literal.
	Bool func(b bool) string
	// Now spells CURRENT_TIMESTAMP for a column of this type.
	Now func(c *schema.ColumnDef) string
}

// Names quotes names and joins them with ", ".
func (e *Engine) Names(names []string) string {
	q := make([]string, len(names))
	for i, n := range names {
		q[i] = e.Quote(n)
	}
	return strings.Join(q, ", ")
}

// Strings spells values as string literals joined with ", ".
func (e *Engine) Strings(values []string) string {
	q := make([]string, len(values))
	for i, v := range values {
		q[i] = e.String(v)
	}
	return strings.Join(q, ", ")
}

// References spells `REFERENCES "t" ("c") [ON DELETE a] [ON UPDATE a]`.
func (e *Engine) References(fk *schema.ForeignKeyDef) string {
	s := "REFERENCES " + e.Quote(fk.RefTable) + " (" + e.Names(fk.RefColumns) + ")"
	if fk.OnDelete != schema.NoAction {
		s += " ON DELETE " + string(fk.OnDelete)
	}
	if fk.OnUpdate != schema.NoAction {
		s += " ON UPDATE " + string(fk.OnUpdate)
	}
	return s
}

// ForeignKey spells `CONSTRAINT "n" FOREIGN KEY ("c") REFERENCES ...`.
func (e *Engine) ForeignKey(fk *schema.ForeignKeyDef) string {
	return "CONSTRAINT " + e.Quote(fk.Name) + " FOREIGN KEY (" + e.Names(fk.Columns) + ") " + e.References(fk)
}

// CreateIndex spells `CREATE [UNIQUE] INDEX "n" ON "t" ("c")`.
func (e *Engine) CreateIndex(table string, ix *schema.IndexDef) string {
	kind := "INDEX "
	if ix.Unique {
		kind = "UNIQUE INDEX "
	}
	return "CREATE " + kind + e.Quote(ix.Name) + " ON " + e.Quote(table) + " (" + e.Names(ix.Columns) + ")"
}

// Default spells the column's default as a literal of its type, or ""
// when it has none.
func (e *Engine) Default(c *schema.ColumnDef) string {
	d := c.Default
	switch {
	case d == nil:
		return ""
	case d.Expr && d.Value == schema.CurrentTimestamp:
		return e.Now(c)
	case d.Expr:
		return d.Value
	}
	switch c.Type {
	case schema.TypeBoolean:
		return e.Bool(d.Value == "true")
	case schema.TypeSmallInt, schema.TypeInteger, schema.TypeBigInt, schema.TypeDecimal, schema.TypeFloat, schema.TypeDouble:
		return d.Value
	}
	return e.String(d.Value)
}

// Unsupported is the error for a change an engine cannot make yet.
func Unsupported(engine string, c schema.Change, why string) error {
	return fmt.Errorf("%s: %T is not supported yet: %s", engine, c, why)
}

// Number canonicalises a numeric literal as the model spells it: no
// leading plus, no trailing zeros after the point, no lone point.
func Number(s string) (string, bool) {
	s = strings.TrimSpace(s)
	if _, err := strconv.ParseFloat(s, 64); err != nil {
		return "", false
	}
	s = strings.TrimPrefix(s, "+")
	if strings.ContainsAny(s, "eE") {
		f, _ := strconv.ParseFloat(s, 64)
		return strconv.FormatFloat(f, 'f', -1, 64), true
	}
	if strings.Contains(s, ".") {
		s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	}
	if s == "" || s == "-" || s == "-0" {
		s = "0"
	}
	return s, true
}

// IsNow reports whether a catalogue's default expression is the time of
// the insert: CURRENT_TIMESTAMP, now() or current_timestamp(6), in any
// case.
func IsNow(expr string) bool {
	e := strings.ToLower(strings.TrimSpace(expr))
	if i := strings.IndexByte(e, '('); i > 0 {
		e = e[:i]
	}
	return e == "current_timestamp" || e == "now" || e == "localtimestamp"
}

// Literal turns a default the catalogue read as a plain value into the
// model's literal for the column's type: booleans from 1/0/true/false,
// numbers canonical, the rest as they are.
func Literal(c *schema.ColumnDef, v string) *schema.Default {
	switch c.Type {
	case schema.TypeBoolean:
		switch strings.ToLower(v) {
		case "1", "true", "t", "'1'", "'true'":
			return &schema.Default{Value: "true"}
		case "0", "false", "f", "'0'", "'false'":
			return &schema.Default{Value: "false"}
		}
	case schema.TypeSmallInt, schema.TypeInteger, schema.TypeBigInt, schema.TypeDecimal, schema.TypeFloat, schema.TypeDouble:
		if n, ok := Number(v); ok {
			return &schema.Default{Value: n}
		}
	}
	return &schema.Default{Value: v}
}

// Unquote reads a SQL string literal 'it”s' as it's; ok is false when s
// is not one. Backslash escapes are undone when backslashes is set
// (MySQL).
func Unquote(s string, backslashes bool) (string, bool) {
	if len(s) < 2 || s[0] != '\'' || s[len(s)-1] != '\'' {
		return "", false
	}
	body := s[1 : len(s)-1]
	var b strings.Builder
	for i := 0; i < len(body); i++ {
		ch := body[i]
		switch {
		case ch == '\'' && i+1 < len(body) && body[i+1] == '\'':
			b.WriteByte('\'')
			i++
		case ch == '\\' && backslashes && i+1 < len(body):
			i++
			switch body[i] {
			case 'n':
				b.WriteByte('\n')
			case 't':
				b.WriteByte('\t')
			case 'r':
				b.WriteByte('\r')
			case '0':
				b.WriteByte(0)
			default:
				b.WriteByte(body[i])
			}
		default:
			b.WriteByte(ch)
		}
	}
	return b.String(), true
}

// Each runs query on q and calls fn for each row with the row's Scan.
func Each(ctx context.Context, q schema.Querier, query string, fn func(scan func(dest ...any) error) error) error {
	rows, err := q.QueryContext(ctx, query)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		if err := fn(rows.Scan); err != nil {
			return err
		}
	}
	return rows.Err()
}

// Split splits a list of names joined by chr(31), as the inspection
// queries return them; "" is no names.
func Split(s string) []string {
	if s == "" {
		return nil
	}
	return strings.Split(s, "\x1f")
}
