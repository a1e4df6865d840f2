package cli

import (
	"testing"
	"time"

	"github.com/hoistdb/hoist/sdk"
)

func TestConfigDDLLockWaits(t *testing.T) {
	t.Parallel()
	cwd := t.TempDir()
	t.Run("defaults", func(t *testing.T) {
		c, err := loadConfig(testFlags(t), mapEnv(), cwd)
		if err != nil || c.DDLLockTimeout != sdk.DefaultDDLLockTimeout || c.DDLRetries != sdk.DefaultDDLRetries {
			t.Fatalf("got %v, %d, %v; want the sdk's defaults", c.DDLLockTimeout, c.DDLRetries, err)
		}
	})
	t.Run("flags_over_env", func(t *testing.T) {
		c, err := loadConfig(testFlags(t, "--ddl-lock-wait", "500ms", "--ddl-retries", "3"),
			mapEnv("HOIST_DDL_LOCK_WAIT", "9s", "HOIST_DDL_RETRIES", "7"), cwd)
		if err != nil || c.DDLLockTimeout != 500*time.Millisecond || c.DDLRetries != 3 {
			t.Fatalf("got %v, %d, %v; want 500ms, 3", c.DDLLockTimeout, c.DDLRetries, err)
		}
	})
	t.Run("zero_turns_off", func(t *testing.T) {
		c, err := loadConfig(testFlags(t), mapEnv("HOIST_DDL_LOCK_WAIT", "0", "HOIST_DDL_RETRIES", "0"), cwd)
		if err != nil || c.DDLLockTimeout != 0 || c.DDLRetries != 0 {
			t.Fatalf("got %v, %d, %v; want 0, 0", c.DDLLockTimeout, c.DDLRetries, err)
		}
	})
	for _, bad := range [][]string{
		{"HOIST_DDL_LOCK_WAIT", "-1s"},
		{"HOIST_DDL_LOCK_WAIT", "soon"},
		{"HOIST_DDL_RETRIES", "-1"},
		{"HOIST_DDL_RETRIES", "1000"},
	} {
		t.Run("bad_"+bad[1], func(t *testing.T) {
			if _, err := loadConfig(testFlags(t), mapEnv(bad...), cwd); err == nil {
				t.Fatalf("%s=%s was accepted", bad[0], bad[1])
			}
		})
	}
}
