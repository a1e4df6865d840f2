package cli_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/hoistdb/hoist/testkit"
)

// appTest is a test a new user writes in the generated project: it
// migrates a database with the project's migrations, creates a user and
// a post of theirs with the generated factories, then inserts a user as
// the application would, without an id.
const appTest = `package app_test

import (
	"os"
	"testing"

	"example.com/app/factories"
	"example.com/app/migrations"
	"example.com/app/models"
	"github.com/hoistdb/hoist/sdk"
	"github.com/hoistdb/hoist/testkit"
)

func TestPosts(t *testing.T) {
	kind := map[string]testkit.Kind{"sqlite": testkit.SQLite, "postgres": testkit.Postgres, "mysql": testkit.MySQL}[os.Getenv("APP_ENGINE")]
	db := testkit.Migrated(t, kind, sdk.WithFS(migrations.FS))
	u := factories.User.Create(t, db)
	if u.ID == 0 {
		t.Fatal("the factory's user has no id")
	}
	p := factories.Post.Create(t, db, func(p *models.Post) { p.UserID = u.ID })
	if p.ID == 0 || p.UserID != u.ID {
		t.Fatalf("post %+v of user %d", p, u.ID)
	}
	// The application's own insert lets the database pick the id too.
	q := "INSERT INTO users (created_at, updated_at) VALUES (CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"
	if _, err := db.DB.Exec(q); err != nil {
		t.Fatalf("the application's insert after the factory's: %v", err)
	}
	var n int
	if err := db.DB.QueryRow("SELECT COUNT(*) FROM users").Scan(&n); err != nil || n != 2 {
		t.Fatalf("users: %d, %v", n, err)
	}
}
`

// TestGeneratedFilesWorkTogether does what a new user does on each
// engine: make:model User --all and make:model Post --all, a post
// belonging to a user (the foreign key added to the generated migration
// and model by hand), seeders that insert a user and a post of theirs,
// hoist migrate and hoist seed with the built command, and a test in
// the project that uses the generated factories.
func TestGeneratedFilesWorkTogether(t *testing.T) {
	repo, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	eachEngine(t, func(t *testing.T, _ *testkit.DB, url string) {
		s := newSession(t, "DATABASE_URL="+url)
		writeModule(t, repo, s.dir)
		s.ok("init")
		s.ok("make:model", "User", "--all")
		s.ok("make:model", "Post", "--all")

		// A post belongs to a user.
		migDir := filepath.Join(s.dir, "migrations")
		posts := read(t, migDir, "_create_posts_table.sql")
		posts = strings.Replace(posts, "updated_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP\n",
			"updated_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,\n    user_id BIGINT NOT NULL,\n    FOREIGN KEY (user_id) REFERENCES users (id)\n", 1)
		rewrite(t, migDir, "_create_posts_table.sql", posts)
		modelDir := filepath.Join(s.dir, "models")
		rewrite(t, modelDir, "post.go", strings.Replace(read(t, modelDir, "post.go"),
			"\tID ", "\tUserID int64 `db:\"user_id\"`\n\tID ", 1))

		// The seeders fill in their placeholders; posts refers to users.
		seedDir := filepath.Join(s.dir, "seeds")
		rewrite(t, seedDir, "_users.sql", strings.Replace(read(t, seedDir, "_users.sql"), "SELECT 1;",
			"INSERT INTO users (created_at) VALUES (CURRENT_TIMESTAMP);", 1))
		rewrite(t, seedDir, "_posts.sql", strings.Replace(read(t, seedDir, "_posts.sql"), "SELECT 1;",
			"INSERT INTO posts (user_id) SELECT MIN(id) FROM users;", 1))

		s.ok("migrate")
		r := s.ok("seed")
		if u, p := strings.Index(r.stdout, "_users"), strings.Index(r.stdout, "_posts"); u < 0 || p < u {
			t.Errorf("hoist seed does not seed users before posts:\n%s", r)
		}

		write(t, s.dir, "app_test.go", appTest)
		cmd := exec.Command(filepath.Join(runtime.GOROOT(), "bin", "go"), "test", "-count=1", ".")
		cmd.Dir = s.dir
		cmd.Env = append(os.Environ(), "GOFLAGS=-mod=readonly -buildvcs=false", "GOPROXY=off", "GOWORK=off",
			"APP_ENGINE="+filepath.Base(t.Name()))
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("go test in the generated project: %v\n%s", err, out)
		}
	})
}

// writeModule writes the go.mod and go.sum of a project that requires
// hoist from repo, with hoist's own requirements so that it builds
// offline from the module cache that built hoist.
func writeModule(t *testing.T, repo, dir string) {
	t.Helper()
	hoistMod, err := os.ReadFile(filepath.Join(repo, "go.mod"))
	if err != nil {
		t.Fatal(err)
	}
	_, requires, ok := strings.Cut(string(hoistMod), "\nrequire")
	if !ok {
		t.Fatal("hoist's go.mod has no require block")
	}
	sum, err := os.ReadFile(filepath.Join(repo, "go.sum"))
	if err != nil {
		t.Fatal(err)
	}
	write(t, dir, "go.mod", "module example.com/app\n\ngo 1.24.0\n\nrequire github.com/hoistdb/hoist v0.0.0\n\nreplace github.com/hoistdb/hoist => "+filepath.ToSlash(repo)+"\n\nrequire"+requires)
	write(t, dir, "go.sum", string(sum))
}

// rewrite replaces the file of dir whose name ends in suffix.
func rewrite(t *testing.T, dir, suffix, text string) {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if strings.HasSuffix(e.Name(), suffix) {
			write(t, dir, e.Name(), text)
			return
		}
	}
	t.Fatalf("no file *%s in %s", suffix, dir)
}
