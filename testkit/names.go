package testkit

import (
	"regexp"
	"strconv"
	"time"
)

// Everything testkit creates on a server is named with namePrefix, and
// testkit drops nothing else. The names carry their creation time, so
// that the leftovers of killed test binaries can be swept without a
// catalogue of their own:
//
//	hoist_test_<unix seconds>_<8 hex digits>     a test database, or a template being built
//	hoist_test_tpl_<16 hex digits>_<unix seconds>  a finished template, keyed by its migrations
//
// and the clones of a template kept across test binaries (pool.go), by
// the first 16 hex digits of the template's key:
//
//	hoist_test_pool_<16 hex>_<unix seconds>_<8 hex>  a clone on the shelf (MySQL: or one in use, see below)
//	hoist_test_held_<16 hex>_<unix seconds>_<8 hex>  PostgreSQL: a shelf clone that a test binary took
//	hoist_test_rdy_<16 hex>_<unix seconds>_<8 hex>   MySQL: an empty database saying the clone is complete and free
//	hoist_test_kpt_<16 hex>_<unix seconds>_<8 hex>   MySQL: an empty database saying the clone was kept for a failed test
const namePrefix = "hoist_test_"

// Leftovers older than these are dropped when a test binary first uses a
// server. A test database lives as long as its test, so a day old is
// forgotten (a kept one included); a template is rebuilt in seconds when
// needed again.
const (
	databaseMaxAge = 24 * time.Hour
	templateMaxAge = 7 * 24 * time.Hour
)

// shelfMaxAge is how long a clone stays on a server's shelf (pool.go):
// long enough for the test runs of a working session, short enough that
// the shelves of migration sets nobody tests any more go soon. The
// shelves of rebuilt test binaries of an unreleased hoist (whose build
// ID is in the template's key) are bounded by count as well
// (shelf_builds.go).
const shelfMaxAge = 2 * time.Hour

var (
	databaseName = regexp.MustCompile(`^hoist_test_([0-9]{10,})_[0-9a-f]{8}$`)
	templateName = regexp.MustCompile(`^hoist_test_tpl_([0-9a-f]{16})_([0-9]{10,})$`)
	shelfName    = regexp.MustCompile(`^hoist_test_(pool|held|rdy|kpt)_([0-9a-f]{16}_([0-9]{10,})_[0-9a-f]{8})$`)
)

// newShelfName returns a fresh name of the given kind ("pool", "held")
// for a clone of the template of key made at now.
func newShelfName(kind, key string, now time.Time) string {
	return namePrefix + kind + "_" + key[:16] + "_" + strconv.FormatInt(now.Unix(), 10) + "_" + randomHex(4)
}

// shelfSibling returns the name of kind that goes with the shelf name
// name: the same clone, or its marker.
func shelfSibling(name, kind string) string {
	m := shelfName.FindStringSubmatch(name)
	if m == nil {
		return ""
	}
	return namePrefix + kind + "_" + m[2]
}

// shelfKind returns the kind of a shelf name ("pool", "held", "rdy",
// "kpt"), or "" for another name.
func shelfKind(name string) string {
	if m := shelfName.FindStringSubmatch(name); m != nil {
		return m[1]
	}
	return ""
}

// shelfExpired reports whether a shelf name was made more than
// shelfMaxAge before now.
func shelfExpired(name string, now time.Time) bool { return shelfOlderThan(name, now, shelfMaxAge) }

// shelfOlderThan reports whether a shelf name was made more than age
// before now.
func shelfOlderThan(name string, now time.Time, age time.Duration) bool {
	m := shelfName.FindStringSubmatch(name)
	return m != nil && olderThan(m[3], now, age)
}

// shelfPattern is a LIKE pattern matching the names of kind for the
// template of key.
func shelfPattern(kind, key string) string {
	return `hoist\_test\_` + kind + `\_` + key[:16] + `\_%`
}

// newDatabaseName returns a fresh name for a test database created at now.
func newDatabaseName(now time.Time) string {
	return namePrefix + strconv.FormatInt(now.Unix(), 10) + "_" + randomHex(4)
}

// newTemplateName returns the name of the template of key finished at
// now. key is at least 16 hex digits; the first 16 are used.
func newTemplateName(key string, now time.Time) string {
	return namePrefix + "tpl_" + key[:16] + "_" + strconv.FormatInt(now.Unix(), 10)
}

// templatePattern is a LIKE pattern matching the templates of key.
func templatePattern(key string) string {
	return `hoist\_test\_tpl\_` + key[:16] + `\_%`
}

// expired reports whether name is a testkit database or template that is
// older than its maximum age at now. Names testkit did not make are never
// expired.
func expired(name string, now time.Time) bool {
	if m := databaseName.FindStringSubmatch(name); m != nil {
		return olderThan(m[1], now, databaseMaxAge)
	}
	if m := templateName.FindStringSubmatch(name); m != nil {
		return olderThan(m[2], now, templateMaxAge)
	}
	return false
}

// isTemplate reports whether name is a finished template's.
func isTemplate(name string) bool { return templateName.MatchString(name) }

func olderThan(unix string, now time.Time, age time.Duration) bool {
	sec, err := strconv.ParseInt(unix, 10, 64)
	if err != nil {
		return false
	}
	return now.Sub(time.Unix(sec, 0)) > age
}

// ours reports whether name is one testkit may drop.
func ours(name string) bool {
	return databaseName.MatchString(name) || templateName.MatchString(name) || shelfName.MatchString(name)
}
