package embedfs

import (
	"strings"
)

// Split splits SQL text into statements on semicolons, the way
// [ReadMigrations] splits each section and [ReadSeeds] each seed; file names
// the text in errors and is not opened. Line endings are normalised to \n
// first, and each [Statement.Line] is a line of text.
//
// Split honours statement-begin and statement-end annotations (hoist or goose
// spelling); any other annotation is an error wrapping [ErrAnnotation], so a
// whole migration file passed by mistake is not run up and down in one go.
// A quoted string, quoted identifier, dollar-quoted string or block comment
// left open is an error wrapping [ErrUnterminated].
func Split(file, text string, opts ...Option) ([]Statement, error) {
	if strings.IndexByte(text, '\r') >= 0 || strings.HasPrefix(text, bom) {
		text = string(normalize([]byte(text)))
	}
	p := newParser(file, text, modeSplit, readOptions(opts).syntax, make([]Statement, 0, estimateStatements(text)))
	if err := p.parse(); err != nil {
		return nil, err
	}
	return p.stmts, nil
}

// splitChunk appends to out the statements of text[start:end], a run of SQL
// lines without annotations whose first line is line. A statement ends at a
// semicolon outside quotes and comments, or at end. Its SQL runs from its
// first token to its last, so comments before it, and comments and blanks
// after it, are left out; a statement of comments alone is dropped. MySQL's
// and MariaDB's executable comments (/*! ... */, /*M! ... */) count as
// tokens.
func splitChunk(file, text string, syn Syntax, start, end, line int, out []Statement) ([]Statement, *Error) {
	stmtStart, stmtLine, lastEnd := -1, 0, 0
	for i := start; i < end; {
		c := text[i]
		switch {
		case c == '\n':
			line++
			i++
			continue
		case isSpace(c):
			i++
			continue
		case c == ';':
			if stmtStart >= 0 {
				out = append(out, Statement{SQL: text[stmtStart:lastEnd], Line: stmtLine})
				stmtStart = -1
			}
			i++
			continue
		case c == '-' && i+1 < end && text[i+1] == '-', c == '#' && syn.HashComments:
			if j := strings.IndexByte(text[i:end], '\n'); j >= 0 {
				i += j
			} else {
				i = end
			}
			continue
		}

		tokStart, tokLine := i, line
		switch c {
		case '/':
			if i+1 >= end || text[i+1] != '*' {
				i++
				break
			}
			executable := isExecutableComment(text[i:end])
			var ok bool
			if i, line, ok = skipBlockComment(text, i, end, line); !ok {
				return out, newError(file, tokLine, ErrUnterminated,
					"block comment is never closed: add the closing */ (block comments nest, so each /* needs its own */)")
			}
			if !executable {
				continue
			}
		case '\'':
			escapes := syn.BackslashEscapes || isEscapeString(text, start, i)
			var ok bool
			if i, line, ok = skipQuoted(text, i, end, line, '\'', escapes); !ok {
				switch {
				case syn.BackslashEscapes:
					return out, newError(file, tokLine, ErrUnterminated,
						"quoted string is never closed: add the closing ' (in this SQL a backslash escapes the next character, so \\' is not a closing quote)")
				case escapes:
					return out, newError(file, tokLine, ErrUnterminated, "E'...' string is never closed: add the closing '")
				}
				return out, newError(file, tokLine, ErrUnterminated,
					"quoted string is never closed: add the closing ' (a backslash escapes a quote only in E'...' strings; write '' for a quote)")
			}
		case '"', '`':
			var ok bool
			if i, line, ok = skipQuoted(text, i, end, line, c, c == '"' && syn.BackslashEscapes); !ok {
				return out, newError(file, tokLine, ErrUnterminated, "quoted identifier is never closed: add the closing %c", c)
			}
		case '$':
			tagEnd := dollarTag(text, start, i, end)
			if tagEnd < 0 {
				i++
				break
			}
			tag := text[i:tagEnd]
			j := strings.Index(text[tagEnd:end], tag)
			if j < 0 {
				return out, newError(file, tokLine, ErrUnterminated, "dollar-quoted string is never closed: add the closing %s", tag)
			}
			closeEnd := tagEnd + j + len(tag)
			line += strings.Count(text[tagEnd:closeEnd], "\n")
			i = closeEnd
		default:
			i++
			for i < end && plainByte[text[i]] { // the rest of a word at once
				i++
			}
		}
		if stmtStart < 0 {
			stmtStart, stmtLine = tokStart, tokLine
		}
		lastEnd = i
	}
	if stmtStart >= 0 {
		out = append(out, Statement{SQL: text[stmtStart:lastEnd], Line: stmtLine})
	}
	return out, nil
}

// isExecutableComment reports whether s opens with a comment that MySQL
// (/*!) or MariaDB (/*M!) executes: such a comment is SQL, sent as
// written, wherever it stands. (MariaDB executes /*M! ... */, MySQL
// ignores it: the comment exists for text meant for both.)
func isExecutableComment(s string) bool {
	return strings.HasPrefix(s, "/*!") || strings.HasPrefix(s, "/*M!")
}

// plainByte marks the bytes that splitChunk passes over one by one as part
// of a token: all but blanks, newlines, semicolons and the bytes that may
// open a comment, a quoted string or a dollar quote.
var plainByte = func() (t [256]bool) {
	for c := range t {
		t[c] = true
	}
	for _, c := range []byte(" \t\n\r\f\v;-#/'\"`$") {
		t[c] = false
	}
	return t
}()

// skipQuoted skips the quoted text opening at text[i] with quote q, where a
// doubled quote stands for one and, if escapes is set, a backslash escapes the
// next byte. It returns the offset after the closing quote and the line
// there, or ok false if end comes first.
func skipQuoted(text string, i, end, line int, q byte, escapes bool) (next, nextLine int, ok bool) {
	for j := i + 1; j < end; j++ {
		switch c := text[j]; {
		case c == '\n':
			line++
		case c == q:
			if j+1 < end && text[j+1] == q {
				j++
				continue
			}
			return j + 1, line, true
		case c == '\\' && escapes:
			if j+1 < end {
				j++
				if text[j] == '\n' {
					line++
				}
			}
		}
	}
	return end, line, false
}

// skipBlockComment skips the block comment opening at text[i], counting
// nested comments as PostgreSQL does. It returns the offset after the comment
// and the line there, or ok false if end comes first.
func skipBlockComment(text string, i, end, line int) (next, nextLine int, ok bool) {
	depth := 1
	for j := i + 2; j < end; j++ {
		switch text[j] {
		case '\n':
			line++
		case '*':
			if j+1 < end && text[j+1] == '/' {
				j++
				if depth--; depth == 0 {
					return j + 1, line, true
				}
			}
		case '/':
			if j+1 < end && text[j+1] == '*' {
				j++
				depth++
			}
		}
	}
	return end, line, false
}

// isEscapeString reports whether the quote at text[i] opens a PostgreSQL
// E'...' string: it follows an E that is not the end of a longer word.
func isEscapeString(text string, start, i int) bool {
	if i <= start || text[i-1]|0x20 != 'e' {
		return false
	}
	return i-1 == start || !isIdentByte(text[i-2])
}

// dollarTag returns the offset after the dollar-quote opening tag at text[i]
// ($$ or $tag$, where tag is an identifier not starting with a digit), or -1
// if there is none: $1 is a parameter, and a $ inside a word is part of it.
func dollarTag(text string, start, i, end int) int {
	if i > start && isIdentByte(text[i-1]) {
		return -1
	}
	j := i + 1
	if j < end && text[j] == '$' {
		return j + 1
	}
	if j >= end || !isTagStart(text[j]) {
		return -1
	}
	for j++; j < end && (isTagStart(text[j]) || isDigit(text[j])); j++ {
	}
	if j < end && text[j] == '$' {
		return j + 1
	}
	return -1
}

// isTagStart reports whether c may start a dollar-quote tag: a letter, an
// underscore or a byte of a non-ASCII character.
func isTagStart(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || c == '_' || c >= 0x80
}

// isIdentByte reports whether c may be part of an unquoted identifier.
func isIdentByte(c byte) bool {
	return isTagStart(c) || isDigit(c) || c == '$'
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

// isSpace reports whether c is white space, newlines included.
func isSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'
}
