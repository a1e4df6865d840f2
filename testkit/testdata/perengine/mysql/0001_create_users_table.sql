-- +hoist up
CREATE TABLE users (
    id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
    email VARCHAR(200) NOT NULL
);
CREATE INDEX users_email_idx ON users (email);

-- +hoist down
DROP TABLE users;
