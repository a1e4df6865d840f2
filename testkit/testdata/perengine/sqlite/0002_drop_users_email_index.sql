-- +hoist up
DROP INDEX users_email_idx;

-- +hoist down
CREATE INDEX users_email_idx ON users (email);
