package testkit

import (
	"strings"

	"github.com/hoistdb/hoist/dialect"
	"github.com/hoistdb/hoist/embedfs"
)

// txEnding returns, for SQL text sent inside a [MigratedTx] test, the
// first statement that would end the test's transaction and why, or ""
// when none would. It judges by each statement's leading words, as the
// engine does: an explicit COMMIT, ROLLBACK (not ROLLBACK TO a
// savepoint), END, BEGIN or START TRANSACTION on every engine, and on
// MySQL and MariaDB every statement that commits implicitly: DDL (but
// CREATE and DROP TEMPORARY TABLE), LOCK TABLES and the like. A
// statement hidden in a stored procedure is not seen; on MySQL the
// transaction then runs with autocommit off, so what follows an
// implicit commit is still rolled back.
func txEnding(d dialect.Dialect, text string) (stmt, why string) {
	var opts []embedfs.Option
	if s, ok := d.(dialect.Syntaxer); ok {
		opts = append(opts, embedfs.WithSyntax(s.Syntax()))
	}
	var stmts []string
	if split, err := embedfs.Split("", text, opts...); err == nil {
		for _, s := range split {
			stmts = append(stmts, s.SQL)
		}
	} else {
		stmts = []string{text} // judged by its first words, as the engine would start
	}
	mysql := d.Name() == "mysql"
	for _, s := range stmts {
		if why := endsTx(leadingWords(s, 3), mysql); why != "" {
			return oneLine(s), why
		}
	}
	return "", ""
}

// leadingWords returns the first n words of a statement, upper-cased,
// skipping comments.
func leadingWords(s string, n int) []string {
	var words []string
	for _, tok := range tokenizeSQL(s) {
		if len(words) == n || !isWordByte(tok.text[0]) {
			break
		}
		words = append(words, strings.ToUpper(tok.text))
	}
	return words
}

// endsTx says why a statement starting with words would end the
// transaction, or "".
func endsTx(words []string, mysql bool) string {
	if len(words) == 0 {
		return ""
	}
	at := func(i int) string {
		if i < len(words) {
			return words[i]
		}
		return ""
	}
	switch words[0] {
	case "COMMIT", "END":
		if at(1) == "PREPARED" {
			break
		}
		return "it would commit the test's transaction"
	case "ROLLBACK", "ABORT":
		if at(1) == "TO" || (at(1) == "WORK" || at(1) == "TRANSACTION") && at(2) == "TO" {
			return "" // to a savepoint: the transaction goes on
		}
		return "it would end the test's transaction"
	case "BEGIN", "START":
		if words[0] == "START" && at(1) != "TRANSACTION" {
			break
		}
		return "the test already runs in a transaction (db.DB.BeginTx opens a savepoint in it instead)"
	case "PREPARE":
		if at(1) == "TRANSACTION" {
			return "it would end the test's transaction"
		}
	}
	if !mysql {
		return ""
	}
	const implicit = "MySQL and MariaDB commit the open transaction before it (an implicit commit)"
	switch words[0] {
	case "CREATE", "DROP":
		if at(1) == "TEMPORARY" {
			return ""
		}
		return implicit
	case "ALTER", "RENAME", "TRUNCATE", "GRANT", "REVOKE", "ANALYZE", "OPTIMIZE", "REPAIR",
		"FLUSH", "LOCK", "UNLOCK", "INSTALL", "UNINSTALL", "CACHE", "XA":
		return implicit
	case "LOAD":
		if at(1) == "INDEX" {
			return implicit
		}
	case "SET":
		if strings.HasPrefix(at(1), "AUTOCOMMIT") || at(1) == "PASSWORD" || at(1) == "SESSION" && strings.HasPrefix(at(2), "AUTOCOMMIT") {
			return implicit
		}
	}
	return ""
}

// sessionState reports whether SQL text sent in a MySQL MigratedTx test
// may leave state in the session that a rollback does not undo, so that
// the session is not handed to the next test: anything but plain
// SELECT, INSERT, UPDATE, DELETE, REPLACE, WITH, VALUES, TABLE, SHOW,
// EXPLAIN, DESCRIBE, DO and savepoints, and any of those that names a
// user variable (@x) or a function with session effects (GET_LOCK,
// SET_..., LAST_INSERT_ID with an argument). It errs on the side of a
// new session, which only costs a connect.
func sessionState(text string) bool {
	start := true
	for _, tok := range tokenizeSQL(text) {
		word := strings.ToUpper(tok.text)
		switch {
		case word == ";":
			start = true
			continue
		case word == "@":
			return true
		case start && isWordByte(word[0]) && !plainStatement[word]:
			return true
		}
		start = false
		switch word {
		case "GET_LOCK", "RELEASE_LOCK", "RELEASE_ALL_LOCKS", "LAST_INSERT_ID", "SETVAL", "NEXTVAL", "LASTVAL":
			return true
		}
	}
	return false
}

// plainStatement holds the first words of the statements after which a
// MySQL session is as it was, once rolled back.
var plainStatement = map[string]bool{
	"SELECT": true, "INSERT": true, "UPDATE": true, "DELETE": true, "REPLACE": true, "WITH": true, "VALUES": true,
	"TABLE": true, "SHOW": true, "EXPLAIN": true, "DESCRIBE": true, "DESC": true, "DO": true,
	"SAVEPOINT": true, "RELEASE": true, "ROLLBACK": true,
}
