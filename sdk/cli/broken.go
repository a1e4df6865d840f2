package cli

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strings"

	"github.com/hoistdb/hoist/embedfs"
	"github.com/hoistdb/hoist/sdk"
)

// brokenFile is a migration file that does not parse, such as a new one
// whose up section is still empty.
type brokenFile struct {
	File    string `json:"file"`
	Line    int    `json:"line"`
	Problem string `json:"problem"`
}

func (b brokenFile) String() string {
	if b.Line > 0 {
		return fmt.Sprintf("%s:%d: %s", b.File, b.Line, b.Problem)
	}
	return b.File + ": " + b.Problem
}

// readMigrationFiles reads the SQL migrations of dir. A file that does not
// parse is left out of the file system returned and reported in broken,
// so that a read-only command can show it and go on; the files of the
// same migration (its .up.sql and .down.sql pair) go with it. err is the
// reading error itself, which a command that changes the database
// returns.
func readMigrationFiles(dir string) (fsys fs.FS, broken []brokenFile, err error) {
	root := os.DirFS(dir)
	skip := map[string]bool{}
	var first error
	for range 1000 { // each round leaves out at least one more file
		fsys = withoutFiles{root, skip}
		_, err := embedfs.ReadMigrations(fsys)
		if err == nil {
			return fsys, broken, first
		}
		if first == nil {
			first = err
		}
		found := fileErrors(err)
		if len(found) == 0 {
			return nil, nil, err
		}
		for _, e := range found {
			if skip[e.File] {
				return nil, nil, err
			}
			broken = append(broken, brokenFile{File: e.File, Line: e.Line, Problem: e.Err.Error()})
			skip[e.File] = true
			for _, sib := range pairOf(e.File) {
				skip[sib] = true
			}
		}
	}
	return nil, nil, first
}

// fileErrors are the per-file errors in err, a joined error.
func fileErrors(err error) []*embedfs.Error {
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		var out []*embedfs.Error
		for _, e := range j.Unwrap() {
			out = append(out, fileErrors(e)...)
		}
		return out
	}
	var e *embedfs.Error
	if errors.As(err, &e) && e.File != "" {
		return []*embedfs.Error{e}
	}
	return nil
}

// pairOf names the other file of an .up.sql/.down.sql pair.
func pairOf(file string) []string {
	if b, ok := strings.CutSuffix(file, ".up.sql"); ok {
		return []string{b + ".down.sql"}
	}
	if b, ok := strings.CutSuffix(file, ".down.sql"); ok {
		return []string{b + ".up.sql"}
	}
	return nil
}

// withoutFiles is a directory without some of its files.
type withoutFiles struct {
	fs.FS
	skip map[string]bool
}

func (w withoutFiles) Open(name string) (fs.File, error) {
	if w.skip[name] {
		return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrNotExist}
	}
	return w.FS.Open(name)
}

func (w withoutFiles) ReadDir(name string) ([]fs.DirEntry, error) {
	entries, err := fs.ReadDir(w.FS, name)
	if err != nil || name != "." {
		return entries, err
	}
	kept := entries[:0]
	for _, e := range entries {
		if !w.skip[e.Name()] {
			kept = append(kept, e)
		}
	}
	return kept, nil
}

// warnBroken says on the error output which files a read-only command
// left out.
func (c *command) warnBroken() {
	for _, b := range c.broken {
		fmt.Fprintf(c.out.errw, "%s left out the broken %s/%s; migrate refuses to run until it is fixed\n",
			c.out.paint(yellow, "warning:"), c.display(c.cfg.Migrations), b)
	}
}

// refuseBroken is the error of a command that changes the database while
// a migration file is broken: it names every such file.
func (c *command) refuseBroken(broken []brokenFile) error {
	lines := make([]string, len(broken))
	for i, b := range broken {
		lines[i] = c.display(c.cfg.Migrations) + "/" + b.String()
	}
	return fmt.Errorf("%s runs nothing while a migration file is broken: fix it, or move it out of %s (migrate:status shows the rest)\n%s",
		c.cobra.Name(), c.display(c.cfg.Migrations), strings.Join(lines, "\n"))
}

// withoutBroken drops the applied migrations whose file is broken from
// list (the Missing ones): their file is there, only it does not parse,
// and the Broken section shows it.
func withoutBroken(list []sdk.MigrationStatus, broken []brokenFile) []sdk.MigrationStatus {
	if len(broken) == 0 {
		return list
	}
	var out []sdk.MigrationStatus
	for _, s := range list {
		prefix := fmt.Sprint(s.Version) + "_"
		isBroken := false
		for _, b := range broken {
			digits := strings.TrimLeft(b.File, "0")
			isBroken = isBroken || strings.HasPrefix(digits, prefix)
		}
		if !isBroken {
			out = append(out, s)
		}
	}
	return out
}
