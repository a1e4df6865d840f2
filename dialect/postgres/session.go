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
// role may read. It also returns the session's backend pid, and whether
// the session held the lock already: hoist never asks twice on one
// connection, so a session that holds it already is one that a
// transaction pooler shares with another client, and the lock is then
// not taken again (pooler.go).
const tryLockQuery = `SELECT ok, CASE WHEN ok THEN (
	SELECT COALESCE(json_object_agg(name, setting), '{}')::text FROM pg_settings WHERE source = 'session'
) END, pid, held
FROM (SELECT CASE WHEN held THEN false ELSE pg_try_advisory_lock($1) END AS ok, pid, held
	FROM (SELECT pg_backend_pid() AS pid, EXISTS (SELECT 1 FROM pg_locks l
		WHERE l.locktype = 'advisory' AND l.granted AND l.pid = pg_backend_pid()
			AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
			AND l.classid::bigint = ($1::bigint >> 32) & 4294967295
			AND l.objid::bigint = $1::bigint & 4294967295
			AND l.objsubid = 1) AS held) AS b) AS t`

// unlockQuery gives back the settings noted in $2 (as tryLockQuery read
// them), resets every other setting made in the session since, and then
// releases the advisory lock $1. A setting that cannot be put back fails
// the query before the lock is released; the engine then closes the
// connection, which ends the session and its lock with it. It does
// nothing but return its backend pid when that is not $3, the session
// that took the lock: through a transaction pooler the statement may
// reach another client's session, whose settings are not the lock's to
// touch (pooler.go then finds the lock's session).
const unlockQuery = `SELECT pg_backend_pid(), CASE WHEN pg_backend_pid() = $3 THEN (
	SELECT count(set_config(s.name, COALESCE(b.value, s.reset_val), false))
	FROM pg_settings s LEFT JOIN json_each_text($2::json) b ON b.key = s.name
	WHERE s.source = 'session' OR b.key IS NOT NULL
) >= 0 AND pg_advisory_unlock($1) ELSE false END`
