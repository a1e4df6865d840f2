package cli_test

import (
	"regexp"
	"strings"
	"testing"
)

// TestFleetListedTenantMissing: a name in a --tenants list that matches
// no tenant (a typo) is a failed tenant named as such, not one silently
// left out; under the default policy nothing runs. The dry run says the
// same, and the status lists it as missing.
func TestFleetListedTenantMissing(t *testing.T) {
	t.Parallel()
	s, db := fleetSession(t)
	list := "fleetcmd_01,fleetcmd_typo"
	r := s.run("migrate", "--tenants", list)
	want := "fleetcmd_typo: does not exist: check the name in --tenants " + list + ", or create it ("
	if r.code != 1 || !strings.Contains(r.stderr, want) || !strings.Contains(r.stdout, "fleetcmd_typo failed: does not exist\n") ||
		!strings.HasSuffix(r.stdout, ": 0 applied, 0 up to date, 1 failed, 1 not reached\n") {
		t.Errorf("migrate: want exit 1, %q, fleetcmd_01 not reached\n%s", want, r)
	}
	if n := tableCount(t, db.DB, "hoist_migrations"); n != 0 {
		t.Errorf("%d tenants were migrated; want none", n)
	}
	r = s.run("migrate", "--tenants", list, "--dry-run")
	if r.code != 1 || !strings.Contains(r.stdout, "fleetcmd_typo: would fail: does not exist: check the name in --tenants "+list) {
		t.Errorf("dry run: want exit 1 and fleetcmd_typo listed as failing\n%s", r)
	}
	r = s.run("migrate:status", "--tenants", list)
	if !regexp.MustCompile(`\nfleetcmd_typo +no schema\n`).MatchString(r.stdout) {
		t.Errorf("status: want fleetcmd_typo as no schema\n%s", r)
	}
	// With --on-failure continue the named tenant that exists is migrated.
	r = s.run("migrate", "--tenants", list, "--on-failure", "continue")
	if r.code != 1 || !strings.HasSuffix(r.stdout, ": 1 applied, 0 up to date, 1 failed\n") {
		t.Errorf("migrate --on-failure continue: want fleetcmd_01 applied, the typo failed\n%s", r)
	}
}
