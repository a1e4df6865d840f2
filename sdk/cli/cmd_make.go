package cli

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"

	"github.com/spf13/cobra"
)

func (t *tree) makeMigrationCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:     "make:migration NAME",
		Aliases: []string{"new"},
		GroupID: groupProject,
		Short:   "Write a new migration file",
		Long: `Write a new migration in the migrations directory: <version>_<name>.sql with
-- +hoist up and -- +hoist down sections. The version is the UTC time
(20261122093000), or the next number when the directory numbers its
migrations 0001, 0002, ...; the name is the words given, in snake case.

A name such as "create users table" gets a CREATE TABLE for the configured
database's engine (portable SQL when none is configured); any other name
gets sections to fill in.

--go writes a Go migration instead: a value made with sdk.GoMigration, to
pass to sdk.WithMigrations in the application (there is no registry). The
hoist command does not run Go migrations; the application's own binary
does, with the commands mounted (see docs/command.md).`,
		Example: `  hoist make:migration create users table
  hoist make:migration "add email to users"
  hoist make:migration --go backfill display names`,
		Args: minArgs(1, "the migration's name, such as: make:migration create users table"),
	}
	goFlag := cmd.Flags().Bool("go", false, "write a Go migration (sdk.GoMigration) instead of SQL")
	cmd.RunE = t.action(func(c *command, args []string) error {
		name := snake(strings.Join(args, " "))
		if name == "" {
			return usagef("the name %q has no letters or digits", strings.Join(args, " "))
		}
		dir := c.cfg.Migrations
		version, err := nextVersion(dir, t.now())
		if err != nil {
			return err
		}
		if !*goFlag {
			path := filepath.Join(dir, version+"_"+name+".sql")
			return c.write(newFile{path, []byte(sqlMigration(c.engine(), name))})
		}
		pkg := packageName(dir)
		varName := camel(name, "Migration")
		if declared(dir)[varName] {
			varName += version
		}
		src, err := goMigration(pkg, varName, version, name, c.engine())
		if err != nil {
			return err
		}
		if err := c.write(newFile{filepath.Join(dir, goFileName(version+"_"+name)), src}); err != nil {
			return err
		}
		imp := ""
		if p, err := importPath(dir); err == nil {
			imp = fmt.Sprintf("\n\timport %q\n", p)
		}
		c.out.printf(`
A Go migration is a value, not a registry entry. Pass it to sdk.New where
the application builds its Migrator:
%s
	m, err := sdk.New(db, dialect,
		sdk.WithFS(%[2]s.FS),
		sdk.WithMigrations(%[2]s.%[3]s),
	)

and run migrations through the application's binary, with the commands
mounted (cli.Command(m); see docs/command.md). The hoist command reads
.sql files only, so it does not run Go migrations: hoist migrate and the
other database commands name this file as one they cannot run.
`, imp, pkg, varName)
		return nil
	})
	return cmd
}

// goOSArch are the file name suffixes that would make a Go file build on
// one platform only, or only in tests.
var goOSArch = strings.Fields(`aix android darwin dragonfly freebsd hurd illumos ios js linux nacl netbsd openbsd
	plan9 solaris wasip1 windows zos 386 amd64 arm arm64 loong64 mips mipsle mips64 mips64le ppc64 ppc64le
	riscv64 s390x sparc64 wasm test`)

// goFileName returns base.go, or base_migration.go where the plain name
// would be a build constraint (..._linux.go, ..._test.go).
func goFileName(base string) string {
	for _, s := range goOSArch {
		if strings.HasSuffix(base, "_"+s) {
			return base + "_migration.go"
		}
	}
	return base + ".go"
}

// declared returns the top-level names declared in the Go files of dir.
func declared(dir string) map[string]bool {
	names := map[string]bool{}
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		if e.IsDir() || !strings.HasSuffix(e.Name(), ".go") {
			continue
		}
		f, err := parser.ParseFile(token.NewFileSet(), filepath.Join(dir, e.Name()), nil, parser.SkipObjectResolution)
		if err != nil {
			continue
		}
		for _, d := range f.Decls {
			switch d := d.(type) {
			case *ast.FuncDecl:
				names[d.Name.Name] = true
			case *ast.GenDecl:
				for _, s := range d.Specs {
					switch s := s.(type) {
					case *ast.ValueSpec:
						for _, n := range s.Names {
							names[n.Name] = true
						}
					case *ast.TypeSpec:
						names[s.Name.Name] = true
					}
				}
			}
		}
	}
	return names
}

func (t *tree) makeSeederCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:     "make:seeder NAME",
		GroupID: groupProject,
		Short:   "Write a new SQL seeder",
		Long: `Write <name>.sql in the seeds directory. Seeders run in name order, so a
numeric prefix (10_users, 20_posts) orders them. The file holds a statement
that does nothing (SELECT 1) until you replace it.`,
		Example: `  hoist make:seeder 10_admin_user`,
		Args:    minArgs(1, "the seeder's name, such as: make:seeder 10_admin_user"),
	}
	cmd.RunE = t.action(func(c *command, args []string) error {
		name := snake(strings.Join(args, " "))
		if name == "" {
			return usagef("the name %q has no letters or digits", strings.Join(args, " "))
		}
		return c.write(newFile{filepath.Join(c.cfg.Seeds, name+".sql"), []byte(seeder(name, ""))})
	})
	return cmd
}

func (t *tree) makeModelCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:     "make:model NAME",
		GroupID: groupProject,
		Short:   "Write a Go model struct with db tags (--all: and its factory, seeder, migration)",
		Long: `Write models/<name>.go: a struct named after NAME (User for "user") with an ID
and timestamps, tagged with db column names for database/sql scanners such as
sqlx. Its table is the plural of the name (users).

--all also writes its factory (make:factory), the migration that creates the
table (make:migration) and a seeder named after that migration's version and
the table (20261122093000_users): seeders run in name order, so each table is
seeded after the tables created before it, which its foreign keys can refer to.`,
		Example: `  hoist make:model User
  hoist make:model "blog post" --all`,
		Args: minArgs(1, "the model's name, such as: make:model User"),
	}
	all := cmd.Flags().Bool("all", false, "also write the factory, the seeder and the migration")
	cmd.RunE = t.action(func(c *command, args []string) error {
		name := snake(strings.Join(args, " "))
		if name == "" {
			return usagef("the name %q has no letters or digits", strings.Join(args, " "))
		}
		typeName, table := camel(name, "Model"), pluralize(name)
		modelPkg := packageName(c.cfg.Models)
		src, err := model(modelPkg, typeName, table)
		if err != nil {
			return err
		}
		files := []newFile{{filepath.Join(c.cfg.Models, name+".go"), src}}
		if *all {
			version, err := nextVersion(c.cfg.Migrations, t.now())
			if err != nil {
				return err
			}
			migration := "create_" + table + "_table"
			fac, err := c.factoryFile(name, typeName, table, modelPkg, src)
			if err != nil {
				return err
			}
			files = append(files,
				newFile{filepath.Join(c.cfg.Migrations, version+"_"+migration+".sql"), []byte(sqlMigration(c.engine(), migration))},
				newFile{filepath.Join(c.cfg.Seeds, version+"_"+table+".sql"), []byte(seeder(version+"_"+table, table))},
				fac)
		}
		return c.write(files...)
	})
	return cmd
}

func (t *tree) makeFactoryCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:     "make:factory MODEL",
		GroupID: groupProject,
		Short:   "Write a factory function for a model",
		Long: `Write factories/<name>.go: a testkit.Factory for the model's table (the plural
of the name), whose n-th row has defaults made from n for its string, number
and time fields. The key field (ID, column id) is left at zero, so the
database numbers the rows the factory inserts and the application's next
insert does not collide with them. The model is read from the models
directory; its import path comes from go.mod.`,
		Example: `  hoist make:factory User`,
		Args:    minArgs(1, "the model's name, such as: make:factory User"),
	}
	cmd.RunE = t.action(func(c *command, args []string) error {
		name := snake(strings.Join(args, " "))
		if name == "" {
			return usagef("the name %q has no letters or digits", strings.Join(args, " "))
		}
		typeName := camel(name, "Model")
		src, path, err := findModel(c.cfg.Models, typeName)
		if err != nil {
			return err
		}
		if src == nil {
			return fmt.Errorf("no model %s in %s: write it first with `make:model %s`", typeName, c.display(c.cfg.Models), typeName)
		}
		f, err := parser.ParseFile(token.NewFileSet(), path, src, parser.PackageClauseOnly)
		if err != nil {
			return err
		}
		fac, err := c.factoryFile(name, typeName, pluralize(name), f.Name.Name, src)
		if err != nil {
			return err
		}
		return c.write(fac)
	})
	return cmd
}

// factoryFile builds the factory of typeName, declared in the model
// source src of package modelPkg, whose rows go to table.
func (c *command) factoryFile(name, typeName, table, modelPkg string, src []byte) (newFile, error) {
	imp, err := importPath(c.cfg.Models)
	if err != nil {
		return newFile{}, fmt.Errorf("make:factory imports the models package: %w", err)
	}
	fields, err := modelFields(src, typeName)
	if err != nil {
		return newFile{}, err
	}
	out, err := factory(packageName(c.cfg.Factories), modelPkg, imp, typeName, table, fields)
	if err != nil {
		return newFile{}, err
	}
	return newFile{filepath.Join(c.cfg.Factories, name+".go"), out}, nil
}

// findModel returns the source of the file in dir that declares the
// struct typeName, or nil.
func findModel(dir, typeName string) ([]byte, string, error) {
	entries, err := os.ReadDir(dir)
	if err != nil && !os.IsNotExist(err) {
		return nil, "", err
	}
	for _, e := range entries {
		if e.IsDir() || !strings.HasSuffix(e.Name(), ".go") || strings.HasSuffix(e.Name(), "_test.go") {
			continue
		}
		path := filepath.Join(dir, e.Name())
		src, err := os.ReadFile(path)
		if err != nil {
			return nil, "", err
		}
		if _, err := modelFields(src, typeName); err == nil {
			return src, path, nil
		}
	}
	return nil, "", nil
}

// modelFields finds the struct typeName in src and gives each field a
// default made from n, where its type has an obvious one.
func modelFields(src []byte, typeName string) ([]factoryField, error) {
	f, err := parser.ParseFile(token.NewFileSet(), "", src, parser.SkipObjectResolution)
	if err != nil {
		return nil, err
	}
	for _, d := range f.Decls {
		g, ok := d.(*ast.GenDecl)
		if !ok || g.Tok != token.TYPE {
			continue
		}
		for _, s := range g.Specs {
			ts := s.(*ast.TypeSpec)
			st, ok := ts.Type.(*ast.StructType)
			if !ok || ts.Name.Name != typeName {
				continue
			}
			var out []factoryField
			for _, fld := range st.Fields.List {
				if isKeyField(fld) {
					continue // the database numbers it
				}
				for _, n := range fld.Names {
					if v := defaultValue(n.Name, fld.Type); n.IsExported() && v != "" {
						out = append(out, factoryField{n.Name, v})
					}
				}
			}
			return out, nil
		}
	}
	return nil, fmt.Errorf("no struct %s", typeName)
}

// isKeyField reports whether fld is the key column id, which testkit.Factory
// leaves out of the INSERT while it is zero.
func isKeyField(fld *ast.Field) bool {
	if fld.Tag != nil {
		tag, err := strconv.Unquote(fld.Tag.Value)
		if err == nil {
			if col, ok := reflect.StructTag(tag).Lookup("db"); ok {
				return strings.Split(col, ",")[0] == "id"
			}
		}
	}
	return len(fld.Names) == 1 && strings.EqualFold(fld.Names[0].Name, "id")
}

// defaultValue is a Go expression for a field's value in the n-th model.
func defaultValue(field string, typ ast.Expr) string {
	switch t := typ.(type) {
	case *ast.Ident:
		switch t.Name {
		case "string":
			return fmt.Sprintf("fmt.Sprintf(%q, n)", snake(field)+" %d")
		case "int", "int8", "int16", "int32", "int64", "uint", "uint8", "uint16", "uint32", "uint64", "float32", "float64":
			return t.Name + "(n)"
		}
	case *ast.SelectorExpr:
		if x, ok := t.X.(*ast.Ident); ok && x.Name == "time" && t.Sel.Name == "Time" {
			return "now"
		}
	}
	return ""
}

// engine is the engine of the configured database URL, "" when none is
// configured or it does not parse: the make: commands do not connect.
func (c *command) engine() string {
	if d, err := ParseURL(c.cfg.DatabaseURL); err == nil {
		return d.Engine
	}
	return ""
}

// newFile is a file a command writes.
type newFile struct {
	path string
	data []byte
}

// write creates files, or none when any of them exists: the generators
// never overwrite a file.
func (c *command) write(files ...newFile) error {
	var exists []string
	for _, f := range files {
		if _, err := os.Stat(f.path); err == nil {
			exists = append(exists, c.display(f.path))
		}
	}
	if len(exists) > 0 {
		return fmt.Errorf("%s exists already; nothing was written (files are never overwritten)", strings.Join(exists, ", "))
	}
	for _, f := range files {
		if err := os.MkdirAll(filepath.Dir(f.path), 0o755); err != nil {
			return err
		}
		fh, err := os.OpenFile(f.path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
		if err != nil {
			return err
		}
		_, err = fh.Write(f.data)
		if cerr := fh.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return err
		}
		c.out.printf("created %s\n", c.display(f.path))
	}
	return nil
}
