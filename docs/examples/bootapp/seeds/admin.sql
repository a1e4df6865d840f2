-- Runs once, at the first boot, and is recorded so later boots skip it.
-- +hoist once
INSERT INTO users (id, email, display_name) VALUES (1, 'admin@example.com', 'admin');
