package cli

import (
	"strings"
)

// vocabulary turns the engine's advice, which names its Go options, into
// the command's flags and variables: an operator at the command line
// cannot call WithLockTimeout. The library keeps its option names; the
// longer phrases come first so that they win over their prefixes.
var vocabulary = strings.NewReplacer(
	"WithChecksumPolicy(ChecksumWarn)", "--checksum-policy warn (HOIST_CHECKSUM_POLICY=warn)",
	"WithChecksumPolicy(ChecksumIgnore)", "--checksum-policy ignore (HOIST_CHECKSUM_POLICY=ignore)",
	"WithChecksumPolicy", "--checksum-policy (HOIST_CHECKSUM_POLICY)",
	"WithLockTimeout", "--lock-timeout (HOIST_LOCK_TIMEOUT)",
	"WithAllowOutOfOrder", "--allow-out-of-order (HOIST_ALLOW_OUT_OF_ORDER)",
	"WithFailurePolicy(FleetContinue)", "--on-failure continue (HOIST_FLEET_ON_FAILURE=continue)",
	"WithFailurePolicy(FleetStopAtFirst)", "--on-failure stop (HOIST_FLEET_ON_FAILURE=stop)",
	"WithFailurePolicy", "--on-failure (HOIST_FLEET_ON_FAILURE)",
	"WithFleetConcurrency", "--concurrency (HOIST_FLEET_CONCURRENCY)",
	"sdk.WithTable", "--table (HOIST_TABLE)",
	"WithTable", "--table (HOIST_TABLE)",
)

// inVocabulary returns msg in the command's words. A tree mounted over
// the application's own Migrator has none of these flags: its settings
// are the Go options, so the messages keep naming them.
func (c *command) inVocabulary(msg string) string {
	if c.tree.fixed != nil {
		return msg
	}
	return vocabulary.Replace(msg)
}

// translate is inVocabulary for an error; the error keeps its kind.
func (c *command) translate(err error) error {
	if err == nil {
		return nil
	}
	return rewrite(err, c.inVocabulary)
}
