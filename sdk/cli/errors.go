package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"
)

// Exit statuses of [Execute].
const (
	ExitOK      = 0 // the command did what it was asked
	ExitFailure = 1 // it could not: a database, file or migration problem
	ExitUsage   = 2 // it was asked wrongly: command, flag, argument or configuration
	// ExitInterrupted is 128 + SIGINT, as shells report a command that
	// Ctrl-C stopped: the command failed because its context ended
	// (cmd/hoist cancels it on SIGINT and SIGTERM), and its message says
	// what became of the migration it was running.
	ExitInterrupted = 130
)

// usageError marks an error as the user's request being wrong. help
// adds a pointer to the command's help: for a mistyped command, flag or
// argument, not for a bad setting.
type usageError struct {
	err  error
	help bool
}

func (e usageError) Error() string { return e.err.Error() }
func (e usageError) Unwrap() error { return e.err }

func usagef(format string, args ...any) error {
	return usageError{err: fmt.Errorf(format, args...)}
}

// argError is a usage error about the command line itself.
func argError(format string, args ...any) error {
	return usageError{err: fmt.Errorf(format, args...), help: true}
}

// silentError is a failure whose message has been printed already, such
// as migrate:status --exit-code finding pending migrations.
type silentError struct{ msg string }

func (e silentError) Error() string { return e.msg }

// Execute runs root, which is a tree from [New] or [Command] or a tree
// that contains one, with ctx; prints an error as one message on
// root's error output; and returns the exit status: [ExitOK],
// [ExitFailure], [ExitUsage], or [ExitInterrupted] when ctx ended before
// the command failed. Pass it to os.Exit.
func Execute(ctx context.Context, root *cobra.Command) int {
	root.SilenceErrors = true
	root.SilenceUsage = true
	cmd, err := root.ExecuteContextC(ctx)
	if err == nil {
		return ExitOK
	}
	if cmd == nil {
		cmd = root
	}
	code, help := classify(err)
	if ctx.Err() != nil {
		code, help = ExitInterrupted, false
	}
	printError(cmd.ErrOrStderr(), cmd.Root().Name(), err)
	if help {
		fmt.Fprintf(cmd.ErrOrStderr(), "Run '%s --help' for usage.\n", cmd.CommandPath())
	}
	return code
}

// classify returns the exit status for err, and whether to point to the
// help.
func classify(err error) (code int, help bool) {
	var u usageError
	switch {
	case errors.As(err, &u):
		return ExitUsage, u.help
	case strings.HasPrefix(err.Error(), "unknown command "), strings.HasPrefix(err.Error(), "unknown flag"):
		// cobra's own errors for a command or flag it does not know.
		return ExitUsage, true
	}
	return ExitFailure, false
}

// printError writes "name: message" without the engine's own "hoist: "
// prefixes. The lines of a joined error follow, indented; blank and
// repeated lines are dropped.
func printError(w io.Writer, name string, err error) {
	var s silentError
	if errors.As(err, &s) {
		fmt.Fprintf(w, "%s: %s\n", name, s.msg)
		return
	}
	msg := err.Error()
	// cobra: unknown command "x" for "hoist"\n\nDid you mean this?\n\tmigrate\n
	if head, rest, ok := strings.Cut(msg, "\n\nDid you mean this?\n"); ok {
		msg = head + "; did you mean " + strings.Join(strings.Fields(rest), " or ") + "?"
	}
	var lines []string
	seen := map[string]bool{}
	for _, l := range strings.Split(msg, "\n") {
		l = strings.TrimPrefix(strings.TrimSpace(l), "hoist: ")
		if l == "" || seen[l] {
			continue
		}
		seen[l] = true
		if len(lines) > 0 {
			l = "  " + l
		}
		lines = append(lines, l)
	}
	fmt.Fprintf(w, "%s: %s\n", name, strings.Join(lines, "\n"))
}

// scrub masks the password in err's message (see mask); the error keeps its
// kind (usage or failure) and nothing else.
func scrub(err error, secrets []string) error {
	if err == nil {
		return nil
	}
	return rewrite(err, func(msg string) string { return mask(msg, secrets) })
}

// rewrite returns err with its message passed through edit, keeping its
// kind (usage or failure, silent or not), or err itself when edit
// changes nothing.
func rewrite(err error, edit func(string) string) error {
	msg := err.Error()
	clean := edit(msg)
	if clean == msg {
		return err
	}
	var u usageError
	var q silentError
	switch {
	case errors.As(err, &u):
		return usageError{err: errors.New(clean), help: u.help}
	case errors.As(err, &q):
		return silentError{clean}
	}
	return errors.New(clean)
}
