package sqlite

import (
	"strings"
	"sync"
)

// memoryLocks are the locks of databases without a file, one per history
// table name, shared by the whole process.
//
// A database without a file lives inside one process, but several
// connections of that process may share it ("file:x?mode=memory&cache=shared",
// or one pool whose connections all reach the same database), so
// migrators in different goroutines must still exclude each other. SQLite
// does not say which in-memory database a connection is on (PRAGMA
// database_list gives every one the file name ""), so the lock cannot be
// keyed by the database: all file-less databases of the process share
// the lock of a table name. Migrators of unrelated in-memory databases
// with the same history table therefore take turns, which costs a wait
// but never a wrong result.
var memoryLocks sync.Map // lower-cased table name → *memoryLock

// memoryLock is a non-blocking mutex that remembers who holds it.
type memoryLock struct {
	mu     sync.Mutex
	held   bool
	holder string
}

// memoryLockOf returns the process's lock for table. SQLite compares
// table names without regard to case, so the key does too.
func memoryLockOf(table string) *memoryLock {
	l, _ := memoryLocks.LoadOrStore(strings.ToLower(table), &memoryLock{})
	return l.(*memoryLock)
}

// tryLock takes the lock for holder if it is free.
func (l *memoryLock) tryLock(holder string) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.held {
		return false
	}
	l.held, l.holder = true, holder
	return true
}

func (l *memoryLock) unlock() {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.held, l.holder = false, ""
}

// heldBy returns the holder, or "" when the lock is free.
func (l *memoryLock) heldBy() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.holder
}
