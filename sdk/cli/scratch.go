package cli

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"slices"

	"github.com/hoistdb/hoist/dialect/mysql"
	"github.com/hoistdb/hoist/sdk"
)

// scratchReport is what validate --scratch found.
type scratchReport struct {
	Engine     string `json:"engine"`
	Database   string `json:"database"`
	Applied    int    `json:"applied"`
	RolledBack int    `json:"rolled_back"`
	// Irreversible is the migration whose missing down stopped the
	// rollback, "" when every down ran.
	Irreversible string `json:"irreversible"`
}

// scratch applies every migration, then rolls them back one by one, in a
// throwaway database of the configured engine on the configured server
// (for SQLite a temporary file), and drops it after: what only the
// engine can tell, such as a syntax error or a down that does not undo
// its up, is found before a real database meets it. The problems it
// returns are the engine's errors, naming the file and statement.
func (c *command) scratch() (*scratchReport, []string, error) {
	d, err := c.cfg.dataSource()
	if err != nil {
		return nil, nil, err
	}
	cfg, name, drop, err := c.scratchDatabase()
	if err != nil {
		return nil, nil, fmt.Errorf("validate --scratch creates a throwaway database on the server, and could not: %w", err)
	}
	rep := &scratchReport{Engine: d.Engine, Database: name}
	opened := len(c.dbs)
	// The scratch run prints no progress lines: they would read as the
	// real database's.
	quiet := c.progress.quiet
	c.progress.quiet = true
	defer func() { c.progress.quiet = quiet }()
	c.scratching = true
	probs, err := c.scratchRun(&cfg, rep)
	c.scratching = false
	for _, db := range c.dbs[opened:] {
		db.Close()
	}
	c.dbs = c.dbs[:opened]
	if derr := drop(); derr != nil && err == nil {
		err = fmt.Errorf("dropping the scratch database %s: %w", name, derr)
	}
	return rep, probs, err
}

// scratchRun migrates the scratch database up, then down one migration at
// a time.
func (c *command) scratchRun(cfg *Config, rep *scratchReport) ([]string, error) {
	m, err := c.tree.factory(c.ctx, cfg)
	if err != nil {
		return nil, err
	}
	up, err := m.Up(c.ctx)
	if up != nil {
		rep.Applied = len(up.Applied)
	}
	if err != nil {
		return problems(err), nil
	}
	for range rep.Applied {
		res, err := m.Rollback(c.ctx, sdk.RollbackOptions{Steps: 1})
		if errors.Is(err, sdk.ErrIrreversible) {
			if st, serr := m.Status(c.ctx); serr == nil && len(st.Applied) > 0 {
				a := slices.MaxFunc(st.Applied, func(x, y sdk.MigrationStatus) int { return int(x.Version - y.Version) })
				rep.Irreversible = fmt.Sprintf("%d %s", a.Version, a.Name)
			}
			return nil, nil
		}
		if err != nil {
			return problems(err), nil
		}
		if res != nil {
			rep.RolledBack += len(res.Applied)
		}
	}
	return nil, nil
}

// scratchDatabase creates a throwaway database of the configured engine
// on the configured server (for SQLite, a file in a temporary directory)
// and returns a copy of the configuration that points at it, its name
// (the file's path for SQLite), and the function that drops it. Its name
// starts with hoist_scratch_.
func (c *command) scratchDatabase() (cfg Config, name string, drop func() error, err error) {
	d, err := c.cfg.dataSource()
	if err != nil {
		return cfg, "", nil, err
	}
	suffix := make([]byte, 6)
	_, _ = rand.Read(suffix)
	name = "hoist_scratch_" + hex.EncodeToString(suffix)
	cfg = *c.cfg
	if d.Engine == "sqlite" {
		dir, err := os.MkdirTemp("", "hoist-scratch-")
		if err != nil {
			return cfg, "", nil, err
		}
		name = filepath.Join(dir, name+".db")
		cfg.DatabaseURL = "sqlite:" + filepath.ToSlash(name)
		return cfg, name, func() error { return os.RemoveAll(dir) }, nil
	}
	u, err := url.Parse(c.cfg.DatabaseURL)
	if err != nil {
		return cfg, "", nil, usageError{err: err}
	}
	u.Path, u.RawPath = "/"+name, ""
	cfg.DatabaseURL = u.String()
	admin, err := openDB(c.ctx, d, d.admin)
	if err != nil {
		return cfg, "", nil, err
	}
	// On MySQL the session that makes the database holds a lock of its
	// name until drop, which keeps it from the sweep of those left by
	// killed processes (mysql.CreateScratch).
	var held *sql.Conn
	release := func() {
		if held != nil {
			held.Close()
		}
		admin.Close()
	}
	exec := admin.ExecContext
	if d.Engine == "mysql" {
		if held, err = admin.Conn(c.ctx); err == nil {
			exec = held.ExecContext // the pool may allow one connection
			err = mysql.CreateScratch(c.ctx, held, name, "")
		}
	} else {
		_, err = exec(c.ctx, "CREATE DATABASE "+d.Dialect.QuoteIdent(name))
	}
	if err != nil {
		release()
		return cfg, "", nil, err
	}
	drop = func() error {
		defer release()
		q := "DROP DATABASE IF EXISTS " + d.Dialect.QuoteIdent(name)
		if d.Engine == "postgres" {
			q += " WITH (FORCE)"
		}
		_, err := exec(context.WithoutCancel(c.ctx), q)
		return err
	}
	return cfg, name, drop, nil
}
