package cli

import (
	"os"
	"path/filepath"
	"testing"
	"time"
)

func TestNames(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ in, snake, camel string }{
		{"create users table", "create_users_table", "CreateUsersTable"},
		{"CreateUsersTable", "create_users_table", "CreateUsersTable"},
		{"add-email_to users", "add_email_to_users", "AddEmailToUsers"},
		{"HTTPServer logs", "http_server_logs", "HTTPServerLogs"},
		{"user id", "user_id", "UserID"},
		{"2fa codes", "2fa_codes", "Migration2faCodes"},
		{"  Blog Post!  ", "blog_post", "BlogPost"},
		{"café", "caf", "Caf"},
	} {
		if got := snake(tc.in); got != tc.snake {
			t.Errorf("snake(%q) = %q, want %q", tc.in, got, tc.snake)
		}
		if got := camel(tc.in, "Migration"); got != tc.camel {
			t.Errorf("camel(%q) = %q, want %q", tc.in, got, tc.camel)
		}
	}
	for in, want := range map[string]string{"post": "posts", "category": "categories", "day": "days", "box": "boxes",
		"status": "statuses", "match": "matches", "blog_post": "blog_posts"} {
		if got := pluralize(in); got != want {
			t.Errorf("pluralize(%q) = %q, want %q", in, got, want)
		}
	}
	for in, want := range map[string]string{"x": "x.go", "fix_linux": "fix_linux_migration.go", "add_test": "add_test_migration.go",
		"a_amd64": "a_amd64_migration.go", "linux_users": "linux_users.go"} {
		if got := goFileName(in); got != want {
			t.Errorf("goFileName(%q) = %q, want %q", in, got, want)
		}
	}
	for in, want := range map[string]string{"create_users_table": "users", "create_users": "users",
		"create_blog_posts_table": "blog_posts", "create_table": "table", "add_email": "", "create": ""} {
		if got := createTable(in); got != want {
			t.Errorf("createTable(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestNextVersion(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 11, 22, 9, 30, 0, 0, time.FixedZone("CET", 3600))
	for _, tc := range []struct {
		name  string
		files []string
		want  string
	}{
		{"empty", nil, "20261122083000"}, // UTC
		{"sequential", []string{"0001_a.sql", "0002_b.up.sql", "0002_b.down.sql", "embed.go"}, "0003"},
		{"sequential_go", []string{"001_a.sql", "007_b.go"}, "008"},
		{"timestamps", []string{"20261121000000_a.sql"}, "20261122083000"},
		{"same_second", []string{"20261122083000_a.sql"}, "20261122083001"},
		{"future", []string{"20991231235959_a.sql"}, "20991231235960"},
		{"ignored", []string{"README.md", "notes_1.sql", "12.sql"}, "20261122083000"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			for _, f := range tc.files {
				if err := os.WriteFile(filepath.Join(dir, f), nil, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			got, err := nextVersion(dir, now)
			if err != nil || got != tc.want {
				t.Errorf("nextVersion = %q, %v; want %q", got, err, tc.want)
			}
		})
	}
	if got, err := nextVersion(filepath.Join(t.TempDir(), "missing"), now); err != nil || got != "20261122083000" {
		t.Errorf("nextVersion of a missing directory = %q, %v", got, err)
	}
}

func TestImportPath(t *testing.T) {
	t.Parallel()
	root := t.TempDir()
	if err := os.WriteFile(filepath.Join(root, "go.mod"), []byte("// c\nmodule \"example.com/app\" // x\n\ngo 1.24\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for dir, want := range map[string]string{root: "example.com/app", filepath.Join(root, "internal", "models"): "example.com/app/internal/models"} {
		if got, err := importPath(dir); err != nil || got != want {
			t.Errorf("importPath(%s) = %q, %v; want %q", dir, got, err, want)
		}
	}
	if _, err := importPath(filepath.Join(os.TempDir(), "hoist-no-module-here")); err == nil {
		t.Error("importPath outside a module: no error")
	}
}
