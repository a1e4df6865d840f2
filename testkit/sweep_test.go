package testkit

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// TestSweep plants databases and templates of every age on the servers
// and checks that a sweep drops only testkit's, and only the old ones.
func TestSweep(t *testing.T) {
	t.Parallel()
	for _, engineName := range []string{"postgres", "mysql"} {
		t.Run(engineName, func(t *testing.T) {
			t.Parallel()
			_, srv := engineNamed(t, engineName)
			sweeping.Wait() // the binary's own sweep, which would race this one
			ctx := context.Background()
			now := time.Now()
			old := newDatabaseName(now.Add(-25 * time.Hour))
			young := newDatabaseName(now.Add(-23 * time.Hour))
			oldTpl := newTemplateName(randomHex(8), now.Add(-8*24*time.Hour))
			youngTpl := newTemplateName(randomHex(8), now.Add(-6*24*time.Hour))
			other := "hoistsweep_" + randomHex(4) // not testkit's: never dropped
			for _, name := range []string{old, young, oldTpl, youngTpl} {
				if _, err := srv.create(ctx, name); err != nil {
					t.Fatal(err)
				}
			}
			var exists func(string) bool
			switch s := srv.(type) {
			case *postgresServer:
				if _, err := s.admin.ExecContext(ctx, `ALTER DATABASE "`+oldTpl+`" WITH ALLOW_CONNECTIONS false IS_TEMPLATE true`); err != nil {
					t.Fatal(err)
				}
				mustExec(t, s.admin.ExecContext, `CREATE DATABASE "`+other+`"`)
				t.Cleanup(func() { mustExec(t, s.admin.ExecContext, `DROP DATABASE "`+other+`"`) })
				exists = func(name string) bool {
					var n int
					_ = s.admin.QueryRowContext(ctx, "SELECT count(*) FROM pg_database WHERE datname = $1", name).Scan(&n)
					return n > 0
				}
				s.sweep(ctx, now)
			case *mysqlServer:
				mustExec(t, s.admin.ExecContext, "CREATE DATABASE `"+other+"`")
				t.Cleanup(func() { mustExec(t, s.admin.ExecContext, "DROP DATABASE `"+other+"`") })
				exists = func(name string) bool { return len(s.list(ctx, name)) > 0 }
				s.sweep(ctx, now)
			}
			for name, want := range map[string]bool{old: false, oldTpl: false, young: true, youngTpl: true, other: true} {
				if got := exists(name); got != want {
					t.Errorf("after the sweep, %s exists: %t, want %t", name, got, want)
				}
			}
			for _, name := range []string{young, youngTpl} {
				if err := srv.drop(ctx, name); err != nil {
					t.Error(err)
				}
			}
			if err := srv.drop(ctx, other); err == nil {
				t.Errorf("drop(%q) succeeded on a database testkit did not make", other)
			}
		})
	}
}

func mustExec[R any](t *testing.T, exec func(context.Context, string, ...any) (R, error), query string) {
	t.Helper()
	if _, err := exec(context.Background(), query); err != nil {
		t.Fatal(err)
	}
}

func TestSweepSQLite(t *testing.T) {
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp)
	now := time.Now()
	old := filepath.Join(tmp, newDatabaseName(now.Add(-25*time.Hour))+"_123")
	young := filepath.Join(tmp, newDatabaseName(now.Add(-time.Hour))+"_456")
	other := filepath.Join(tmp, "hoist_test_something_else")
	for _, dir := range []string{old, young, other} {
		if err := os.Mkdir(dir, 0o700); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Mkdir(sqliteTemplateDir(), 0o700); err != nil {
		t.Fatal(err)
	}
	s := &sqliteServer{dirs: map[string]string{}}
	oldTpl := s.templatePath(randomHex(8))
	youngTpl := s.templatePath(randomHex(8))
	oldLock := filepath.Join(sqliteTemplateDir(), randomHex(8)+".lock")
	for _, f := range []string{oldTpl, youngTpl, oldLock} {
		if err := os.WriteFile(f, nil, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	week := now.Add(-8 * 24 * time.Hour)
	for _, f := range []string{oldTpl, oldLock} {
		if err := os.Chtimes(f, week, week); err != nil {
			t.Fatal(err)
		}
	}
	s.sweep(now)
	for path, want := range map[string]bool{old: false, oldTpl: false, oldLock: false, young: true, youngTpl: true, other: true} {
		_, err := os.Stat(path)
		if got := err == nil; got != want {
			t.Errorf("after the sweep, %s exists: %t, want %t", path, got, want)
		}
	}
}
