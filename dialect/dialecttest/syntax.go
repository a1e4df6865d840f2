package dialecttest

import (
	"context"
	"slices"
	"testing"

	"github.com/hoistdb/hoist/dialect"
	"github.com/hoistdb/hoist/embedfs"
)

// syntax splits a script by the dialect's syntax (standard SQL's
// without a Syntaxer), runs the statements one by one and checks that
// the engine stored what the syntax says the literals mean.
func (s *suite) syntax(t *testing.T) {
	t.Parallel()
	var syn embedfs.Syntax
	if sx, ok := s.d.(dialect.Syntaxer); ok {
		syn = sx.Syntax()
	}
	const insert = "INSERT INTO hoist_syntax (v) VALUES "
	text := insert + "('semi; colon');\n" +
		"-- a comment; with a semicolon\n" +
		insert + "('it''s');\n" +
		"/* a block; comment */ " + insert + "('block');\n"
	want := []string{"semi; colon", "it's", "block"}
	if syn.BackslashEscapes {
		text += insert + `('back\'slash; \\ too');` + "\n"
		want = append(want, `back'slash; \ too`)
	} else {
		text += insert + `('back\slash');` + "\n"
		want = append(want, `back\slash`)
	}
	if syn.HashComments {
		text += "# a comment; with a semicolon\n" + insert + "('hash') # a trailing; comment\n;\n"
		want = append(want, "hash")
	}

	stmts, err := embedfs.Split("syntax.sql", text, embedfs.WithSyntax(syn))
	if err != nil {
		t.Fatalf("Split with %+v: %v", syn, err)
	}
	if len(stmts) != len(want) {
		t.Fatalf("Split with %+v made %d statements of\n%s\nwant %d: %q", syn, len(stmts), text, len(want), stmts)
	}
	db := s.open(t).DB
	ctx := context.Background()
	if _, err := db.ExecContext(ctx, "CREATE TABLE hoist_syntax (v VARCHAR(64) NOT NULL)"); err != nil {
		t.Fatal(err)
	}
	for _, st := range stmts {
		if _, err := db.ExecContext(ctx, st.SQL); err != nil {
			t.Fatalf("syntax.sql:%d: %s: %v", st.Line, st.SQL, err)
		}
	}

	rows, err := db.QueryContext(ctx, "SELECT v FROM hoist_syntax")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var got []string
	for rows.Next() {
		var v string
		if err := rows.Scan(&v); err != nil {
			t.Fatal(err)
		}
		got = append(got, v)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	slices.Sort(got)
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Errorf("stored %q with syntax %+v, want %q", got, syn, want)
	}
}
