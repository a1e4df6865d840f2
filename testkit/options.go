package testkit

import (
	"fmt"
	"testing"
)

// Option configures one database that [Postgres], [MySQL] or [SQLite]
// returns. A bad option fails the test.
type Option func(*options) error

// Kind names a database engine by its constructor: [Postgres], [MySQL]
// or [SQLite]. [Migrated] takes one:
//
//	db := testkit.Migrated(t, testkit.Postgres, sdk.WithFS(migrations.FS))
//
// A function of your own is a Kind too, as long as it passes the options
// it is given on to one of the three, for example to add options of its
// own:
//
//	small := func(t testing.TB, opts ...testkit.Option) *testkit.DB {
//		return testkit.Postgres(t, append(opts, testkit.WithMaxOpenConns(2))...)
//	}
type Kind func(t testing.TB, opts ...Option) *DB

type options struct {
	maxOpenConns int
	// migrated is set by Migrated, through the Kind it was given.
	migrated *migratedRequest
	// tx is set by MigratedTx, with migrated.
	tx bool
}

// defaultMaxOpenConns bounds every returned pool unless WithMaxOpenConns
// says otherwise.
const defaultMaxOpenConns = 10

// WithMaxOpenConns bounds the returned *sql.DB to n open connections
// (SetMaxOpenConns); the default is 10. n must be at least 1.
func WithMaxOpenConns(n int) Option {
	return func(o *options) error {
		if n < 1 {
			return fmt.Errorf("WithMaxOpenConns(%d): want at least 1", n)
		}
		o.maxOpenConns = n
		return nil
	}
}

func buildOptions(opts []Option) (*options, error) {
	o := &options{maxOpenConns: defaultMaxOpenConns}
	for _, opt := range opts {
		if opt == nil {
			return nil, fmt.Errorf("nil Option")
		}
		if err := opt(o); err != nil {
			return nil, err
		}
	}
	return o, nil
}
