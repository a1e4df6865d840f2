-- golang-migrate layout: a .up.sql and a .down.sql file.
ALTER TABLE users ADD COLUMN display_name VARCHAR(100);
