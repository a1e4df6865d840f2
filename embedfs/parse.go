package embedfs

import "strings"

// mode says what kind of file a parser reads, and so which annotations it
// accepts.
type mode uint8

const (
	modeSingle mode = iota + 1 // native or goose file with up and down sections
	modePair                   // a golang-migrate .up.sql or .down.sql file
	modeSeed                   // a seed file
	modeSplit                  // text given to Split
)

// section is where a single-file parser is.
type section uint8

const (
	sectionNone section = iota // before the up marker, or the whole file
	sectionUp
	sectionDown
)

// parser reads one file line by line: annotation lines steer it, and the runs
// of SQL lines between them (chunks) go to the splitter. Offsets are into
// text, so statements are substrings of it and carry file line numbers.
type parser struct {
	file   string
	text   string // line endings normalised to \n
	mode   mode
	syntax Syntax

	stmts []Statement // statements of all sections, in order

	noTransaction bool
	noTxLines     []int // start and end offsets of each no-transaction line, newline included
	once          bool

	// Single-file sections. A section's text is the lines after its marker
	// up to the next marker or the end of the file.
	section  section
	family   family // of the up marker
	upLine   int    // line of the up marker, 0 if none
	upStart  int
	upEnd    int
	upCount  int // statements in the up section: stmts[:upCount]
	downLine int // line of the down marker, 0 if none
	down     int // offset where the down text starts

	chunkStart, chunkLine int // the SQL lines not yet split

	inBlock               bool   // between statement-begin and statement-end
	blockStart, blockLine int    // after the statement-begin line; its line
	blockFamily           family // of the statement-begin
}

// newParser returns a parser for text, which must have normalised line
// endings. The parser appends the statements to stmts, an empty slice
// usually with room for them all (see estimateStatements).
func newParser(file, text string, m mode, syntax Syntax, stmts []Statement) parser {
	return parser{
		file:      file,
		text:      text,
		mode:      m,
		syntax:    syntax,
		stmts:     stmts,
		chunkLine: 1,
	}
}

// parse reads the whole text. On success p.stmts holds the statements and,
// for a single file, the section fields are set.
func (p *parser) parse() *Error {
	line := 1
	for start := 0; start < len(p.text); line++ {
		end, next := len(p.text), len(p.text)
		if i := strings.IndexByte(p.text[start:], '\n'); i >= 0 {
			end, next = start+i, start+i+1
		}
		if a, ok := parseAnnotation(p.text[start:end]); ok {
			if err := p.annotate(a, start, next, line); err != nil {
				return err
			}
		}
		start = next
	}
	return p.finish()
}

// annotate handles the annotation on line, which spans text[start:next]
// including its newline.
func (p *parser) annotate(a annotation, start, next, line int) *Error {
	if p.inBlock && a.kind != annotationStatementEnd && a.kind != annotationNoTransaction {
		switch a.kind {
		case annotationStatementBegin:
			return p.errorf(line, ErrAnnotation, "%s inside the statement block opened on line %d: add %s before it",
				a.text, p.blockLine, spell(p.blockFamily, annotationStatementEnd))
		case annotationUp, annotationDown:
			if p.mode == modeSingle {
				return p.errorf(p.blockLine, ErrUnterminated, "statement block is not closed before %s on line %d: add %s",
					a.text, line, spell(p.blockFamily, annotationStatementEnd))
			}
		}
	}
	switch a.kind {
	case annotationUp, annotationDown:
		if p.mode != modeSingle {
			return p.errorf(line, ErrAnnotation, "%s is only for single-file migrations: %s",
				a.text, p.modeAdvice())
		}
		return p.sectionMarker(a, start, next, line)
	case annotationStatementBegin:
		if err := p.flush(start); err != nil {
			return err
		}
		if p.mode == modeSingle && p.section == sectionNone {
			return p.errorf(line, ErrAnnotation, "statement block before the up marker: move it below %s",
				spell(a.family, annotationUp))
		}
		p.inBlock, p.blockStart, p.blockLine, p.blockFamily = true, next, line, a.family
	case annotationStatementEnd:
		if !p.inBlock {
			return p.errorf(line, ErrAnnotation, "%s without a statement-begin: add %s before the statement, or remove this line",
				a.text, spell(a.family, annotationStatementBegin))
		}
		p.block(p.blockStart, start, p.blockLine+1)
		p.inBlock = false
		p.chunkStart, p.chunkLine = next, line+1
	case annotationNoTransaction:
		if p.mode == modeSplit {
			return p.errorf(line, ErrAnnotation, "%s has no meaning here: remove it", a.text)
		}
		p.noTransaction = true
		p.noTxLines = append(p.noTxLines, start, next)
	case annotationOnce:
		if p.mode != modeSeed {
			return p.errorf(line, ErrAnnotation, "%s is only for seeds: remove it", a.text)
		}
		p.once = true
	case annotationEnvsub:
		return p.errorf(line, ErrAnnotation, "%s is not supported: hoist does not substitute environment variables, so write the values into the SQL",
			a.text)
	default:
		return p.errorf(line, ErrAnnotation, "unknown annotation %q: %s", a.text, p.known(a.family))
	}
	return nil
}

// sectionMarker handles an up or down marker in a single file.
func (p *parser) sectionMarker(a annotation, start, next, line int) *Error {
	if a.kind == annotationUp {
		switch p.section {
		case sectionUp:
			return p.errorf(line, ErrAnnotation, "second up marker (the first is on line %d): remove one", p.upLine)
		case sectionDown:
			return p.errorf(line, ErrAnnotation, "up marker after the down marker on line %d: put the up section first", p.downLine)
		}
		if err := p.flush(start); err != nil {
			return err
		}
		p.section, p.family, p.upLine, p.upStart = sectionUp, a.family, line, next
	} else {
		switch p.section {
		case sectionNone:
			return p.errorf(line, ErrAnnotation, "down marker before the up marker: put the up section, starting with %s, first",
				spell(a.family, annotationUp))
		case sectionDown:
			return p.errorf(line, ErrAnnotation, "second down marker (the first is on line %d): remove one", p.downLine)
		}
		if a.family != p.family {
			return p.errorf(line, ErrAnnotation, "%s after %s on line %d: use one style of section marker in a file",
				a.text, spell(p.family, annotationUp), p.upLine)
		}
		if err := p.flush(start); err != nil {
			return err
		}
		p.upEnd, p.upCount = start, len(p.stmts)
		p.section, p.downLine, p.down = sectionDown, line, next
	}
	p.chunkStart, p.chunkLine = next, line+1
	return nil
}

// finish checks the end of the file and closes the last section.
func (p *parser) finish() *Error {
	if p.inBlock {
		return p.errorf(p.blockLine, ErrUnterminated, "statement block is never closed: add %s after the statement",
			spell(p.blockFamily, annotationStatementEnd))
	}
	if p.mode == modeSingle && p.section == sectionNone {
		return p.errorf(0, ErrEmptyUp, "no up marker: start the up section with -- +hoist up (or -- +goose Up)")
	}
	if err := p.flush(len(p.text)); err != nil {
		return err
	}
	if p.mode != modeSingle {
		return nil
	}
	if p.section == sectionUp {
		p.upEnd, p.upCount = len(p.text), len(p.stmts)
	}
	if p.upCount == 0 {
		return p.errorf(p.upLine, ErrEmptyUp, "up section has no statements: add the SQL to run after %s",
			spell(p.family, annotationUp))
	}
	return nil
}

// flush splits the pending SQL lines, which end at end, and starts a new
// chunk there.
func (p *parser) flush(end int) *Error {
	n := len(p.stmts)
	stmts, err := splitChunk(p.file, p.text, p.syntax, p.chunkStart, end, p.chunkLine, p.stmts)
	if err != nil {
		return err
	}
	p.stmts = stmts
	p.chunkStart = end
	if p.mode == modeSingle && p.section == sectionNone && len(p.stmts) > n {
		return p.errorf(p.stmts[n].Line, ErrAnnotation, "statement before the up marker: move it below -- +hoist up (or -- +goose Up)")
	}
	return nil
}

// block adds the statement block text[start:end], whose first line is line,
// as one statement: blanks around it and trailing semicolons removed.
func (p *parser) block(start, end, line int) {
	body := p.text[start:end]
	i := 0
	for i < len(body) && isSpace(body[i]) {
		if body[i] == '\n' {
			line++
		}
		i++
	}
	body = strings.TrimRight(body[i:], " \t\n\f\v;")
	if body != "" {
		p.stmts = append(p.stmts, Statement{SQL: body, Line: line})
	}
}

// known lists the annotations the parser accepts, for messages.
func (p *parser) known(fam family) string {
	if fam == familyGoose {
		switch p.mode {
		case modeSingle:
			return "use Up, Down, StatementBegin, StatementEnd or NO TRANSACTION"
		case modePair:
			return "use StatementBegin, StatementEnd or NO TRANSACTION"
		}
		return "use StatementBegin or StatementEnd"
	}
	switch p.mode {
	case modeSingle:
		return "use up, down, statement-begin, statement-end or no-transaction"
	case modePair:
		return "use statement-begin, statement-end or no-transaction"
	case modeSeed:
		return "use once, statement-begin, statement-end or no-transaction"
	}
	return "use statement-begin or statement-end"
}

// modeAdvice says what to do with a section marker where none belongs.
func (p *parser) modeAdvice() string {
	switch p.mode {
	case modePair:
		return "a .up.sql or .down.sql file is one section; remove the line"
	case modeSeed:
		return "a seed has no sections; remove the line"
	}
	return "split the migration into sections before splitting statements"
}

func (p *parser) errorf(line int, kind error, format string, args ...any) *Error {
	return newError(p.file, line, kind, format, args...)
}
