package cli_test

import (
	"encoding/json"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/hoistdb/hoist/testkit"
)

// What varies in the event log from run to run and host to host: the
// host name, the process id, MySQL's account host, and with them the
// padding of the lines.
var (
	rePID    = regexp.MustCompile(`(pid |"pid": )\d+`)
	reSpaces = regexp.MustCompile(`  +`)
	// MySQL's CURRENT_USER() names the account's host, as granted.
	reDBUser = regexp.MustCompile(`(\w+)@[\w.%:-]+( on \$HOSTNAME|")`)
)

// normalizeEvents replaces the host name and process ids of the event
// log, and narrows the padding of its lines to two spaces.
func normalizeEvents(s string) string {
	host, _ := os.Hostname()
	s = strings.NewReplacer(`"host": "`+host+`"`, `"host": "$HOSTNAME"`, " on "+host+", pid", " on $HOSTNAME, pid",
		"  "+host+", pid", "  $HOSTNAME, pid").Replace(s)
	s = rePID.ReplaceAllString(s, "${1}PID")
	s = reDBUser.ReplaceAllString(s, "${1}@$$ACCOUNTHOST${2}")
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		// The history table's header is as wide as its widest duration,
		// which a loaded machine widens: collapse it like the rows.
		if strings.Contains(l, ", pid PID (") || strings.HasPrefix(l, "VERSION ") && strings.Contains(l, " EVENT ") {
			lines[i] = reSpaces.ReplaceAllString(l, "  ")
		}
	}
	return strings.Join(lines, "\n")
}

// TestHistoryShowsRolledBack: through the built binary, migrate:history
// shows a migration applied and then rolled back, although its history
// row is gone, with who did it; --json lists the same events.
func TestHistoryShowsRolledBack(t *testing.T) {
	eachEngine(t, func(t *testing.T, db *testkit.DB, dbURL string) {
		s := newSession(t, "DATABASE_URL="+dbURL)
		s.ok("init")
		r := s.ok("make:migration", "create widgets table")
		m := reCreated.FindStringSubmatch(r.stdout)
		if m == nil {
			t.Fatalf("make:migration printed no file name:\n%s", r)
		}
		version := m[1]
		s.ok("migrate")
		s.ok("migrate:rollback")

		r = s.ok("migrate:history")
		if !strings.Contains(r.stdout, "no history in hoist_migrations") {
			t.Errorf("history after the rollback shows rows:\n%s", r.stdout)
		}
		var kinds []string
		for _, l := range strings.Split(r.stdout, "\n") {
			f := strings.Fields(l)
			if len(f) > 2 && f[0] == version {
				kinds = append(kinds, f[2])
				if !strings.Contains(l, ", pid ") || !strings.HasSuffix(l, "(hoist)") {
					t.Errorf("event line without who made it: %q", l)
				}
			}
		}
		if strings.Join(kinds, " ") != "applied rolled_back" {
			t.Errorf("events of %s = %v; want applied, rolled_back:\n%s", version, kinds, r.stdout)
		}
		if !strings.Contains(r.stdout, "2 events in hoist_migrations_events") {
			t.Errorf("no event count:\n%s", r.stdout)
		}

		r = s.ok("migrate:history", "--json")
		var h struct {
			EventsTable string `json:"events_table"`
			Events      []struct {
				Event  string `json:"event"`
				Host   string `json:"host"`
				PID    int    `json:"pid"`
				App    string `json:"app"`
				DBUser string `json:"db_user"`
			} `json:"events"`
		}
		if err := json.Unmarshal([]byte(r.stdout), &h); err != nil {
			t.Fatalf("history --json: %v\n%s", err, r)
		}
		host, _ := os.Hostname()
		if h.EventsTable != "hoist_migrations_events" || len(h.Events) != 2 || h.Events[0].Event != "applied" || h.Events[1].Event != "rolled_back" {
			t.Fatalf("history --json events: %s", r.stdout)
		}
		for _, e := range h.Events {
			if e.Host != host || e.PID <= 0 || e.App != "hoist" || (dbName(db) != "sqlite" && e.DBUser == "") {
				t.Errorf("event without who made it: %+v", e)
			}
		}
		if h.Events[0].PID == h.Events[1].PID {
			t.Errorf("migrate and migrate:rollback ran in two processes, but both events say pid %d", h.Events[0].PID)
		}
	})
}
