package cli

import (
	"fmt"
	"strconv"
	"time"

	"github.com/hoistdb/hoist/sdk"
)

// The bound on migrations' lock waits and the retries of a migration that
// timed out waiting for a lock (sdk.WithDDLLockTimeout, sdk.WithDDLRetries).
var (
	ddlLockTimeoutSetting = setting{key: "ddl_lock_wait", flag: "ddl-lock-wait", env: []string{"HOIST_DDL_LOCK_WAIT"},
		def: sdk.DefaultDDLLockTimeout.String(),
		set: func(c *Config, v string) error {
			d, err := time.ParseDuration(v)
			if err != nil || d < 0 || d > 0 && d < time.Millisecond {
				return fmt.Errorf("%q is not a duration of at least a millisecond such as 2s, or 0 to turn the bound off", v)
			}
			c.DDLLockTimeout = d
			return nil
		}}
	ddlRetriesSetting = setting{key: "ddl_retries", flag: "ddl-retries", env: []string{"HOIST_DDL_RETRIES"},
		def: strconv.Itoa(sdk.DefaultDDLRetries),
		set: func(c *Config, v string) error {
			n, err := strconv.Atoi(v)
			if err != nil || n < 0 || n > 100 {
				return fmt.Errorf("%q is not a number of retries from 0 to 100", v)
			}
			c.DDLRetries = n
			return nil
		}}
)
