package testkit_test

import (
	"context"
	"fmt"
	"os"
	"regexp"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"testing/fstest"
	"time"

	"github.com/hoistdb/hoist/sdk"
	"github.com/hoistdb/hoist/testkit"
)

// saltedMigrations returns four migrations that every engine runs: two
// tables with a foreign key and an index, rows, and a view. salt goes in
// a comment of the first, so that each salt has a template of its own.
func saltedMigrations(salt string) fstest.MapFS {
	file := func(up, down string) *fstest.MapFile {
		return &fstest.MapFile{Data: []byte("-- +hoist up\n" + up + "\n-- +hoist down\n" + down + "\n")}
	}
	return fstest.MapFS{
		"0001_users.sql": file("-- salt: "+salt+"\nCREATE TABLE users (id INTEGER PRIMARY KEY, name VARCHAR(100) NOT NULL);",
			"DROP TABLE users;"),
		"0002_posts.sql": file("CREATE TABLE posts (id INTEGER PRIMARY KEY, user_id INTEGER NOT NULL, title VARCHAR(200), "+
			"FOREIGN KEY (user_id) REFERENCES users (id));\nCREATE INDEX posts_user ON posts (user_id);",
			"DROP TABLE posts;"),
		"0003_people.sql": file("INSERT INTO users (id, name) VALUES (1, 'ada'), (2, 'grace');",
			"DELETE FROM users;"),
		"0004_names.sql": file("CREATE VIEW user_names AS SELECT name FROM users;",
			"DROP VIEW user_names;"),
	}
}

// newSalt returns a salt no earlier run used, so that the test builds a
// template of its own.
func newSalt(t testing.TB) string {
	return fmt.Sprintf("%s %d %d %d", t.Name(), os.Getpid(), time.Now().UnixNano(), uniqueCounter.Add(1))
}

var uniqueCounter atomic.Int64

// checkMigrated checks that db has every migration of fsys applied and
// its rows.
func checkMigrated(t *testing.T, db *testkit.DB, opts ...sdk.Option) {
	t.Helper()
	ctx := context.Background()
	m, err := sdk.New(db.DB, db.Dialect, opts...)
	if err != nil {
		t.Fatal(err)
	}
	st, err := m.Status(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(st.Applied) != 4 || len(st.Pending) != 0 || len(st.Failed) != 0 {
		t.Errorf("status of the copy:\n%s\nwant 4 applied", st)
	}
	hist, err := m.History(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(hist) != 4 {
		t.Errorf("history has %d rows, want 4", len(hist))
	}
	res, err := m.Up(ctx)
	if err != nil || len(res.Applied) != 0 {
		t.Errorf("Up on the copy = %v, %v; want nothing to do", res, err)
	}
	if got := queryString(t, db.DB, "SELECT COUNT(*) FROM user_names"); got != "2" {
		t.Errorf("the view shows %s rows, want 2", got)
	}
}

// cloneName is the name of a pooled clone.
var cloneName = regexp.MustCompile(`^hoist_test_(pool|held)_[0-9a-f]{16}_[0-9]{10}_[0-9a-f]{8}$`)

func TestMigrated(t *testing.T) {
	t.Parallel()
	for _, e := range engines {
		t.Run(e.name, func(t *testing.T) {
			t.Parallel()
			opts := []sdk.Option{sdk.WithFS(saltedMigrations(newSalt(t)))}
			testkit.DropTemplateAtEnd(t, e.name, opts...)
			db := testkit.Migrated(t, e.open, opts...)
			checkMigrated(t, db, opts...)
			if db.Driver != e.driver || db.Dialect.Name() != e.name {
				t.Errorf("Driver %q, Dialect %s; want %q, %s", db.Driver, db.Dialect.Name(), e.driver, e.name)
			}
			// A copy made for the test, or one a pool made while the
			// test waited for the template (named for the shelf).
			if name := queryString(t, db.DB, e.database); !testDatabaseName.MatchString(name) && !cloneName.MatchString(name) {
				t.Errorf("database %q, want one named like %s or %s", name, testDatabaseName, cloneName)
			}
			if got := testkit.TemplateBuilds(t, e.name, opts...); got != 1 {
				t.Errorf("template built %d times, want 1", got)
			}
		})
	}
}

func TestMigratedCopiesAreIndependent(t *testing.T) {
	t.Parallel()
	for _, e := range engines {
		t.Run(e.name, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			fsys := saltedMigrations(newSalt(t))
			testkit.DropTemplateAtEnd(t, e.name, sdk.WithFS(fsys))
			a := testkit.Migrated(t, e.open, sdk.WithFS(fsys))
			b := testkit.Migrated(t, e.open, sdk.WithFS(fsys))
			if queryString(t, a.DB, e.database) == queryString(t, b.DB, e.database) {
				t.Fatal("two copies share a database")
			}
			if _, err := a.DB.ExecContext(ctx, "INSERT INTO users (id, name) VALUES (3, 'edsger')"); err != nil {
				t.Fatal(err)
			}
			if _, err := b.DB.ExecContext(ctx, "DROP VIEW user_names"); err != nil {
				t.Fatal(err)
			}
			if got := queryString(t, a.DB, "SELECT COUNT(*) FROM user_names"); got != "3" {
				t.Errorf("copy a has %s users, want 3", got)
			}
			if got := queryString(t, b.DB, "SELECT COUNT(*) FROM users"); got != "2" {
				t.Errorf("copy b has %s users, want 2: a's insert leaked", got)
			}
			// A third copy is as the template was.
			checkMigrated(t, testkit.Migrated(t, e.open, sdk.WithFS(fsys)), sdk.WithFS(fsys))
		})
	}
}

func TestMigratedBuildsTemplateOnce(t *testing.T) {
	t.Parallel()
	for _, e := range engines {
		t.Run(e.name, func(t *testing.T) {
			t.Parallel()
			opts := []sdk.Option{sdk.WithFS(saltedMigrations(newSalt(t)))}
			testkit.DropTemplateAtEnd(t, e.name, opts...)
			t.Run("copies", func(t *testing.T) {
				for i := range 6 {
					t.Run(fmt.Sprint(i), func(t *testing.T) {
						t.Parallel()
						checkMigrated(t, testkit.Migrated(t, e.open, opts...), opts...)
					})
				}
			})
			if got := testkit.TemplateBuilds(t, e.name, opts...); got != 1 {
				t.Errorf("6 parallel copies built the template %d times, want 1", got)
			}
		})
	}
}

func TestMigratedGoMigrations(t *testing.T) {
	t.Parallel()
	for _, e := range engines {
		t.Run(e.name, func(t *testing.T) {
			t.Parallel()
			seed := sdk.GoMigration(5, "seed_"+strings.ReplaceAll(newSalt(t), " ", "_"), func(ctx context.Context, tx sdk.Tx) error {
				_, err := tx.ExecContext(ctx, "INSERT INTO posts (id, user_id, title) VALUES (1, 2, 'notes')")
				return err
			}, nil)
			opts := []sdk.Option{sdk.WithFS(saltedMigrations(newSalt(t))), sdk.WithMigrations(seed)}
			testkit.DropTemplateAtEnd(t, e.name, opts...)
			db := testkit.Migrated(t, e.open, opts...)
			if got := queryString(t, db.DB, "SELECT title FROM posts WHERE id = 1"); got != "notes" {
				t.Errorf("the Go migration's row reads %q", got)
			}
			testkit.Migrated(t, e.open, opts...)
			if got := testkit.TemplateBuilds(t, e.name, opts...); got != 1 {
				t.Errorf("template built %d times, want 1", got)
			}
		})
	}
}

// fatalRecorder is a testing.TB whose Fatal and Skip only record: a test
// of a helper that must fail runs the helper with it in a goroutine of
// its own. Cleanups and logs go to the real test.
type fatalRecorder struct {
	testing.TB
	mu    sync.Mutex
	fatal []string
}

func (r *fatalRecorder) Fatal(args ...any) { r.stop(fmt.Sprint(args...)) }
func (r *fatalRecorder) Fatalf(format string, args ...any) {
	r.stop(fmt.Sprintf(format, args...))
}
func (r *fatalRecorder) Skip(args ...any) { r.stop("SKIP " + fmt.Sprint(args...)) }
func (r *fatalRecorder) Skipf(format string, args ...any) {
	r.stop("SKIP " + fmt.Sprintf(format, args...))
}

func (r *fatalRecorder) stop(msg string) {
	r.mu.Lock()
	r.fatal = append(r.fatal, msg)
	r.mu.Unlock()
	runtime.Goexit()
}

// recordFatal runs fn with a fatalRecorder and returns what it stopped
// with, "" when it returned.
func recordFatal(t *testing.T, fn func(testing.TB)) string {
	t.Helper()
	r := &fatalRecorder{TB: t}
	done := make(chan struct{})
	go func() {
		defer close(done)
		fn(r)
	}()
	<-done
	return strings.Join(r.fatal, "\n")
}

func TestMigratedKindMustPassOptionsOn(t *testing.T) {
	t.Parallel()
	ignoring := func(t testing.TB, _ ...testkit.Option) *testkit.DB { return testkit.SQLite(t) }
	msg := recordFatal(t, func(t testing.TB) {
		testkit.Migrated(t, ignoring, sdk.WithFS(saltedMigrations("x")))
	})
	if !strings.Contains(msg, "did not pass its options on") {
		t.Errorf("Migrated with a kind that drops its options stopped with %q", msg)
	}
	wrapping := func(t testing.TB, opts ...testkit.Option) *testkit.DB {
		return testkit.SQLite(t, append(opts, testkit.WithMaxOpenConns(2))...)
	}
	fsys := saltedMigrations(newSalt(t))
	testkit.DropTemplateAtEnd(t, "sqlite", sdk.WithFS(fsys))
	db := testkit.Migrated(t, wrapping, sdk.WithFS(fsys))
	if got := db.DB.Stats().MaxOpenConnections; got != 2 {
		t.Errorf("MaxOpenConnections = %d, want the wrapper's 2", got)
	}
	if msg := recordFatal(t, func(t testing.TB) { testkit.Migrated(t, nil) }); !strings.Contains(msg, "nil kind") {
		t.Errorf("Migrated(t, nil) stopped with %q", msg)
	}
}

var buildDatabase = regexp.MustCompile(`build the template in (hoist_test_[0-9a-z_]+)`)

func TestMigratedFailingMigration(t *testing.T) {
	t.Parallel()
	for _, e := range engines {
		t.Run(e.name, func(t *testing.T) {
			t.Parallel()
			fsys := saltedMigrations(newSalt(t))
			fsys["0005_broken.sql"] = &fstest.MapFile{Data: []byte("-- +hoist up\nCREATE TABLE broken (id INTEGER PRIMARY KEY,\n")}
			probe := e.open(t)
			msg := recordFatal(t, func(t testing.TB) { testkit.Migrated(t, e.open, sdk.WithFS(fsys)) })
			if !strings.Contains(msg, "0005_broken.sql") || !strings.Contains(msg, "(dropped)") {
				t.Errorf("Migrated with a broken migration stopped with %q; want the file named and the build dropped", msg)
			}
			m := buildDatabase.FindStringSubmatch(msg)
			if m == nil {
				t.Fatalf("no build database in %q", msg)
			}
			if e.name != "sqlite" && exists(t, e, probe.DB, m[1]) {
				t.Errorf("the half-built template %s was left behind", m[1])
			}
		})
	}
}

// TestMigratedAcrossBinaries runs two test binaries at once that want the
// same new template: one of them builds it, the other waits and uses it.
func TestMigratedAcrossBinaries(t *testing.T) {
	t.Parallel()
	for _, e := range engines {
		e.open(t) // skips unless every engine is there
	}
	if !testkit.SharedServers(t) {
		t.Skip("each test binary has servers of its own: none to share templates on")
	}
	salt := newSalt(t)
	for _, e := range engines {
		testkit.DropTemplateAtEnd(t, e.name, sdk.WithFS(saltedMigrations(salt)))
	}
	outs := make([]string, 2)
	errs := make([]error, 2)
	var wg sync.WaitGroup
	for i := range outs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			outs[i], errs[i] = runChild(t, "migrated", saltEnv+"="+salt)
		}()
	}
	wg.Wait()
	builds := map[string]int{}
	for i, out := range outs {
		if errs[i] != nil {
			t.Fatalf("child %d: %v\n%s", i, errs[i], out)
		}
		for _, e := range engines {
			var n int
			if _, err := fmt.Sscanf(out[strings.Index(out, e.name+" builds: "):], e.name+" builds: %d", &n); err != nil {
				t.Fatalf("child %d did not report its %s builds: %v\n%s", i, e.name, err, out)
			}
			builds[e.name] += n
		}
	}
	for _, e := range engines {
		if builds[e.name] != 1 {
			t.Errorf("two binaries built the %s template %d times together, want 1:\n%s\n%s", e.name, builds[e.name], outs[0], outs[1])
		}
	}
}

// saltEnv passes a salt to the "migrated" child.
const saltEnv = "HOIST_TEST_TESTKIT_SALT"

// childMigrated is the "migrated" child of TestMigratedAcrossBinaries.
func childMigrated(t *testing.T) {
	opts := []sdk.Option{sdk.WithFS(saltedMigrations(os.Getenv(saltEnv)))}
	for _, e := range engines {
		checkMigrated(t, testkit.Migrated(t, e.open, opts...), opts...)
		fmt.Printf("%s builds: %d\n", e.name, testkit.TemplateBuilds(t, e.name, opts...))
	}
}
