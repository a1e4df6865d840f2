package embedfs

import "strings"

// family is the tool an annotation is spelled for.
type family uint8

const (
	familyHoist family = iota + 1 // -- +hoist
	familyGoose                   // -- +goose
)

// annotationKind is what an annotation line asks for.
type annotationKind uint8

const (
	annotationUnknown annotationKind = iota
	annotationUp
	annotationDown
	annotationNoTransaction
	annotationStatementBegin
	annotationStatementEnd
	annotationOnce
	annotationEnvsub
)

// annotation is one recognised annotation line.
type annotation struct {
	kind   annotationKind
	family family
	// text is the line as written, without surrounding blanks, for messages.
	text string
}

// annotationWords maps each family's spelling to its kind. Words compare
// case-insensitively, and a space matches any run of blanks.
var annotationWords = [...]struct {
	family family
	word   string
	kind   annotationKind
}{
	{familyHoist, "up", annotationUp},
	{familyHoist, "down", annotationDown},
	{familyHoist, "no-transaction", annotationNoTransaction},
	{familyHoist, "statement-begin", annotationStatementBegin},
	{familyHoist, "statement-end", annotationStatementEnd},
	{familyHoist, "once", annotationOnce},
	{familyGoose, "up", annotationUp},
	{familyGoose, "down", annotationDown},
	{familyGoose, "no transaction", annotationNoTransaction},
	{familyGoose, "statementbegin", annotationStatementBegin},
	{familyGoose, "statementend", annotationStatementEnd},
	{familyGoose, "envsub on", annotationEnvsub},
	{familyGoose, "envsub off", annotationEnvsub},
}

// parseAnnotation reports whether line is an annotation: blanks, "--",
// blanks, then "+hoist" or "+goose" (any case). Such a line is always an
// annotation, known or not, so that a misspelt one is reported rather than
// read as a comment. Annotations are recognised line by line, whatever the
// SQL around them, as goose does.
func parseAnnotation(line string) (annotation, bool) {
	i := 0
	for i < len(line) && isBlank(line[i]) {
		i++
	}
	if len(line)-i < 2 || line[i] != '-' || line[i+1] != '-' {
		return annotation{}, false
	}
	rest := strings.TrimLeft(line[i+2:], " \t\f\v")
	if len(rest) < 6 || rest[0] != '+' {
		return annotation{}, false
	}
	var fam family
	switch {
	case strings.EqualFold(rest[1:6], "hoist"):
		fam = familyHoist
	case strings.EqualFold(rest[1:6], "goose"):
		fam = familyGoose
	default:
		return annotation{}, false
	}
	a := annotation{family: fam, text: strings.TrimRight(line[i:], " \t\f\v")}
	word := rest[6:]
	if word != "" && !isBlank(word[0]) {
		return a, true // "+hoistup": unknown
	}
	word = strings.Trim(word, " \t\f\v")
	for _, w := range annotationWords {
		if w.family == fam && wordIs(word, w.word) {
			a.kind = w.kind
			break
		}
	}
	return a, true
}

// wordIs reports whether word spells want, ignoring ASCII case, with any run
// of blanks in word matching one space in want.
func wordIs(word, want string) bool {
	i, j := 0, 0
	for i < len(word) && j < len(want) {
		if want[j] == ' ' {
			if !isBlank(word[i]) {
				return false
			}
			for i < len(word) && isBlank(word[i]) {
				i++
			}
			j++
			continue
		}
		c := word[i]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		if c != want[j] {
			return false
		}
		i++
		j++
	}
	return i == len(word) && j == len(want)
}

// spell returns how fam writes kind, for messages.
func spell(fam family, kind annotationKind) string {
	if fam == familyGoose {
		switch kind {
		case annotationUp:
			return "-- +goose Up"
		case annotationDown:
			return "-- +goose Down"
		case annotationNoTransaction:
			return "-- +goose NO TRANSACTION"
		case annotationStatementBegin:
			return "-- +goose StatementBegin"
		case annotationStatementEnd:
			return "-- +goose StatementEnd"
		}
	}
	switch kind {
	case annotationUp:
		return "-- +hoist up"
	case annotationDown:
		return "-- +hoist down"
	case annotationNoTransaction:
		return "-- +hoist no-transaction"
	case annotationStatementBegin:
		return "-- +hoist statement-begin"
	case annotationStatementEnd:
		return "-- +hoist statement-end"
	case annotationOnce:
		return "-- +hoist once"
	}
	return "annotation"
}

// isBlank reports whether c is a blank within a line.
func isBlank(c byte) bool {
	return c == ' ' || c == '\t' || c == '\f' || c == '\v'
}
