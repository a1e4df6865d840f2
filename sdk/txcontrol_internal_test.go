package sdk

import "testing"

// TestControlsTransaction: the statements that begin or end a
// transaction on some engine, told from those that only look alike.
func TestControlsTransaction(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		stmt string
		want bool
	}{
		{"BEGIN", true},
		{"begin transaction isolation level serializable", true},
		{"BEGIN WORK", true},
		{"BEGIN IMMEDIATE", true},
		{"BEGIN NOT DEFERRABLE", true},
		{"-- take care\nBEGIN", true},
		{"/* open */ START TRANSACTION READ WRITE", true},
		{"COMMIT", true},
		{"commit and chain", true},
		{"END", true},
		{"END TRANSACTION", true},
		{"ROLLBACK", true},
		{"ROLLBACK WORK", true},
		{"ABORT", true},
		{"PREPARE TRANSACTION 'x'", true},
		{"BEGIN NOT ATOMIC SELECT 1; END", false},
		{"ROLLBACK TO SAVEPOINT a", false},
		{"ROLLBACK TRANSACTION TO a", false},
		{"SAVEPOINT a", false},
		{"RELEASE SAVEPOINT a", false},
		{"START SLAVE", false},
		{"PREPARE stmt FROM 'SELECT 1'", false},
		{"CREATE FUNCTION f() RETURNS int AS $$ BEGIN RETURN 1; END $$ LANGUAGE plpgsql", false},
		{"begin_date DATE", false},
		{"INSERT INTO t VALUES ('COMMIT')", false},
	} {
		if got := controlsTransaction(c.stmt); got != c.want {
			t.Errorf("controlsTransaction(%q) = %v, want %v", c.stmt, got, c.want)
		}
	}
}
