package testkit

import (
	"context"
	"fmt"
	"reflect"
	"regexp"
	"runtime"
	"unsafe"

	"github.com/hoistdb/hoist/sdk"
)

// goFuncID names the code of one function of a Go migration for the
// template key: its symbol, such as "app/migrations.addUsers" or
// "app/migrations.All.func3", which is unique in a binary and the same in
// every run of it (an address is not, under ASLR). The key also holds the
// binary's build ID, so a name never stands for other code.
//
// A name tells the code, not the values a closure captured: two closures
// of one function literal made with different values (a helper that
// returns the migration of the table it is given) share a name and do
// different things. ok is false when fn may be such a closure; Migrated
// then builds no template for the set (see uncachedReason).
func goFuncID(fn func(context.Context, sdk.Tx) error) (id string, ok bool) {
	if fn == nil {
		return "nil", true
	}
	pc := reflect.ValueOf(fn).Pointer()
	name := fmt.Sprintf("pc %#x", pc)
	if f := runtime.FuncForPC(pc); f != nil {
		name = f.Name()
	}
	// A func value points to its closure: the code pointer, followed by
	// the captured values, if any.
	closure := *(*unsafe.Pointer)(unsafe.Pointer(&fn))
	return name, !mayCapture(name, uintptr(closure))
}

// literalName matches the symbols of function literals ("F.func1",
// "F.func1.2", "G.F.1" when F is inlined in G, "F.gowrap1", "F-range1")
// and method values ("T.M-fm"), the only functions whose values can
// carry captured values (a method value carries its receiver).
var literalName = regexp.MustCompile(`(\.func\d+|\.\d+|-fm|\.gowrap\d+|\.deferwrap\d+|-range\d+)(\.\d+)*$`)

// mayCapture reports whether the function of symbol name, whose closure
// is at closure, may carry captured values. A function that captures
// nothing has a closure that the compiler puts in the binary's read-only
// data, while one that captures is allocated at run time: where the
// platform tells where closure lies (staticClosure), that decides;
// elsewhere only a declared function is known to capture nothing.
func mayCapture(name string, closure uintptr) bool {
	if static, known := staticClosure(closure); known {
		return !static
	}
	return literalName.MatchString(name)
}

// goMigrationsKey writes the identity of the Go functions of mig into
// the key, and returns why the set cannot be cached, or "".
func goMigrationsKey(w func(format string, args ...any), mig sdk.Migration) (uncached string) {
	up, down := mig.GoFuncs()
	upID, upOK := goFuncID(up)
	downID, downOK := goFuncID(down)
	w("go up=%s down=%s\n", upID, downID)
	switch {
	case !upOK:
		return uncachedReason(mig, "up", upID)
	case !downOK:
		return uncachedReason(mig, "down", downID)
	}
	return ""
}

func uncachedReason(mig sdk.Migration, dir, id string) string {
	return fmt.Sprintf("Go migration %d %q: its %s is a closure (%s) that may capture values, which testkit cannot compare, so a template could be another set's; "+
		"this database is migrated without one (a declared function, or a literal that captures nothing, is cached)", mig.Version, mig.Name, dir, id)
}
