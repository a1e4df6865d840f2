package cli

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strings"
	"time"
	"unicode/utf8"
)

// printer writes a command's output: human lines and tables, coloured
// only on a terminal without NO_COLOR, or JSON.
type printer struct {
	w     io.Writer // standard output
	errw  io.Writer // standard error
	color bool      // colour escapes allowed
	live  bool      // w is a terminal: a line may be rewritten
}

// isTerminal reports whether v is a character device, such as a
// terminal.
func isTerminal(v any) bool {
	f, ok := v.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	if err != nil || st.Mode()&os.ModeCharDevice == 0 {
		return false
	}
	// /dev/null is a character device too, and no terminal.
	null, err := os.Stat(os.DevNull)
	return err != nil || !os.SameFile(st, null)
}

func newPrinter(w, errw io.Writer, live bool, env envFunc) *printer {
	noColor, _ := env("NO_COLOR")
	term, _ := env("TERM")
	return &printer{w: w, errw: errw, live: live, color: live && noColor == "" && term != "dumb"}
}

// Colours, as SGR parameters.
const (
	bold   = "1"
	dim    = "2"
	red    = "31"
	green  = "32"
	yellow = "33"
)

func (p *printer) paint(sgr, s string) string {
	if !p.color || sgr == "" || s == "" {
		return s
	}
	return "\x1b[" + sgr + "m" + s + "\x1b[0m"
}

func (p *printer) printf(format string, args ...any) { fmt.Fprintf(p.w, format, args...) }

func (p *printer) println(args ...any) { fmt.Fprintln(p.w, args...) }

// json writes v indented, with a final newline.
func (p *printer) json(v any) error {
	enc := json.NewEncoder(p.w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(v)
}

// cell is one table cell and its colour. A row whose first cell is a
// head is a section title: printed without indent, and not measured.
type cell struct {
	text string
	sgr  string
	head bool
}

func c(text string) cell            { return cell{text: text} }
func painted(sgr, text string) cell { return cell{text: text, sgr: sgr} }
func cellf(f string, a ...any) cell { return cell{text: fmt.Sprintf(f, a...)} }

// header returns a row of bold column names.
func header(names ...string) []cell {
	row := make([]cell, len(names))
	for i, n := range names {
		row[i] = cell{text: n, sgr: bold}
	}
	return row
}

// table writes rows with columns padded to their widest cell, two spaces
// apart, each line starting with indent. Colour goes around the padded
// text, so escapes never upset the alignment.
func (p *printer) table(indent string, rows [][]cell) {
	var widths []int
	for _, r := range rows {
		if len(r) > 0 && r[0].head {
			continue
		}
		for i, cl := range r {
			if i >= len(widths) {
				widths = append(widths, 0)
			}
			widths[i] = max(widths[i], utf8.RuneCountInString(cl.text))
		}
	}
	for _, r := range rows {
		if len(r) > 0 && r[0].head {
			fmt.Fprintln(p.w, p.paint(r[0].sgr, r[0].text))
			continue
		}
		var b strings.Builder
		b.WriteString(indent)
		last := len(r) - 1
		for last > 0 && r[last].text == "" {
			last--
		}
		for i, cl := range r[:last+1] {
			if i > 0 {
				b.WriteString("  ")
			}
			b.WriteString(p.paint(cl.sgr, cl.text))
			if i < last {
				b.WriteString(strings.Repeat(" ", widths[i]-utf8.RuneCountInString(cl.text)))
			}
		}
		fmt.Fprintln(p.w, b.String())
	}
}

// duration formats a migration's duration: microseconds below a
// millisecond, then to a tenth of a millisecond.
func duration(d time.Duration) string {
	if d < time.Millisecond {
		return d.Round(time.Microsecond).String()
	}
	if d < time.Second {
		return d.Round(100 * time.Microsecond).String()
	}
	return d.Round(time.Millisecond).String()
}

// plural returns "1 migration" or "2 migrations".
func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}

// timestamp formats an applied-at time in UTC.
func timestamp(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format("2006-01-02 15:04:05")
}
