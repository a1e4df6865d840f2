package cli

import (
	"errors"
	"fmt"
	"strings"

	"github.com/hoistdb/hoist/sdk"
)

// The JSON documents of migrate --tenants and migrate:status --tenants
// (docs/command.md). As the others, every field is always present and
// lists are [] rather than null, but for servers and server, which are
// there only in a fleet over several servers (fleet.servers), so that
// the documents of one server are as they were.

type jsonFleetRun struct {
	Pattern    string           `json:"pattern"`
	Servers    []string         `json:"servers,omitempty"`
	DurationMS float64          `json:"duration_ms"`
	Tenants    []jsonTenantRun  `json:"tenants"`
	Summary    jsonFleetSummary `json:"summary"`
}

type jsonTenantRun struct {
	Server string `json:"server,omitempty"`
	Tenant string `json:"tenant"`
	// State is applied, up_to_date, failed or not_reached.
	State      string      `json:"state"`
	Batch      int         `json:"batch"`
	DurationMS float64     `json:"duration_ms"`
	Migrations []jsonApply `json:"migrations"`
	// Created: migrate --tenants --create-database created the tenant.
	Created bool `json:"created"`
	// Seed is what the seeders did with --seed: null without it, or when
	// seeding did not begin (the migration failed, or the tenant was not
	// reached); when a seeder failed, those that ran before it.
	Seed  *seedReport      `json:"seed"`
	Error *jsonTenantError `json:"error"`
}

// jsonTenantError is why a tenant failed; version, name, file and line
// are set when a migration failed (0 and "" otherwise).
type jsonTenantError struct {
	Message string `json:"message"`
	Version int64  `json:"version"`
	Name    string `json:"name"`
	File    string `json:"file"`
	Line    int    `json:"line"`
}

type jsonFleetSummary struct {
	Tenants    int `json:"tenants"`
	Applied    int `json:"applied"`
	UpToDate   int `json:"up_to_date"`
	Failed     int `json:"failed"`
	NotReached int `json:"not_reached"`
	// Seeded counts the tenants on which a seeder ran (--seed).
	Seeded int `json:"seeded"`
}

var targetStates = map[sdk.TargetState]string{sdk.TargetApplied: "applied", sdk.TargetUpToDate: "up_to_date",
	sdk.TargetFailed: "failed", sdk.TargetNotReached: "not_reached"}

// fleetRunJSON is the document of a run; message words each failure.
// servers names the servers of a fleet over several, nil otherwise.
func fleetRunJSON(pattern string, servers []string, res *sdk.FleetResult, message func(target string, err error) string) jsonFleetRun {
	out := jsonFleetRun{Pattern: pattern, Servers: servers, DurationMS: ms(res.Duration), Tenants: tenantRunsJSON(res, targetStates, message)}
	out.Summary = jsonFleetSummary{Tenants: len(res.Targets), Applied: res.Count(sdk.TargetApplied),
		UpToDate: res.Count(sdk.TargetUpToDate), Failed: res.Count(sdk.TargetFailed), NotReached: res.Count(sdk.TargetNotReached),
		Seeded: seededTenants(res)}
	return out
}

// tenantRunsJSON is the tenants of a run's document, each state named
// by states.
func tenantRunsJSON(res *sdk.FleetResult, states map[sdk.TargetState]string, message func(target string, err error) string) []jsonTenantRun {
	out := []jsonTenantRun{}
	for _, t := range res.Targets {
		run := runJSON(t.Result)
		j := jsonTenantRun{Server: t.Server, Tenant: t.Target, State: states[t.State], Batch: run.Batch, DurationMS: run.DurationMS,
			Migrations: run.Migrations, Seed: seedJSON(t.Seed)}
		if j.Error = tenantErrorJSON(t.Err); j.Error != nil {
			j.Error.Message = message(t.Target, t.Err)
		}
		out = append(out, j)
	}
	return out
}

// seededTenants counts the tenants of a run on which a seeder ran.
func seededTenants(res *sdk.FleetResult) int {
	n := 0
	for _, t := range res.Targets {
		if t.Seed != nil && len(t.Seed.Ran) > 0 {
			n++
		}
	}
	return n
}

// jsonFleetRollback is the document of migrate:rollback --tenants: that
// of migrate --tenants, with the states and counts of a rollback. A
// tenant's migrations are those rolled back (direction down), and its
// batch the newest batch they were in.
type jsonFleetRollback struct {
	Pattern    string                   `json:"pattern"`
	Servers    []string                 `json:"servers,omitempty"`
	DurationMS float64                  `json:"duration_ms"`
	Tenants    []jsonTenantRollback     `json:"tenants"`
	Summary    jsonFleetRollbackSummary `json:"summary"`
}

// jsonTenantRollback is a tenant of the rollback document: that of the
// run document without created and seed, which a rollback does not do.
type jsonTenantRollback struct {
	Server string `json:"server,omitempty"`
	Tenant string `json:"tenant"`
	// State is rolled_back, nothing_to_roll_back, failed or not_reached.
	State      string           `json:"state"`
	Batch      int              `json:"batch"`
	DurationMS float64          `json:"duration_ms"`
	Migrations []jsonApply      `json:"migrations"`
	Error      *jsonTenantError `json:"error"`
}

type jsonFleetRollbackSummary struct {
	Tenants           int `json:"tenants"`
	RolledBack        int `json:"rolled_back"`
	NothingToRollBack int `json:"nothing_to_roll_back"`
	Failed            int `json:"failed"`
	NotReached        int `json:"not_reached"`
}

var rollbackStates = map[sdk.TargetState]string{sdk.TargetRolledBack: "rolled_back", sdk.TargetUpToDate: "nothing_to_roll_back",
	sdk.TargetFailed: "failed", sdk.TargetNotReached: "not_reached"}

// fleetRollbackJSON is the document of a rollback of a fleet.
func fleetRollbackJSON(pattern string, servers []string, res *sdk.FleetResult, message func(target string, err error) string) jsonFleetRollback {
	out := jsonFleetRollback{Pattern: pattern, Servers: servers, DurationMS: ms(res.Duration), Tenants: []jsonTenantRollback{},
		Summary: jsonFleetRollbackSummary{Tenants: len(res.Targets), RolledBack: res.Count(sdk.TargetRolledBack),
			NothingToRollBack: res.Count(sdk.TargetUpToDate), Failed: res.Count(sdk.TargetFailed), NotReached: res.Count(sdk.TargetNotReached)}}
	for _, t := range tenantRunsJSON(res, rollbackStates, message) {
		out.Tenants = append(out.Tenants, jsonTenantRollback{Server: t.Server, Tenant: t.Tenant, State: t.State, Batch: t.Batch,
			DurationMS: t.DurationMS, Migrations: t.Migrations, Error: t.Error})
	}
	return out
}

// tenantErrorJSON is err in a JSON document, nil for no error.
func tenantErrorJSON(err error) *jsonTenantError {
	if err == nil {
		return nil
	}
	j := &jsonTenantError{Message: oneLine(err)}
	var me *sdk.MigrationError
	if errors.As(err, &me) {
		j.Version, j.Name, j.File, j.Line = me.Version, me.Name, me.File, me.Line
	}
	return j
}

type jsonFleetStatus struct {
	Pattern string               `json:"pattern"`
	Servers []string             `json:"servers,omitempty"`
	Tenants []jsonTenantStatus   `json:"tenants"`
	Broken  []brokenFile         `json:"broken"`
	Summary jsonFleetStatusCount `json:"summary"`
}

type jsonTenantStatus struct {
	Server string `json:"server,omitempty"`
	Tenant string `json:"tenant"`
	// State is up_to_date, pending, failed, changed, locked, or for a
	// tenant that does not exist no_schema, no_database or no_file
	// (tenantState).
	State    string `json:"state"`
	Pending  int    `json:"pending"`
	FailedAt int64  `json:"failed_at"`
	Changed  bool   `json:"changed"`
	LockedBy string `json:"locked_by"`
	// NoSchema: the tenant (schema, database or file) does not exist.
	NoSchema bool `json:"no_schema"`
	// Error is the failure of this process's run of the tenant, when the
	// fleet knows it ([sdk.TargetStatus.Err]); null otherwise.
	Error *jsonTenantError `json:"error"`
}

// jsonFleetStatusCount counts the tenants by state.
type jsonFleetStatusCount struct {
	Tenants  int `json:"tenants"`
	UpToDate int `json:"up_to_date"`
	Pending  int `json:"pending"`
	Failed   int `json:"failed"`
	Changed  int `json:"changed"`
	Locked   int `json:"locked"`
	NoSchema int `json:"no_schema"`
}

// String is the summary line of migrate:status --tenants.
func (s jsonFleetStatusCount) String() string {
	parts := []string{fmt.Sprintf("%d up to date", s.UpToDate)}
	for _, x := range []struct {
		n    int
		what string
	}{{s.Pending, "pending"}, {s.Failed, "failed"}, {s.Changed, "changed"}, {s.Locked, "locked"}, {s.NoSchema, "missing"}} {
		if x.n > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", x.n, x.what))
		}
	}
	return plural(s.Tenants, "tenant") + ": " + strings.Join(parts, ", ")
}

func fleetStatusJSON(pattern string, servers []string, rows []sdk.TargetStatus, broken []brokenFile) jsonFleetStatus {
	out := jsonFleetStatus{Pattern: pattern, Servers: servers, Tenants: []jsonTenantStatus{}, Broken: append([]brokenFile{}, broken...)}
	for _, r := range rows {
		state := tenantState(r)
		out.Tenants = append(out.Tenants, jsonTenantStatus{Server: r.Server, Tenant: r.Target, State: state, Pending: r.Pending,
			FailedAt: r.FailedAt, Changed: r.Changed, LockedBy: r.LockedBy, NoSchema: r.NoSchema, Error: tenantErrorJSON(r.Err)})
		out.Summary.Tenants++
		switch state {
		case "up_to_date":
			out.Summary.UpToDate++
		case "pending":
			out.Summary.Pending++
		case "failed":
			out.Summary.Failed++
		case "changed":
			out.Summary.Changed++
		case "locked":
			out.Summary.Locked++
		case "no_schema", "no_database", "no_file":
			out.Summary.NoSchema++
		}
	}
	return out
}
