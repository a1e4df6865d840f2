package schema

import (
	"fmt"
	"regexp"
	"strings"
)

// Builder records the changes of one schema migration. It is handed to
// the function given to [Migration]; it touches no database, and every
// mistake it can see is reported, naming the table and column, before
// any SQL runs.
type Builder struct {
	changes []Change
	errs    []error
	enums   map[string][]string // enums defined by Enum(...).EnumName(...) so far
}

// Error is a mistake in a schema migration, found before any SQL ran.
type Error struct {
	// Migration is "<version> <name>"; Table and Column are "" where
	// the mistake is not about one.
	Migration, Table, Column string
	Msg                      string
}

func (e *Error) Error() string {
	var parts []string
	if e.Migration != "" {
		parts = append(parts, "schema migration "+e.Migration)
	}
	if e.Table != "" {
		where := "table " + e.Table
		if e.Column != "" {
			where += ", column " + e.Column
		}
		parts = append(parts, where)
	}
	return strings.Join(append(parts, e.Msg), ": ")
}

func (b *Builder) errorf(table, column, format string, args ...any) {
	b.errs = append(b.errs, &Error{Table: table, Column: column, Msg: fmt.Sprintf(format, args...)})
}

// CreateTable creates the table name with the columns, keys and indexes
// that fn adds to t.
func (b *Builder) CreateTable(name string, fn func(t *Table)) {
	t := &Table{b: b, def: &TableDef{Name: name}, create: true}
	b.checkName(name, "", "table")
	fn(t)
	t.finish()
}

// AlterTable changes the existing table name: columns fn adds are added
// (or redefined, when marked with [Column.Change]), and so are indexes
// and foreign keys; DropColumn, RenameColumn, DropIndex and DropForeign
// change what is there.
func (b *Builder) AlterTable(name string, fn func(t *Table)) {
	t := &Table{b: b, def: &TableDef{Name: name}}
	b.checkName(name, "", "table")
	fn(t)
	t.finish()
}

// DropTable drops the table name. What it held is not described, so a
// migration that drops a table needs an explicit down to be reversible.
func (b *Builder) DropTable(name string) {
	b.checkName(name, "", "table")
	b.changes = append(b.changes, DropTable{Name: name})
}

// RenameTable renames the table from to to.
func (b *Builder) RenameTable(from, to string) {
	b.checkName(from, "", "table")
	b.checkName(to, "", "table")
	b.changes = append(b.changes, RenameTable{From: from, To: to})
}

// AddEnumValue adds value at the end of the members of the existing
// named enum. PostgreSQL cannot drop a member again, so the migration is
// irreversible unless built with [MigrationWithDown]; and a member
// cannot be used (as a default, say) in the migration that adds it,
// since PostgreSQL allows that only after the transaction commits.
func (b *Builder) AddEnumValue(enum, value string) {
	b.checkName(enum, "", "enum")
	if !identifier.MatchString(value) {
		b.errorf("", "", "enum %s: member %q is not an identifier (letters, digits and _, not starting with a digit)", enum, value)
	}
	b.changes = append(b.changes, AddEnumValue{Enum: enum, Value: value})
}

// maxIdent is the longest name every engine keeps whole (PostgreSQL
// truncates at 63 bytes, MySQL refuses more than 64).
const maxIdent = 63

func (b *Builder) checkName(name, table, what string) {
	switch {
	case name == "":
		b.errorf(table, "", "empty %s name", what)
	case len(name) > maxIdent:
		b.errorf(table, "", "%s name %q is longer than %d bytes; PostgreSQL would cut it", what, name, maxIdent)
	case strings.ContainsAny(name, ".\x00"):
		b.errorf(table, "", "%s name %q holds a dot or a NUL; use a plain name", what, name)
	}
}

// identifier is what an enum member must look like: a letter or an
// underscore, then letters, digits and underscores (PENDING_REVIEW).
var identifier = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

// defineEnum checks the enum a column defines and records it; it
// returns whether the enum is new to this migration.
func (b *Builder) defineEnum(table string, c *Column) bool {
	col := c.def
	if col.Enum == "" {
		b.errorf(table, col.Name, "an enum needs a name: add .EnumName(\"...\") (PostgreSQL creates a type by that name)")
		return false
	}
	b.checkName(col.Enum, table, "enum")
	if len(col.Values) == 0 {
		b.errorf(table, col.Name, "enum %s has no members", col.Enum)
	}
	seen := map[string]bool{}
	for _, v := range col.Values {
		if !identifier.MatchString(v) {
			b.errorf(table, col.Name, "enum %s: member %q is not an identifier (letters, digits and _, not starting with a digit)", col.Enum, v)
		}
		if seen[v] {
			b.errorf(table, col.Name, "enum %s: member %q is listed twice", col.Enum, v)
		}
		seen[v] = true
	}
	if prev, ok := b.enums[col.Enum]; ok {
		if !equalStrings(prev, col.Values) {
			b.errorf(table, col.Name, "enum %s is defined again with other members (%s, was %s): reuse it with EnumRef or give it another name",
				col.Enum, strings.Join(col.Values, ", "), strings.Join(prev, ", "))
		}
		return false
	}
	if b.enums == nil {
		b.enums = map[string][]string{}
	}
	b.enums[col.Enum] = col.Values
	return true
}

func equalStrings(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
