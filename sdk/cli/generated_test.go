package cli_test

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"testing"
)

// appMain mounts the commands in an application built from what init
// and the make: commands wrote, with the Go migration wired as
// make:migration --go says.
const appMain = `package main

import (
	"context"
	"database/sql"
	"fmt"
	"os"

	_ "modernc.org/sqlite"

	"example.com/app/factories"
	"example.com/app/migrations"
	"example.com/app/seeds"
	"github.com/hoistdb/hoist/dialect/sqlite"
	"github.com/hoistdb/hoist/sdk"
	"github.com/hoistdb/hoist/sdk/cli"
)

func main() {
	_, _ = factories.Post.Build(), factories.User.Build()
	db, err := sql.Open("sqlite", os.Getenv("APP_DB"))
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	m, err := sdk.New(db, sqlite.New(),
		sdk.WithFS(migrations.FS),
		sdk.WithMigrations(migrations.CreateWidgetsTable),
		sdk.WithSeedFS(seeds.FS),
	)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	root, err := cli.Command(m, cli.WithName("myapp"))
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	os.Exit(cli.Execute(context.Background(), root))
}
`

// TestGeneratedApp writes a project with init and the make: commands,
// compiles it as a module of its own with the commands mounted, and
// migrates a SQLite database with the result, Go migration included.
func TestGeneratedApp(t *testing.T) {
	t.Parallel()
	repo, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	// The make: commands write SQLite's types for the configured engine;
	// init's hoist.yaml configures none.
	s := newSession(t, "DATABASE_URL=sqlite:app.db")
	// The project requires what hoist requires, at the same versions, so
	// that it builds from the module cache that built hoist: with
	// -mod=mod and only hoist required, the go command would look up
	// modules hoist never loads (cobra's Windows-only mousetrap), which
	// fails offline on a fresh cache.
	hoistMod, err := os.ReadFile(filepath.Join(repo, "go.mod"))
	if err != nil {
		t.Fatal(err)
	}
	_, requires, ok := strings.Cut(string(hoistMod), "\nrequire")
	if !ok {
		t.Fatal("hoist's go.mod has no require block")
	}
	gomod := "module example.com/app\n\ngo 1.24.0\n\nrequire github.com/hoistdb/hoist v0.0.0\n\nreplace github.com/hoistdb/hoist => " + filepath.ToSlash(repo) + "\n\nrequire" + requires
	sum, err := os.ReadFile(filepath.Join(repo, "go.sum"))
	if err != nil {
		t.Fatal(err)
	}
	write(t, s.dir, "go.mod", gomod)
	write(t, s.dir, "go.sum", string(sum))
	write(t, s.dir, "main.go", appMain)

	s.ok("init")
	s.ok("make:migration", "create users table")
	r := s.ok("make:migration", "--go", "create widgets table")
	for _, want := range []string{"sdk.WithMigrations(migrations.CreateWidgetsTable)", `import "example.com/app/migrations"`} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("make:migration --go does not tell the wiring %q:\n%s", want, r)
		}
	}
	s.ok("make:model", "post", "--all")
	s.ok("make:model", "User")
	s.ok("make:factory", "User")
	s.ok("make:seeder", "10 admin")
	golden(t, "generated/widgets_migration.go", normalizeVersion(read(t, filepath.Join(s.dir, "migrations"), "_create_widgets_table.go")))
	golden(t, "generated/post_model.go", read(t, filepath.Join(s.dir, "models"), "post.go"))
	golden(t, "generated/post_factory.go", read(t, filepath.Join(s.dir, "factories"), "post.go"))
	golden(t, "generated/posts_seeder.sql", reSeedVersion.ReplaceAllString(read(t, filepath.Join(s.dir, "seeds"), "_posts.sql"), "VERSION_"))

	goCmd := filepath.Join(runtime.GOROOT(), "bin", "go")
	for _, args := range [][]string{{"vet", "./..."}, {"build", "-o", "myapp", "."}} {
		cmd := exec.Command(goCmd, args...)
		cmd.Dir = s.dir
		cmd.Env = append(os.Environ(), "GOFLAGS=-mod=readonly -buildvcs=false", "GOPROXY=off", "GOWORK=off")
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("go %s in the generated project: %v\n%s", strings.Join(args, " "), err, out)
		}
	}

	app := &session{t: t, bin: filepath.Join(s.dir, "myapp"), dir: s.dir,
		env: append(s.env, "APP_DB=file:"+filepath.Join(s.dir, "app.db")+"?_pragma=busy_timeout(10000)")}
	r = app.ok("migrate")
	for _, want := range []string{"create_users_table", "create_widgets_table", "create_posts_table", "migrated 3 migrations"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("myapp migrate lacks %q:\n%s", want, r)
		}
	}
	r = app.ok("seed")
	if !strings.Contains(r.stdout, "ran 2 seeders") {
		t.Errorf("myapp seed: %s", r)
	}
	r = app.ok("migrate:status", "--json")
	var st struct {
		Summary struct{ Executed, Pending int }
	}
	if err := json.Unmarshal([]byte(r.stdout), &st); err != nil || st.Summary.Executed != 3 || st.Summary.Pending != 0 {
		t.Errorf("myapp migrate:status --json: %v\n%s", err, r)
	}
	app.ok("migrate:rollback")
}

func write(t *testing.T, dir, name, text string) {
	t.Helper()
	if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
}

// read returns the file of dir whose name ends in suffix.
func read(t *testing.T, dir, suffix string) string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if strings.HasSuffix(e.Name(), suffix) {
			b, err := os.ReadFile(filepath.Join(dir, e.Name()))
			if err != nil {
				t.Fatal(err)
			}
			return string(b)
		}
	}
	t.Fatalf("no file *%s in %s", suffix, dir)
	return ""
}

var (
	reVersion     = regexp.MustCompile(`\b\d{14}\b`)
	reSeedVersion = regexp.MustCompile(`\b\d{14}_`) // the version a seeder's name starts with
)

// normalizeVersion replaces the 14-digit timestamp versions in a
// generated file.
func normalizeVersion(text string) string {
	return reVersion.ReplaceAllString(text, "VERSION")
}
