package testkit

import (
	"context"
	"embed"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/hoistdb/hoist/sdk"
)

//go:embed testdata/perengine
var keyCacheEmbed embed.FS

// TestKeyCacheSeesEditedFile: the key of a directory of SQL migrations
// is computed once and found again while its files are the same, and a
// file edited in place, even to the same length, gives another key; put
// back, the first key is found again without computing a third.
func TestKeyCacheSeesEditedFile(t *testing.T) {
	t.Parallel()
	for _, name := range []string{"postgres", "mysql", "sqlite"} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			e, srv := engineNamed(t, name)
			ctx := context.Background()
			dir := t.TempDir()
			file := filepath.Join(dir, "0001_a.sql")
			write := func(table string) {
				t.Helper()
				if err := os.WriteFile(file, []byte("-- +hoist up\nCREATE TABLE "+table+" (id INTEGER);\n"), 0o600); err != nil {
					t.Fatal(err)
				}
			}
			opts := []sdk.Option{sdk.WithFS(os.DirFS(dir)), sdk.WithTable("keycache_" + randomHex(4))}
			entries := func() int {
				src, err := sdk.SourcesOf(opts...)
				if err != nil {
					t.Fatal(err)
				}
				version, _ := srv.templates().serverVersion(ctx)
				keys.mu.Lock()
				defer keys.mu.Unlock()
				return len(keys.entries[e.name+"\x00"+version+"\x00"+src.Table])
			}
			key := func() string {
				t.Helper()
				k, _, uncached, err := templateKey(ctx, e, srv.templates(), opts)
				if err != nil || uncached != "" {
					t.Fatalf("templateKey: %v (uncached: %q)", err, uncached)
				}
				return k
			}

			write("aaa")
			first := key()
			if again := key(); again != first || entries() != 1 {
				t.Errorf("the same files keyed %s then %s, %d entries; want one key, one entry", first, again, entries())
			}
			write("bbb") // same length, other bytes
			edited := key()
			if edited == first {
				t.Errorf("an edited file kept the key %s", first)
			}
			write("aaa")
			if back := key(); back != first || entries() != 2 {
				t.Errorf("the files put back keyed %s (%d entries); want %s from the cache, 2 entries", back, entries(), first)
			}
		})
	}
}

// TestKeyCacheEmbedByValue: an embed.FS, whose files cannot change, is
// found by its value without reading it.
func TestKeyCacheEmbedByValue(t *testing.T) {
	var c keyCache
	c.store("id", keyCacheEmbed, nil, "k")
	if key, files, ok, err := c.lookup("id", keyCacheEmbed); err != nil || !ok || key != "k" || files != nil {
		t.Errorf("lookup of the stored embed.FS = %q, %d files, %t, %v; want k from its value, no file read", key, len(files), ok, err)
	}
	if _, _, ok, err := c.lookup("id", embed.FS{}); err != nil || ok {
		t.Errorf("another embed.FS was found (%t, %v)", ok, err)
	}
	if _, _, ok, _ := c.lookup("other", keyCacheEmbed); ok {
		t.Error("the embed.FS was found under another engine, server or table")
	}
}

// TestBinaryIDIsBuildID: the test binary is keyed by the Go build ID
// that go tool buildid reads, not by a hash of its bytes.
func TestBinaryIDIsBuildID(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("the build ID is read from an ELF note")
	}
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go command to compare with")
	}
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(goTool, "tool", "buildid", exe).Output()
	if err != nil {
		t.Skipf("go tool buildid: %v", err)
	}
	id, err := binaryID()
	if want := "go build id " + strings.TrimSpace(string(out)); err != nil || id != want {
		t.Errorf("binaryID() = %q, %v; want %q", id, err, want)
	}
}
