package schema

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/hoistdb/hoist/dialect"
)

// GenerateOptions say what [Generate] compares and where it writes.
type GenerateOptions struct {
	// Models is the desired schema, usually [FromModels] or [FromSource].
	Models *Models
	// Dir is the directory the migration is written to; required unless
	// DryRun.
	Dir string
	// Name names the migration (snake_case in the file name); default
	// auto_migration.
	Name string
	// Go writes a builder migration ([Changeset.GoFile]) instead of SQL.
	Go bool
	// DryRun writes nothing; the result still holds the text.
	DryRun bool
	// Diff tunes the comparison; the models' renames are added to it.
	Diff DiffOptions
	// Now dates the version (UTC, 20061102150405); default time.Now.
	Now func() time.Time
}

// Generated is what [Generate] made.
type Generated struct {
	// File is the path written, "" when nothing was (no change, or a dry
	// run).
	File string
	// Text is the migration's text, "" when there is no change.
	Text    string
	Version int64
	Changes *Changeset
}

// Generate is migrate:generate for code that has its models compiled
// in: it compares opts.Models with the database db reaches ([Compare])
// and writes the migration that makes the database match them, SQL for
// dl or a Go builder migration, named <version>_<name>.sql (.go), the
// version being the UTC time. Nothing to change: no file, and Text "".
// An existing file is never overwritten.
func Generate(ctx context.Context, db *sql.DB, dl dialect.Dialect, opts GenerateOptions) (*Generated, error) {
	if opts.Models == nil {
		return nil, errors.New("schema: Generate: no models")
	}
	name := opts.Name
	if name == "" {
		name = "auto_migration"
	}
	name = fileWord(name)
	if name == "" {
		return nil, fmt.Errorf("schema: Generate: the name %q has no letters or digits", opts.Name)
	}
	now := time.Now
	if opts.Now != nil {
		now = opts.Now
	}
	version, _ := strconv.ParseInt(now().UTC().Format("20060102150405"), 10, 64)
	diffOpts := opts.Diff
	diffOpts.Renames = append(append([]Rename(nil), diffOpts.Renames...), opts.Models.Renames...)
	cs, err := Compare(ctx, db, dl, opts.Models.Schema, diffOpts)
	if err != nil {
		return nil, err
	}
	g := &Generated{Version: version, Changes: cs}
	ext := ".sql"
	if opts.Go {
		ext = ".go"
		pkg := fileWord(filepath.Base(opts.Dir))
		if pkg == "" || unicode.IsDigit(rune(pkg[0])) {
			pkg = "migrations"
		}
		g.Text, err = cs.GoFile(strings.ReplaceAll(pkg, "_", ""), goName(name), version, name, opts.Models.Schema)
	} else {
		g.Text, err = cs.SQLFile(dl)
	}
	if err != nil || g.Text == "" || opts.DryRun {
		return g, err
	}
	if opts.Dir == "" {
		return nil, errors.New("schema: Generate: no directory to write to (GenerateOptions.Dir)")
	}
	if err := os.MkdirAll(opts.Dir, 0o755); err != nil {
		return nil, err
	}
	path := filepath.Join(opts.Dir, strconv.FormatInt(version, 10)+"_"+name+ext)
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return nil, fmt.Errorf("schema: Generate: %w (files are never overwritten)", err)
	}
	_, err = f.WriteString(g.Text)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return nil, err
	}
	g.File = path
	return g, nil
}

// fileWord spells a name in snake_case of ASCII letters and digits.
func fileWord(s string) string {
	var words []string
	for _, w := range strings.FieldsFunc(s, func(r rune) bool {
		return r >= unicode.MaxASCII || !unicode.IsLetter(r) && !unicode.IsDigit(r)
	}) {
		words = append(words, snakeCase(w))
	}
	return strings.Join(words, "_")
}

// goName is the exported Go name of a snake_case name.
func goName(s string) string {
	var b strings.Builder
	for _, w := range strings.Split(s, "_") {
		if w != "" {
			b.WriteString(strings.ToUpper(w[:1]) + w[1:])
		}
	}
	if b.Len() == 0 || unicode.IsDigit(rune(b.String()[0])) {
		return "Migration" + b.String()
	}
	return b.String()
}
