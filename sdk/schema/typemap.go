package schema

import (
	"slices"
	"strconv"
	"strings"
)

// goType is one row of the mapping between Go field types and column
// types. [FromModels] and [FromSource] read it from left to right (a
// field's type to its column), [Sync] from right to left (a column to
// the field that reads back to it), so that a type is added in one
// place; docs/schema.md shows it as two tables, and TestTypeMapDocs
// holds them to this one.
//
// Not rows, since no one Go type stands for them: enums (a named string
// type with Values, written by Sync as a type of its own), decimal(p,s)
// from a sql.Scanner type of the application's (only with type:), and
// TypeOther (a column no Go type maps, written by Sync as string with a
// note).
type goType struct {
	// name is the Go type as Sync writes it, with its package's default
	// name ("time.Time"), and the field type's kind for the mapping.
	name string
	// path is the import path of name's package, "" for a predeclared
	// type or []byte.
	path string
	// also are other spellings that map to the same column, predeclared
	// or []uint8; they read back as name.
	also []string
	// nulls are database/sql's nullable wrappers of the type (the
	// sql.NullInt64 of int64); they read back as *name or sql.Null[name].
	// *T and sql.Null[T] are nullable for every row.
	nulls []string
	// col is the column type of a plain field.
	col Type
	// sized is the column type a size:n option gives, with length n,
	// and reads back with size:n.
	sized Type
	// typed are column types that only a type: option gives this Go
	// type, and read back with it (type:date on a time.Time).
	typed []Type
}

// goTypes is the mapping. Each column type is in at most one row, so
// that Sync has one answer; the order is docs/schema.md's.
var goTypes = []goType{
	{name: "int64", also: []string{"int", "uint32"}, nulls: []string{"NullInt64"}, col: TypeBigInt},
	{name: "int32", also: []string{"uint16"}, nulls: []string{"NullInt32"}, col: TypeInteger},
	{name: "int16", also: []string{"int8", "uint8", "byte"}, nulls: []string{"NullInt16", "NullByte"}, col: TypeSmallInt},
	{name: "bool", nulls: []string{"NullBool"}, col: TypeBoolean},
	{name: "string", nulls: []string{"NullString"}, col: TypeText, sized: TypeString, typed: []Type{TypeDecimal}},
	{name: "float64", nulls: []string{"NullFloat64"}, col: TypeDouble},
	{name: "float32", col: TypeFloat},
	{name: "time.Time", path: "time", nulls: []string{"NullTime"}, col: TypeTimestamp, typed: []Type{TypeDate, TypeTime}},
	{name: "[]byte", also: []string{"[]uint8"}, col: TypeBinary},
	{name: "uuid.UUID", path: "github.com/google/uuid", col: TypeUUID},
	{name: "json.RawMessage", path: "encoding/json", col: TypeJSON},
}

// goTypeSpelled is the row of a predeclared type or []byte as spelled
// ("int", "[]uint8"), or of the name Sync writes ("time.Time"); nil for
// any other.
func goTypeSpelled(spelled string) *goType {
	for i, g := range goTypes {
		if g.name == spelled || slices.Contains(g.also, spelled) {
			return &goTypes[i]
		}
	}
	return nil
}

// goTypeAt is the row of the named type name of the package at path
// ("github.com/google/uuid", "UUID"); nil for any other.
func goTypeAt(path, name string) *goType {
	for i, g := range goTypes {
		if g.path != "" && g.path == path && g.name[strings.LastIndexByte(g.name, '.')+1:] == name {
			return &goTypes[i]
		}
	}
	return nil
}

// goTypeNull is the row that database/sql's wrapper name (NullString)
// wraps; nil for any other.
func goTypeNull(name string) *goType {
	for i, g := range goTypes {
		if slices.Contains(g.nulls, name) {
			return &goTypes[i]
		}
	}
	return nil
}

// goTypeOf is the row whose Go type reads back to col's type, and the
// hoist tag option that the column's type then needs (size:n,
// type:date); nil for an enum or a type no row has.
func goTypeOf(col *ColumnDef) (*goType, string) {
	for i, g := range goTypes {
		switch {
		case g.col == col.Type:
			return &goTypes[i], ""
		case g.sized != "" && g.sized == col.Type:
			return &goTypes[i], "size:" + strconv.Itoa(col.Length)
		case slices.Contains(g.typed, col.Type):
			spec := string(col.Type)
			if col.Type == TypeDecimal {
				spec += "(" + strconv.Itoa(col.Precision) + "," + strconv.Itoa(col.Scale) + ")"
			}
			return &goTypes[i], "type:" + spec
		}
	}
	return nil, ""
}

// goTypeImports are the import paths the mapped types need: those of
// the rows and database/sql, for the nullable wrappers.
func goTypeImports() []string {
	out := []string{"database/sql"}
	for _, g := range goTypes {
		if g.path != "" {
			out = append(out, g.path)
		}
	}
	return out
}
