-- +hoist up
-- MySQL and MariaDB drop an index of a table: DROP INDEX needs ON.
DROP INDEX users_email_idx ON users;

-- +hoist down
CREATE INDEX users_email_idx ON users (email);
