package testkit

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hoistdb/hoist/sdk"
)

// TestSQLiteFilePool: after the first Migrated of a set on SQLite, its
// pool fills with HOIST_TEST_POOL copies of the template; the next
// Migrated gets one of them, migrated; and closing the pool, as Main
// does, removes the copies no test used, leaving the used one to its
// test.
func TestSQLiteFilePool(t *testing.T) {
	t.Setenv("HOIST_TEST_POOL", "2")
	e, srv := engineNamed(t, "sqlite")
	s := srv.(*sqliteServer)
	ctx := context.Background()
	opts := []sdk.Option{sdk.WithFS(HundredMigrations(fmt.Sprintf("TestSQLiteFilePool %d %d", os.Getpid(), time.Now().UnixNano())))}
	DropTemplateAtEnd(t, "sqlite", opts...)
	key, _, _, err := templateKey(ctx, e, srv.templates(), opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { filePools.Delete(key) })

	Migrated(t, SQLite, opts...)
	v, ok := filePools.Load(key)
	if !ok || v.(*filePool) == nil {
		t.Fatal("no file pool after the first Migrated")
	}
	p := v.(*filePool)
	for deadline := time.Now().Add(time.Minute); len(p.ready) < cap(p.ready); time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("the pool holds %d copies after a minute; want %d", len(p.ready), cap(p.ready))
		}
	}
	dirOf := func(name string) string {
		s.mu.Lock()
		defer s.mu.Unlock()
		return s.dirs[name]
	}
	var pooled []string // their directories
	for range cap(p.ready) {
		f := <-p.ready
		if dirOf(f.name) == "" || !ownerLocked(t, dirOf(f.name)) {
			t.Errorf("pooled copy %s has no directory held by this binary; a killed binary's would not be swept", f.name)
		}
		pooled = append(pooled, dirOf(f.name))
		p.ready <- f
	}

	db := Migrated(t, SQLite, opts...)
	used := filepath.Dir(strings.TrimPrefix(strings.Split(db.DSN, "?")[0], "file:"))
	found := false
	for _, dir := range pooled {
		found = found || dir == used
	}
	if !found {
		t.Errorf("Migrated gave a database in %s; want one of the pooled %v", used, pooled)
	}
	var rows int
	if err := db.DB.QueryRowContext(ctx, "SELECT count(*) FROM t4").Scan(&rows); err != nil || rows != 3 {
		t.Errorf("the pooled copy's t4 has %d rows (%v); want the 3 the migrations insert", rows, err)
	}

	p.close()
	if len(p.ready) != 0 {
		t.Errorf("%d copies left in the closed pool", len(p.ready))
	}
	for _, dir := range pooled {
		_, err := os.Stat(dir)
		if exists := err == nil; exists != (dir == used) {
			t.Errorf("after the pool closed, %s exists: %t; want only the used copy's directory", dir, exists)
		}
	}
}

// ownerLocked reports whether a database directory's owner lock is held.
func ownerLocked(t *testing.T, dir string) bool {
	t.Helper()
	if !flockWorks {
		return true
	}
	if _, err := os.Stat(filepath.Join(dir, ownerLockFile)); err != nil {
		return false
	}
	return !ownerLockFree(dir)
}
