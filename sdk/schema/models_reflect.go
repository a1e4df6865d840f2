package schema

import (
	"database/sql"
	"fmt"
	"reflect"
	"strings"
)

// FromModels reads model structs (values or pointers) as the desired
// schema: one table per struct, one column per exported field, mapped
// as docs/schema.md's table says. The table is what a TableName()
// string method returns, else the snake_case plural of the struct's
// name; the column is the db tag, else the snake_case field name; db:"-"
// skips a field; embedded structs lend their fields. Options come in a
// hoist tag: hoist:"pk;autoincrement;size:255;unique;fk:users.id". A
// RenamedFrom() string method names the table's former name, so that
// [Diff] renames it instead of creating a new one.
func FromModels(models ...any) (*Models, error) {
	var ms []model
	for _, v := range models {
		m, err := reflectModel(v)
		if err != nil {
			return nil, err
		}
		ms = append(ms, m)
	}
	return mapModels(ms)
}

func reflectModel(v any) (model, error) {
	rt := reflect.TypeOf(v)
	for rt != nil && rt.Kind() == reflect.Pointer {
		rt = rt.Elem()
	}
	if rt == nil || rt.Kind() != reflect.Struct {
		return model{}, fmt.Errorf("schema: model %T is not a struct", v)
	}
	m := model{goName: rt.Name(), table: tableName(rt.Name()), where: rt.String()}
	if name, ok := stringMethod(rt, "TableName"); ok {
		m.table = name
	}
	m.renamedFrom, _ = stringMethod(rt, "RenamedFrom")
	m.fields = reflectFields(rt, m.where)
	return m, nil
}

// stringMethod calls the method name() string of rt's zero value, on the
// value or a pointer to it, and reports whether rt has one.
func stringMethod(rt reflect.Type, name string) (string, bool) {
	for _, t := range []reflect.Type{rt, reflect.PointerTo(rt)} {
		if meth, ok := t.MethodByName(name); ok && meth.Type.NumIn() == 1 && meth.Type.NumOut() == 1 && meth.Type.Out(0).Kind() == reflect.String {
			recv := reflect.New(rt)
			if t == rt {
				recv = recv.Elem()
			}
			return recv.Method(meth.Index).Call(nil)[0].String(), true
		}
	}
	return "", false
}

func reflectFields(rt reflect.Type, where string) []modelField {
	var out []modelField
	for i := range rt.NumField() {
		f := rt.Field(i)
		db := f.Tag.Get("db")
		if db == "-" {
			continue
		}
		if f.Anonymous && db == "" {
			et := f.Type
			if et.Kind() == reflect.Pointer {
				et = et.Elem()
			}
			if et.Kind() == reflect.Struct && reflectType(f.Type).kind == "" {
				out = append(out, reflectFields(et, where)...)
				continue
			}
		}
		if !f.IsExported() {
			continue
		}
		col := strings.Split(db, ",")[0]
		if col == "" {
			col = snakeCase(f.Name)
		}
		out = append(out, modelField{goName: f.Name, column: col, tag: f.Tag.Get("hoist"), typ: reflectType(f.Type), where: where})
	}
	return out
}

var scannerType = reflect.TypeFor[sql.Scanner]()

// reflectType reduces a field's type to the mapping's terms.
func reflectType(t reflect.Type) fieldType {
	ft := fieldType{spelled: t.String()}
	if t.Kind() == reflect.Pointer {
		ft = reflectType(t.Elem())
		ft.nullable, ft.spelled = true, t.String()
		return ft
	}
	if g := goTypeNull(t.Name()); g != nil && t.PkgPath() == "database/sql" {
		ft.kind, ft.nullable = g.name, true
		return ft
	}
	if t.PkgPath() == "database/sql" && strings.HasPrefix(t.Name(), "Null[") {
		if v, ok := t.FieldByName("V"); ok {
			inner := reflectType(v.Type)
			inner.nullable, inner.spelled = true, t.String()
			return inner
		}
	}
	if g := goTypeAt(t.PkgPath(), t.Name()); g != nil {
		ft.kind = g.name
		return ft
	}
	if t.Kind() == reflect.String && t.Name() != "string" {
		if m, ok := t.MethodByName("Values"); ok && m.Type.NumIn() == 1 && m.Type.NumOut() == 1 && m.Type.Out(0) == reflect.TypeFor[[]string]() {
			ft.kind, ft.enum = "enum", t.Name()
			ft.values = reflect.Zero(t).Method(m.Index).Call(nil)[0].Interface().([]string)
			return ft
		}
	}
	if reflect.PointerTo(t).Implements(scannerType) {
		return ft // a Scanner: only with a type: option
	}
	spelled := t.Kind().String() // int, uint8, ...: as the predeclared type of that kind
	if t.Kind() == reflect.Slice {
		spelled = "[]" + t.Elem().Kind().String()
	}
	if g := goTypeSpelled(spelled); g != nil {
		ft.kind = g.name
	}
	return ft
}
