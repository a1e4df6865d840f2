//go:build unix

package testkit

import (
	"context"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"
)

// postgresBinDirs lists where initdb and postgres may be: beside the
// initdb in PATH, what pg_config says, the Debian and Ubuntu layout
// (newest version first) and the source install's default.
func postgresBinDirs() []string {
	dirs := []string{pathDir("initdb"), pathDir("postgres")}
	if out, err := exec.Command("pg_config", "--bindir").Output(); err == nil {
		dirs = append(dirs, strings.TrimSpace(string(out)))
	}
	versions, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	sort.Slice(versions, func(i, j int) bool { return versionOf(versions[i]) > versionOf(versions[j]) })
	dirs = append(dirs, versions...)
	return append(dirs, "/usr/local/pgsql/bin")
}

// versionOf reads the major version out of /usr/lib/postgresql/<v>/bin.
func versionOf(dir string) int {
	v, _ := strconv.Atoi(filepath.Base(filepath.Dir(dir)))
	return v
}

func postgresLocalSpec(bin string) localSpec {
	out, _ := exec.Command(filepath.Join(bin, "postgres"), "--version").Output()
	return localSpec{
		engine:       postgresEngine,
		flavor:       "postgres",
		version:      versionIn(string(out)),
		dataDirQuery: "SHOW data_directory",
		// A postmaster killed with SIGKILL leaves its System V segment,
		// whose key and id are on line 7 of postmaster.pid.
		crashed: `set -- $(sed -n 7p "$dir/data/postmaster.pid" 2>/dev/null); if [ -n "$2" ]; then ipcrm -m "$2" 2>/dev/null; fi`,
		users:   []string{"postgres", "nobody"},
		init: func(dir string, _ int) []string {
			return []string{filepath.Join(bin, "initdb"), "-D", filepath.Join(dir, "data"), "-U", "postgres",
				"--auth=trust", "--no-sync", "-E", "UTF8", "--locale=C"}
		},
		server: func(dir string, port int) []string {
			return []string{filepath.Join(bin, "postgres"), "-D", filepath.Join(dir, "data"),
				"-p", strconv.Itoa(port), "-k", dir, "-c", "listen_addresses=127.0.0.1",
				// Durability buys nothing for a server that dies with its tests.
				"-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off",
				"-c", "max_connections=100",
				// Dynamic shared memory in files of the data directory
				// rather than /dev/shm, so that it goes with the
				// directory even when the server is killed.
				"-c", "dynamic_shared_memory_type=mmap"}
		},
		stop:   "INT", // fast shutdown; TERM would wait for the test binary's idle connections
		binary: filepath.Join(bin, "postgres"),
		base: func(port int) string {
			return "postgres://postgres@127.0.0.1:" + strconv.Itoa(port) + "/postgres?sslmode=disable"
		},
	}
}

func postgresFromLocal(ctx context.Context) (server, error) {
	dirs := postgresBinDirs()
	bin, ok := findBinDir(dirs, "initdb", "postgres")
	if !ok {
		return nil, reject("no initdb and postgres in PATH, in pg_config --bindir, in /usr/lib/postgresql/*/bin or in /usr/local/pgsql/bin")
	}
	return startLocal(ctx, postgresLocalSpec(bin), func(ctx context.Context, base, from string, shared bool) (server, error) {
		if !shared {
			return connectTemporaryPostgres(ctx, base, from)
		}
		// A shared server keeps what earlier binaries left, as an
		// existing server does: sweep it the same way.
		srv, err := connectPostgres(ctx, base, from)
		if err != nil {
			return nil, err
		}
		srv.sweep(ctx, time.Now())
		srv.sweepShelf(ctx, time.Now())
		return srv, nil
	})
}

// versionIn returns the version in a server's --version output: the
// first word that starts with a digit, up to its first character that is
// not a letter, digit or dot ("15.20" of "postgres (PostgreSQL) 15.20
// (Debian 15.20-0+deb12u1)", "10.11.19" of "mariadbd  Ver
// 10.11.19-MariaDB-0+deb12u1 for debian-linux-gnu"), or "unknown".
func versionIn(out string) string {
	for _, w := range strings.Fields(out) {
		if w[0] < '0' || w[0] > '9' {
			continue
		}
		end := strings.IndexFunc(w, func(r rune) bool {
			return !(r == '.' || '0' <= r && r <= '9' || 'a' <= r && r <= 'z' || 'A' <= r && r <= 'Z')
		})
		if end >= 0 {
			w = w[:end]
		}
		return strings.TrimRight(w, ".")
	}
	return "unknown"
}

// mysqlBinDirs lists where mariadbd or mysqld and their install tool may
// be.
func mysqlBinDirs() []string {
	return []string{pathDir("mariadbd"), pathDir("mysqld"), "/usr/sbin", "/usr/libexec", "/usr/local/mysql/bin", "/usr/local/sbin", "/usr/local/bin"}
}

// mysqlLocal finds a server binary and how to initialise its data
// directory: MariaDB's mariadb-install-db (or its old name,
// mysql_install_db), or MySQL's own mysqld --initialize-insecure.
func mysqlLocal() (spec localSpec, ok bool) {
	dirs := mysqlBinDirs()
	server := ""
	for _, name := range []string{"mariadbd", "mysqld"} {
		if dir, found := findBinDir(dirs, name); found {
			server = filepath.Join(dir, name)
			break
		}
	}
	if server == "" {
		return spec, false
	}
	out, _ := exec.Command(server, "--version").Output()
	mariadb := strings.Contains(string(out), "MariaDB")
	var install string
	if mariadb {
		toolDirs := append([]string{pathDir("mariadb-install-db"), pathDir("mysql_install_db"), "/usr/bin", "/usr/local/mysql/scripts"}, dirs...)
		for _, name := range []string{"mariadb-install-db", "mysql_install_db"} {
			if dir, found := findBinDir(toolDirs, name); found {
				install = filepath.Join(dir, name)
				break
			}
		}
		if install == "" {
			return spec, false
		}
	}
	// Durability buys nothing for a server that dies with its tests.
	tuning := []string{"--innodb-flush-log-at-trx-commit=0", "--innodb-doublewrite=0", "--skip-log-bin",
		"--innodb-buffer-pool-size=64M", "--innodb-log-file-size=16M"}
	if mariadb {
		tuning = append(tuning, "--skip-name-resolve")
	}
	flavor := "mysql"
	if mariadb {
		flavor = "mariadb"
	}
	spec = localSpec{
		engine:       mysqlEngine,
		flavor:       flavor,
		version:      versionIn(string(out)),
		dataDirQuery: "SELECT @@datadir",
		users:        []string{"mysql", "nobody"},
		init: func(dir string, _ int) []string {
			data := "--datadir=" + filepath.Join(dir, "data")
			if !mariadb {
				return []string{server, "--no-defaults", "--initialize-insecure", data}
			}
			return append([]string{install, "--no-defaults", data, "--auth-root-authentication-method=normal", "--skip-test-db"}, tuning...)
		},
		server: func(dir string, port int) []string {
			return append([]string{server, "--no-defaults", "--datadir=" + filepath.Join(dir, "data"),
				"--socket=" + filepath.Join(dir, "mysql.sock"), "--pid-file=" + filepath.Join(dir, "mysqld.pid"),
				"--port=" + strconv.Itoa(port), "--bind-address=127.0.0.1", "--tmpdir=" + dir,
				"--max-connections=200", "--character-set-server=utf8mb4"}, tuning...)
		},
		stop:   "TERM",
		binary: server,
		base:   func(port int) string { return "root:@tcp(127.0.0.1:" + strconv.Itoa(port) + ")/" },
	}
	return spec, true
}

func mysqlFromLocal(ctx context.Context) (server, error) {
	spec, ok := mysqlLocal()
	if !ok {
		return nil, reject("no mariadbd (with mariadb-install-db) or mysqld in PATH, /usr/sbin, /usr/libexec or /usr/local/mysql/bin")
	}
	return startLocal(ctx, spec, func(ctx context.Context, base, from string, shared bool) (server, error) {
		if !shared {
			return connectTemporaryMySQL(ctx, base, from)
		}
		cfg, err := parseMySQLURL(base)
		if err != nil {
			return nil, err
		}
		// A shared server keeps what earlier binaries left, as an
		// existing server does: sweep it the same way.
		srv, err := connectMySQL(ctx, cfg, from)
		if err != nil {
			return nil, err
		}
		srv.sweep(ctx, time.Now())
		srv.sweepShelf(ctx, time.Now())
		return srv, nil
	})
}
