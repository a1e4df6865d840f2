package postgres

// The lock's session goes back to the application's pool after a run.
// A migration that changes a setting with SET (not SET LOCAL), in a
// transaction that commits or without one, changes it for that session:
// the application would then run with a migration's statement_timeout or
// search_path on one of its connections, chosen at random. So the lock
// notes the settings the session has when the lock is taken, and puts
// them back when it is released. RESET ALL would not do: it would also
// undo what the application itself set on the session (an AfterConnect
// hook's search_path, say). DISCARD ALL would drop the lock and the
// driver's prepared statements too.

// tryLockQuery takes the advisory lock $1 and, when it did, reads the
// settings made in the session (by SET or set_config), as a JSON object
// of name to value in the base unit. pg_settings shows only settings the
// role may read.
const tryLockQuery = `SELECT ok, CASE WHEN ok THEN (
	SELECT COALESCE(json_object_agg(name, setting), '{}')::text FROM pg_settings WHERE source = 'session'
) END
FROM (SELECT pg_try_advisory_lock($1) AS ok) AS t`

// unlockQuery gives back the settings noted in $2 (as tryLockQuery read
// them), resets every other setting made in the session since, and then
// releases the advisory lock $1. A setting that cannot be put back fails
// the query before the lock is released; the engine then closes the
// connection, which ends the session and its lock with it.
const unlockQuery = `SELECT (
	SELECT count(set_config(s.name, COALESCE(b.value, s.reset_val), false))
	FROM pg_settings s LEFT JOIN json_each_text($2::json) b ON b.key = s.name
	WHERE s.source = 'session' OR b.key IS NOT NULL
) >= 0 AND pg_advisory_unlock($1)`
