package testkit

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/jmoiron/sqlx"
	"github.com/jmoiron/sqlx/reflectx"
)

// Factory makes rows of one table for tests: T is a struct whose fields
// are the table's columns, named by `db` tags as in sqlx (a field without
// a tag is the column of its lower-cased name, `db:"-"` is no column, the
// fields of an embedded struct are columns of the table).
//
// Every row starts from the defaults function, called with the row's
// sequence number n: 1 for the factory's first row, 2 for the next, and so
// on, shared by all tests that use the factory, so defaults such as
// fmt.Sprintf("user%d@example.com", n) stay unique under t.Parallel.
// Per-call overrides then change what the test cares about.
//
// A Factory is safe for concurrent use. Declare one per table next to
// the tests, as a package-level variable.
type Factory[T any] struct {
	table    string
	defaults func(n int) T
	key      string
	seq      *atomic.Int64
}

// NewFactory returns a factory for table (unquoted, optionally
// schema-qualified) whose rows start as defaults(n). Its key column is
// "id"; see [Factory.WithKey].
func NewFactory[T any](table string, defaults func(n int) T) *Factory[T] {
	return &Factory[T]{table: table, defaults: defaults, key: "id", seq: new(atomic.Int64)}
}

// WithKey returns a copy of f whose key column is column: the column the
// database generates (an identity, serial, AUTO_INCREMENT or SQLite
// INTEGER PRIMARY KEY column). When a row's key field is zero the INSERT
// leaves the column out, so the database picks the value, and Create
// returns the row with it. "" means the table has no generated key; the
// default is "id" when T has an id column, none otherwise. The copy
// shares f's sequence.
func (f *Factory[T]) WithKey(column string) *Factory[T] {
	c := *f
	c.key = column
	return &c
}

// Build returns the next row without inserting it: the defaults for the
// next sequence number with overrides applied in order.
func (f *Factory[T]) Build(overrides ...func(*T)) T {
	var row T
	if f.defaults != nil {
		row = f.defaults(int(f.seq.Add(1)))
	} else {
		f.seq.Add(1)
	}
	for _, o := range overrides {
		o(&row)
	}
	return row
}

// Create builds a row as [Factory.Build] does, inserts it into db and
// returns it as stored: with the generated key and, where the engine can
// return them, the values of columns that database defaults or triggers
// set. It fails t if the insert fails.
func (f *Factory[T]) Create(t testing.TB, db *DB, overrides ...func(*T)) T {
	t.Helper()
	rows, err := f.Insert(t.Context(), db, f.Build(overrides...))
	if err != nil {
		t.Fatalf("testkit: Factory: %v", err)
	}
	return rows[0]
}

// CreateMany creates n rows as [Factory.Create] does, each with its own
// sequence number and the same overrides, in one transaction, and returns
// them in order.
func (f *Factory[T]) CreateMany(t testing.TB, db *DB, n int, overrides ...func(*T)) []T {
	t.Helper()
	rows := make([]T, n)
	for i := range rows {
		rows[i] = f.Build(overrides...)
	}
	out, err := f.Insert(t.Context(), db, rows...)
	if err != nil {
		t.Fatalf("testkit: Factory: %v", err)
	}
	return out
}

// Insert inserts rows as they are, in one transaction, and returns them
// as stored, like [Factory.Create] without a testing.TB. Each row is one
// sqlx named INSERT of every column of T, except the key column while its
// field is zero. The stored row is read back with RETURNING on
// PostgreSQL and SQLite, and by the key (the given one or
// LastInsertId) on MySQL and MariaDB; without a key column a MySQL row is
// returned as given.
func (f *Factory[T]) Insert(ctx context.Context, db *DB, rows ...T) ([]T, error) {
	if db == nil || db.DB == nil || db.Dialect == nil {
		return nil, errors.New("nil or incomplete *testkit.DB")
	}
	x := sqlx.NewDb(db.DB, db.Driver)
	cols, err := columnsOf(x.Mapper, reflect.TypeFor[T]())
	if err != nil {
		return nil, fmt.Errorf("table %s: %w", f.table, err)
	}
	var key *reflectx.FieldInfo
	if f.key != "" {
		key = x.Mapper.TypeMap(reflect.TypeFor[T]()).GetByPath(f.key)
		if key == nil && f.key != "id" {
			return nil, fmt.Errorf("table %s: %s has no field for the key column %q", f.table, reflect.TypeFor[T](), f.key)
		}
	}

	tx, err := x.BeginTxx(ctx, nil)
	if err != nil {
		return nil, err
	}
	defer func() { _ = tx.Rollback() }() // after Commit it does nothing
	out := make([]T, len(rows))
	for i := range rows {
		out[i], err = f.insert(ctx, tx, db, cols, key, rows[i])
		if err != nil {
			return nil, fmt.Errorf("insert into %s: %w", f.table, err)
		}
	}
	if err := tx.Commit(); err != nil {
		return nil, err
	}
	return out, nil
}

func (f *Factory[T]) insert(ctx context.Context, tx *sqlx.Tx, db *DB, cols []string, key *reflectx.FieldInfo, row T) (T, error) {
	q := db.Dialect.QuoteIdent
	v := reflect.ValueOf(&row).Elem()
	omitKey := false
	if key != nil {
		kv, err := v.FieldByIndexErr(key.Index)
		if err != nil {
			return row, err
		}
		omitKey = kv.IsZero()
	}
	var names, params, all []string
	for _, c := range cols {
		all = append(all, q(c))
		if omitKey && c == key.Path {
			continue
		}
		names = append(names, q(c))
		params = append(params, ":"+c)
	}
	var stmt strings.Builder
	fmt.Fprintf(&stmt, "INSERT INTO %s ", q(f.table))
	switch {
	case len(names) > 0:
		fmt.Fprintf(&stmt, "(%s) VALUES (%s)", strings.Join(names, ", "), strings.Join(params, ", "))
	case db.Dialect.Name() == "mysql":
		stmt.WriteString("() VALUES ()")
	default:
		stmt.WriteString("DEFAULT VALUES")
	}

	if db.Dialect.Name() != "mysql" {
		stmt.WriteString(" RETURNING " + strings.Join(all, ", "))
		query, args, err := tx.BindNamed(stmt.String(), row)
		if err != nil {
			return row, err
		}
		stored := row // keeps the fields that are no columns
		if err := tx.QueryRowxContext(ctx, query, args...).StructScan(&stored); err != nil {
			return row, err
		}
		return stored, nil
	}

	query, args, err := tx.BindNamed(stmt.String(), row)
	if err != nil {
		return row, err
	}
	res, err := tx.ExecContext(ctx, query, args...)
	if err != nil {
		return row, err
	}
	if key == nil {
		return row, nil
	}
	kv, _ := v.FieldByIndexErr(key.Index) // checked above
	if omitKey {
		id, err := res.LastInsertId()
		if err != nil {
			return row, err
		}
		switch kv.Kind() {
		case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
			kv.SetInt(id)
		case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
			kv.SetUint(uint64(id))
		default:
			return row, fmt.Errorf("key column %s is a %s, not an integer that AUTO_INCREMENT could fill; set it in the defaults", key.Path, kv.Type())
		}
	}
	stored := row
	sel := fmt.Sprintf("SELECT %s FROM %s WHERE %s = ?", strings.Join(all, ", "), q(f.table), q(key.Path))
	if err := tx.QueryRowxContext(ctx, sel, kv.Interface()).StructScan(&stored); err != nil {
		return row, fmt.Errorf("read back: %w", err)
	}
	return stored, nil
}

// columnsOf lists the column names of struct type t as m maps them: its
// fields and the fields of its untagged embedded structs, not the fields
// of nested structs such as time.Time.
func columnsOf(m *reflectx.Mapper, t reflect.Type) ([]string, error) {
	if t.Kind() != reflect.Struct {
		return nil, fmt.Errorf("factory type %s is not a struct", t)
	}
	tm := m.TypeMap(t)
	var cols []string
	for _, fi := range tm.Index {
		if fi.Embedded || fi.Name == "" || strings.Contains(fi.Path, ".") || tm.Paths[fi.Path] != fi {
			continue
		}
		cols = append(cols, fi.Path)
	}
	if len(cols) == 0 {
		return nil, fmt.Errorf("factory type %s has no exported fields", t)
	}
	return cols, nil
}
