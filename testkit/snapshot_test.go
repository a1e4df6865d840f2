package testkit_test

import (
	"context"
	"fmt"
	"log/slog"
	"runtime"
	"strings"
	"sync"
	"testing"

	"github.com/hoistdb/hoist/sdk"
	"github.com/hoistdb/hoist/testkit"
)

// tkEngine is an engine as the snapshot, round-trip and factory tests
// see it.
type tkEngine struct {
	name string
	open func(testing.TB) *testkit.DB
}

var tkEngines = []tkEngine{
	{"postgres", func(t testing.TB) *testkit.DB { return testkit.Postgres(t) }},
	{"mysql", func(t testing.TB) *testkit.DB { return testkit.MySQL(t) }},
	{"sqlite", func(t testing.TB) *testkit.DB { return testkit.SQLite(t) }},
}

// tkExec runs statements one by one.
func tkExec(t testing.TB, db *testkit.DB, stmts ...string) {
	t.Helper()
	for _, s := range stmts {
		if _, err := db.DB.ExecContext(context.Background(), s); err != nil {
			t.Fatalf("%s: %v", s, err)
		}
	}
}

// tkFlavour names the engine's golden files: "postgres", "sqlite", and
// "mariadb" or "mysql" for the MySQL dialect, whose catalogues differ.
func tkFlavour(t testing.TB, db *testkit.DB) string {
	t.Helper()
	if db.Dialect.Name() != "mysql" {
		return db.Dialect.Name()
	}
	var v string
	if err := db.DB.QueryRowContext(context.Background(), "SELECT VERSION()").Scan(&v); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(v, "MariaDB") {
		return "mariadb"
	}
	return "mysql"
}

// snapshotSchemas holds, per engine, a schema with every kind of object
// the engine has and Snapshot reads.
var snapshotSchemas = map[string][]string{
	"postgres": {
		`CREATE TYPE mood AS ENUM ('sad', 'ok', 'happy')`,
		`CREATE DOMAIN email AS text NOT NULL CHECK (VALUE LIKE '%@%')`,
		`CREATE TYPE point2 AS (x double precision, y double precision)`,
		`CREATE TYPE score_range AS RANGE (subtype = float8)`,
		`CREATE SEQUENCE invoice_numbers START 1000 INCREMENT 10`,
		`CREATE TABLE users (
			id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
			email email,
			name varchar(100) NOT NULL DEFAULT 'anonymous',
			mood mood,
			age integer CHECK (age >= 0),
			created_at timestamptz NOT NULL DEFAULT now(),
			name_upper text GENERATED ALWAYS AS (upper(name)) STORED,
			CONSTRAINT users_email_unique UNIQUE (email)
		)`,
		`CREATE TABLE posts (
			id serial PRIMARY KEY,
			user_id bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
			editor_id bigint,
			title text COLLATE "C" NOT NULL,
			body text,
			place point2,
			CONSTRAINT posts_editor_fk FOREIGN KEY (editor_id) REFERENCES users (id) ON DELETE SET NULL ON UPDATE CASCADE DEFERRABLE INITIALLY DEFERRED,
			CONSTRAINT posts_title_excl EXCLUDE USING btree (title WITH =)
		)`,
		`ALTER TABLE posts ADD COLUMN dropped int`,
		`ALTER TABLE posts ADD COLUMN after_dropped int`,
		`ALTER TABLE posts DROP COLUMN dropped`,
		`CREATE INDEX posts_title_lower ON posts (lower(title)) WHERE body IS NOT NULL`,
		`CREATE UNIQUE INDEX posts_user_title ON posts (user_id, title DESC)`,
		`CREATE VIEW recent_posts AS SELECT p.id, p.title, u.email
			FROM posts p JOIN users u ON u.id = p.user_id WHERE p.id > 10`,
		`CREATE MATERIALIZED VIEW post_counts AS SELECT user_id, count(*) AS n FROM posts GROUP BY user_id`,
		`CREATE FUNCTION trim_title() RETURNS trigger LANGUAGE plpgsql AS $$
		BEGIN
			NEW.title := trim(NEW.title);
			RETURN NEW;
		END $$`,
		`CREATE TRIGGER posts_trim_title BEFORE INSERT OR UPDATE OF title ON posts
			FOR EACH ROW EXECUTE FUNCTION trim_title()`,
		`CREATE TABLE events (id bigint NOT NULL, at date NOT NULL) PARTITION BY RANGE (at)`,
		`CREATE TABLE events_2026 PARTITION OF events FOR VALUES FROM ('2026-01-01') TO ('2027-01-01')`,
		`CREATE UNLOGGED TABLE "Odd Name" ("Mixed Case" int)`,
	},
	"mysql": {
		`CREATE TABLE users (
			id BIGINT AUTO_INCREMENT PRIMARY KEY,
			email VARCHAR(255) NOT NULL,
			name VARCHAR(100) NOT NULL DEFAULT 'anonymous',
			mood ENUM('sad', 'ok', 'happy') DEFAULT 'ok',
			age INT CHECK (age >= 0),
			score DECIMAL(5, 2) DEFAULT 1.5,
			bio TEXT COLLATE utf8mb4_bin,
			created_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP ON UPDATE CURRENT_TIMESTAMP,
			name_upper VARCHAR(100) AS (UPPER(name)) VIRTUAL,
			meta JSON,
			CONSTRAINT users_email_unique UNIQUE (email),
			CONSTRAINT users_name_check CHECK (name <> ''),
			CHECK (score < 1000)
		) ENGINE = InnoDB`,
		`CREATE TABLE posts (
			id INT AUTO_INCREMENT PRIMARY KEY,
			user_id BIGINT NOT NULL,
			editor_id BIGINT,
			title VARCHAR(200) NOT NULL,
			body TEXT,
			FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE,
			CONSTRAINT posts_editor_fk FOREIGN KEY (editor_id) REFERENCES users (id) ON DELETE SET NULL ON UPDATE CASCADE,
			INDEX posts_title_prefix (title(20), id DESC),
			FULLTEXT INDEX posts_body_text (body)
		) ENGINE = InnoDB AUTO_INCREMENT = 1000`,
		`CREATE TABLE logs (line TEXT) ENGINE = MyISAM COLLATE utf8mb4_unicode_ci`,
		`INSERT INTO users (email) VALUES ('a@example.com')`,
		`CREATE VIEW recent_posts AS SELECT p.id, p.title, u.email
			FROM posts p JOIN users u ON u.id = p.user_id WHERE p.id > 10`,
		`CREATE TRIGGER posts_trim_title BEFORE INSERT ON posts FOR EACH ROW SET NEW.title = TRIM(NEW.title)`,
		`CREATE FUNCTION double_it(x INT) RETURNS INT DETERMINISTIC RETURN x * 2`,
		`CREATE PROCEDURE touch_users() UPDATE users SET name = name`,
	},
	"sqlite": {
		`CREATE TABLE users (
			id INTEGER PRIMARY KEY AUTOINCREMENT,
			email TEXT NOT NULL UNIQUE COLLATE NOCASE,
			name VARCHAR( 100 )   NOT NULL DEFAULT 'anonymous', -- a comment
			age INTEGER CHECK (age >= 0),
			created_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,
			name_upper TEXT GENERATED ALWAYS AS (upper(name)) VIRTUAL,
			name_len INTEGER AS (length(name)) STORED,
			CONSTRAINT users_name_check CHECK (name <> '')
		)`,
		`CREATE TABLE posts (
			id INTEGER PRIMARY KEY,
			user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
			editor_id INTEGER,
			title TEXT NOT NULL,
			body TEXT,
			FOREIGN KEY (editor_id) REFERENCES users ON DELETE SET NULL ON UPDATE CASCADE,
			UNIQUE (user_id, title)
		)`,
		`CREATE TABLE tags (post_id INTEGER, tag TEXT, PRIMARY KEY (post_id, tag)) WITHOUT ROWID`,
		`CREATE TABLE counters (name TEXT PRIMARY KEY, n INTEGER NOT NULL) STRICT`,
		`CREATE INDEX posts_title_lower ON posts (lower(title)) WHERE body IS NOT NULL`,
		`CREATE UNIQUE INDEX posts_user_title ON posts (user_id, title DESC)`,
		`CREATE VIEW recent_posts AS SELECT p.id, p.title, u.email
			FROM posts p JOIN users u ON u.id = p.user_id WHERE p.id > 10`,
		`CREATE TRIGGER posts_trim_title AFTER INSERT ON posts BEGIN
			UPDATE posts SET title = trim(title) WHERE id = NEW.id;
		END`,
		`INSERT INTO users (email) VALUES ('a@example.com')`,
	},
}

func TestSnapshotGolden(t *testing.T) {
	t.Parallel()
	for _, e := range tkEngines {
		t.Run(e.name, func(t *testing.T) {
			t.Parallel()
			db := e.open(t)
			tkExec(t, db, snapshotSchemas[e.name]...)
			if e.name == "mysql" && tkFlavour(t, db) == "mariadb" {
				tkExec(t, db, `CREATE SEQUENCE invoice_numbers START WITH 1000 INCREMENT BY 10`)
			}
			testkit.Golden(t, "snapshot_"+tkFlavour(t, db), testkit.Snapshot(t, db))
		})
	}
}

// TestSnapshotStable builds the same schema in two databases and expects
// equal snapshots: nothing of the database's name, OIDs or counters
// leaks in.
func TestSnapshotStable(t *testing.T) {
	t.Parallel()
	for _, e := range tkEngines {
		t.Run(e.name, func(t *testing.T) {
			t.Parallel()
			a, b := e.open(t), e.open(t)
			tkExec(t, a, snapshotSchemas[e.name]...)
			tkExec(t, b, `CREATE TABLE filler (id int)`) // move b's OIDs and counters on
			tkExec(t, b, snapshotSchemas[e.name]...)
			tkExec(t, b, `DROP TABLE filler`)
			sa, sb := testkit.Snapshot(t, a), testkit.Snapshot(t, b)
			if sa != sb {
				t.Errorf("snapshots of one schema in two databases differ:\n%s\n---\n%s", sa, sb)
			}
			if sa == "" {
				t.Error("empty snapshot")
			}
			if again := testkit.Snapshot(t, a); again != sa {
				t.Errorf("second snapshot differs:\n%s\n---\n%s", sa, again)
			}
		})
	}
}

func TestSnapshotEmpty(t *testing.T) {
	t.Parallel()
	for _, e := range tkEngines {
		t.Run(e.name, func(t *testing.T) {
			t.Parallel()
			if s := testkit.Snapshot(t, e.open(t)); s != "" {
				t.Errorf("snapshot of a new database = %q, want \"\"", s)
			}
		})
	}
}

// TestSnapshotHistoryTable applies a migration and runs a seeder, with
// the default history table and with one named by WithTable, and expects
// only the migration's table in the snapshot.
func TestSnapshotHistoryTable(t *testing.T) {
	t.Parallel()
	for _, e := range tkEngines {
		for _, table := range []string{"", "app_history"} {
			t.Run(e.name+"/"+cmpOr(table, "default"), func(t *testing.T) {
				t.Parallel()
				db := e.open(t)
				opts := []sdk.Option{
					sdk.WithMigrations(sdk.GoMigration(1, "widgets", func(ctx context.Context, tx sdk.Tx) error {
						_, err := tx.ExecContext(ctx, "CREATE TABLE widgets (id int)")
						return err
					}, nil)),
					sdk.WithSeeders(sdk.Seeder{Name: "none", Once: true, Run: func(context.Context, sdk.Tx) error { return nil }}),
					sdk.WithLogger(slog.New(slog.DiscardHandler)),
				}
				var snapOpts []testkit.SnapshotOption
				if table != "" {
					opts = append(opts, sdk.WithTable(table))
					snapOpts = append(snapOpts, testkit.HistoryTable(table))
				}
				m, err := sdk.New(db.DB, db.Dialect, opts...)
				if err != nil {
					t.Fatal(err)
				}
				if _, err := m.Up(t.Context()); err != nil {
					t.Fatal(err)
				}
				if _, err := m.Seed(t.Context()); err != nil {
					t.Fatal(err)
				}
				got := testkit.Snapshot(t, db, snapOpts...)
				if !strings.HasPrefix(got, "table widgets") || strings.Contains(got, m.Table()) {
					t.Errorf("snapshot:\n%s\nwant the widgets table only, without %s and %s_seeds", got, m.Table(), m.Table())
				}
				if table != "" {
					// Without the option the custom table is an
					// ordinary table.
					if all := testkit.Snapshot(t, db); !strings.Contains(all, "table "+table) || !strings.Contains(all, "table "+table+"_seeds") {
						t.Errorf("snapshot without HistoryTable:\n%s\nwant %s and %s_seeds in it", all, table, table)
					}
				}
			})
		}
	}
}

func cmpOr(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// tkRecorder is a testing.TB that records failures instead of failing
// the test, to test helpers that are meant to fail. Fatal and Fatalf end
// the calling goroutine, as testing.T's do; run the helper with
// tkRecord.
type tkRecorder struct {
	testing.TB
	mu     sync.Mutex
	errors []string
	fatal  bool
	logs   []string
}

func (r *tkRecorder) Helper() {}

func (r *tkRecorder) Errorf(format string, args ...any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.errors = append(r.errors, fmt.Sprintf(format, args...))
}

func (r *tkRecorder) Error(args ...any) { r.Errorf("%s", fmt.Sprint(args...)) }

func (r *tkRecorder) Fatalf(format string, args ...any) {
	r.Errorf(format, args...)
	r.mu.Lock()
	r.fatal = true
	r.mu.Unlock()
	runtime.Goexit()
}

func (r *tkRecorder) Fatal(args ...any) { r.Fatalf("%s", fmt.Sprint(args...)) }

func (r *tkRecorder) FailNow() {
	r.Fatalf("FailNow")
}

func (r *tkRecorder) Logf(format string, args ...any) {
	r.mu.Lock()
	r.logs = append(r.logs, fmt.Sprintf(format, args...))
	r.mu.Unlock()
	r.TB.Logf(format, args...)
}

func (r *tkRecorder) Log(args ...any) { r.Logf("%s", fmt.Sprint(args...)) }

func (r *tkRecorder) Failed() bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.errors) > 0
}

// output returns everything recorded as failures, one per line.
func (r *tkRecorder) output() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return strings.Join(r.errors, "\n")
}

// tkRecord runs f with a recorder in a goroutine of its own, so that a
// Fatal ends only that goroutine, and returns the recorder.
func tkRecord(t testing.TB, f func(testing.TB)) *tkRecorder {
	r := &tkRecorder{TB: t}
	done := make(chan struct{})
	go func() {
		defer close(done)
		f(r)
	}()
	<-done
	return r
}
