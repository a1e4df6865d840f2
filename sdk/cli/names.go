package cli

import (
	"bufio"
	"fmt"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
	"unicode"
)

// words splits a name written in any style ("create users table",
// "CreateUsersTable", "create-users_table", "HTTPServer") into lower-case
// ASCII words.
func words(s string) []string {
	var (
		out []string
		cur []rune
	)
	flush := func() {
		if len(cur) > 0 {
			out = append(out, strings.ToLower(string(cur)))
			cur = cur[:0]
		}
	}
	rs := []rune(s)
	for i, r := range rs {
		isAlnum := r < unicode.MaxASCII && (unicode.IsLetter(r) || unicode.IsDigit(r))
		if !isAlnum {
			flush()
			continue
		}
		if unicode.IsUpper(r) && len(cur) > 0 {
			prev := cur[len(cur)-1]
			nextLower := i+1 < len(rs) && unicode.IsLower(rs[i+1])
			if unicode.IsLower(prev) || unicode.IsDigit(prev) || unicode.IsUpper(prev) && nextLower {
				flush()
			}
		}
		cur = append(cur, r)
	}
	flush()
	return out
}

// snake returns "create_users_table" for any spelling of it.
func snake(s string) string { return strings.Join(words(s), "_") }

// initialisms are written in capitals in Go identifiers.
var initialisms = map[string]bool{"id": true, "url": true, "uri": true, "http": true, "api": true, "json": true,
	"sql": true, "uuid": true, "ip": true, "db": true, "html": true, "xml": true}

// camel returns the exported Go identifier for a name: CreateUsersTable,
// UserID. A name that starts with a digit gets prefix.
func camel(s, prefix string) string {
	var b strings.Builder
	for _, w := range words(s) {
		if initialisms[w] {
			b.WriteString(strings.ToUpper(w))
			continue
		}
		b.WriteString(strings.ToUpper(w[:1]) + w[1:])
	}
	id := b.String()
	if id == "" || unicode.IsDigit(rune(id[0])) {
		id = prefix + id
	}
	return id
}

// pluralize makes the last word of a snake_case name plural, in the
// simple English way: post → posts, category → categories, box → boxes.
func pluralize(name string) string {
	switch {
	case name == "":
		return name
	case hasAnySuffix(name, "s", "x", "z", "ch", "sh"):
		return name + "es"
	case strings.HasSuffix(name, "y") && len(name) > 1 && !strings.ContainsRune("aeiou", rune(name[len(name)-2])):
		return name[:len(name)-1] + "ies"
	}
	return name + "s"
}

func hasAnySuffix(s string, suffixes ...string) bool {
	for _, x := range suffixes {
		if strings.HasSuffix(s, x) {
			return true
		}
	}
	return false
}

// nextVersion picks the version of a new migration in dir: the next
// number in the directory's width when its versions are sequential (0001,
// 0002), else the UTC timestamp of now (20261122093000), or one more than
// the newest version when that is not newer.
func nextVersion(dir string, now time.Time) (string, error) {
	entries, err := os.ReadDir(dir)
	if err != nil && !os.IsNotExist(err) {
		return "", err
	}
	var (
		newest int64
		width  int
	)
	for _, e := range entries {
		digits := 0
		for digits < len(e.Name()) && '0' <= e.Name()[digits] && e.Name()[digits] <= '9' {
			digits++
		}
		if digits == 0 || digits == len(e.Name()) || e.Name()[digits] != '_' {
			continue
		}
		v, err := strconv.ParseInt(e.Name()[:digits], 10, 64)
		if err == nil && v > newest {
			newest, width = v, digits
		}
	}
	if newest > 0 && newest < 1e10 {
		return fmt.Sprintf("%0*d", width, newest+1), nil
	}
	ts := now.UTC().Format("20060102150405")
	if v, _ := strconv.ParseInt(ts, 10, 64); v <= newest {
		return strconv.FormatInt(newest+1, 10), nil
	}
	return ts, nil
}

// module finds the go.mod at or above dir and returns the import path of
// dir in that module.
func importPath(dir string) (string, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return "", err
	}
	for root := abs; ; {
		if mod, err := modulePath(filepath.Join(root, "go.mod")); err == nil {
			rel, err := filepath.Rel(root, abs)
			if err != nil {
				return "", err
			}
			if rel == "." {
				return mod, nil
			}
			return mod + "/" + filepath.ToSlash(rel), nil
		}
		parent := filepath.Dir(root)
		if parent == root {
			return "", fmt.Errorf("no go.mod at or above %s: run `go mod init` first", dir)
		}
		root = parent
	}
}

// modulePath reads the module directive of a go.mod file.
func modulePath(gomod string) (string, error) {
	f, err := os.Open(gomod)
	if err != nil {
		return "", err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if rest, ok := strings.CutPrefix(line, "module"); ok && (rest == "" || rest[0] == ' ' || rest[0] == '\t') {
			rest, _, _ = strings.Cut(rest, "//")
			return strings.Trim(strings.TrimSpace(rest), `"`), nil
		}
	}
	return "", fmt.Errorf("%s has no module line", gomod)
}

// packageName returns the package of the Go files in dir, or a name
// made from the directory's.
func packageName(dir string) string {
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		n := e.Name()
		if e.IsDir() || !strings.HasSuffix(n, ".go") || strings.HasSuffix(n, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(token.NewFileSet(), filepath.Join(dir, n), nil, parser.PackageClauseOnly)
		if err == nil {
			return f.Name.Name
		}
	}
	name := strings.Join(words(filepath.Base(dir)), "")
	name = strings.TrimLeft(name, "0123456789")
	if name == "" {
		return "migrations"
	}
	return name
}

// display returns path relative to the working directory when it is
// below it, for messages.
func (c *command) display(path string) string {
	cwd, err := c.tree.getwd()
	if err != nil || !filepath.IsAbs(path) {
		return path
	}
	if rel, err := filepath.Rel(cwd, path); err == nil && !strings.HasPrefix(rel, "..") {
		return rel
	}
	return path
}
