package cli

import (
	"bufio"
	"errors"
	"fmt"
	"net"
	"strings"
)

// production reports whether the command's target looks like a
// production database, and why. HOIST_ENV decides when it is set
// (production or prod: yes; any other value: no), so that an operator
// can say what a database is. Otherwise the target looks like production
// when APP_ENV is production or prod, or when the database is on another
// machine: a server host that is not localhost, a loopback address or a
// Unix socket. A SQLite file is local. A tree mounted over the
// application's own Migrator goes by the variables, and by the host of
// the URL given with [WithTarget].
func (c *command) production() (bool, string) {
	return c.productionOn(c.cfg)
}

// productionOn is [command.production] for the database URL of cfg.
func (c *command) productionOn(cfg *Config) (bool, string) {
	if v, ok := c.tree.env("HOIST_ENV"); ok && v != "" {
		return isProductionName(v), "HOIST_ENV=" + v
	}
	if v, ok := c.tree.env("APP_ENV"); ok && isProductionName(v) {
		return true, "APP_ENV=" + v
	}
	d := c.tree.target
	if c.tree.fixed == nil && cfg.DatabaseURL != "" {
		var err error
		if d, err = cfg.dataSource(); err != nil {
			return false, ""
		}
	}
	if d == nil || d.Engine == "sqlite" {
		return false, ""
	}
	host := d.host
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	host = strings.Trim(host, "[]")
	if isLocalHost(host) {
		return false, ""
	}
	return true, "host " + host + " is not this machine"
}

func isProductionName(v string) bool {
	return strings.EqualFold(v, "production") || strings.EqualFold(v, "prod")
}

// isLocalHost reports whether host is this machine: empty (the driver's
// default, a local socket or localhost), localhost, a loopback address or
// a socket path.
func isLocalHost(host string) bool {
	if host == "" || strings.EqualFold(host, "localhost") || strings.HasPrefix(host, "/") || strings.HasPrefix(host, "%2F") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// guard asks before a destructive command acts on a target that looks
// like production: on a terminal it wants "yes"; without one it refuses
// unless --force is given. what says what is about to happen. A target
// that does not look like production goes ahead without a question.
func (c *command) guard(what string, force bool) error {
	prod, why := c.production()
	return c.guardAs(prod, why, what, force)
}

// guardAs is the question of guard, for a target that looks like
// production (prod) for the reason why.
func (c *command) guardAs(prod bool, why, what string, force bool) error {
	if !prod || force {
		return nil
	}
	in := c.cobra.InOrStdin()
	if !c.tree.terminal(in) {
		return usagef("%s: the target looks like production (%s), and the input is not a terminal to confirm on: "+
			"add --force to go on; nothing was done\n%s", c.cobra.Name(), why, what)
	}
	fmt.Fprintf(c.out.errw, "%s the target looks like production (%s).\n%s\nType yes to go on: ",
		c.out.paint(red, "careful:"), why, what)
	line, _ := bufio.NewReader(in).ReadString('\n')
	if strings.TrimSpace(line) != "yes" {
		return errors.New("not confirmed; nothing changed")
	}
	return nil
}
