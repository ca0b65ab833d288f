package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"

	"github.com/spf13/cobra"
)

// UsageError is an error in what the user asked for (flags, values). The
// main maps it to exit status 2; anything else is 1.
type UsageError struct{ Err error }

func (e *UsageError) Error() string { return e.Err.Error() }
func (e *UsageError) Unwrap() error { return e.Err }

// Streams are the process's standard streams, so tests can run commands
// in-process.
type Streams struct {
	Out, Err io.Writer
	// LookupEnv reads the environment (the adapter's configuration); os.LookupEnv when nil.
	LookupEnv func(string) (string, bool)
}

// Execute runs the command line args and returns the process exit status.
func Execute(ctx context.Context, args []string, s Streams) int {
	root := NewRootCommand(s)
	root.SetArgs(args)
	err := root.ExecuteContext(ctx)
	if err == nil {
		return 0
	}
	fmt.Fprintf(s.Err, "Error: %v\n", err)
	var usage *UsageError
	if errors.As(err, &usage) {
		if cmd, _, ferr := root.Find(args); ferr == nil && cmd != nil && cmd != root {
			fmt.Fprintf(s.Err, "Run '%s --help' for usage.\n", cmd.CommandPath())
		}
		return 2
	}
	return 1
}

// NewRootCommand builds the command tree.
func NewRootCommand(s Streams) *cobra.Command {
	if s.LookupEnv == nil {
		s.LookupEnv = os.LookupEnv
	}
	root := &cobra.Command{
		Use:   "dynamodb-source",
		Short: "Deliver every change of a DynamoDB table as a CloudEvent",
		Long: `dynamodb-source reads every item-level change of a DynamoDB table from the
table's DynamoDB Stream and delivers each one, in order per item, as a
CloudEvent of type com.amazon.dynamodb.stream_record to an HTTP sink. Progress
is checkpointed after the sink acknowledges, so a restart loses nothing.

It is a drop-in successor to TriggerMesh's AWSDynamoDBSource: the same
command, the same Kubernetes object, the same events.`,
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.SetOut(s.Out)
	root.SetErr(s.Err)
	// Unknown flags and bad values are the user's mistakes: exit 2 with a
	// pointer to --help rather than a wall of usage text.
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return &UsageError{Err: err} })

	create := &cobra.Command{Use: "create", Short: "Create and run something"}
	createSource := &cobra.Command{Use: "source", Short: "Create and run an event source"}
	createSource.AddCommand(newCreateAWSDynamoDBCommand(s))
	create.AddCommand(createSource)
	root.AddCommand(create, newAdapterCommand(s), newDumpCommand(s), newStatusCommand(s))
	return root
}

// noArgs refuses positional arguments as a usage error.
func noArgs(cmd *cobra.Command, args []string) error {
	if err := cobra.NoArgs(cmd, args); err != nil {
		return &UsageError{Err: err}
	}
	return nil
}

func textLogger(w io.Writer, level slog.Level) *slog.Logger {
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: level}))
}

func jsonLogger(w io.Writer, level slog.Level) *slog.Logger {
	return slog.New(slog.NewJSONHandler(w, &slog.HandlerOptions{Level: level}))
}

func parseLevel(s string) (slog.Level, error) {
	var l slog.Level
	if err := l.UnmarshalText([]byte(s)); err != nil {
		return 0, &UsageError{Err: fmt.Errorf("log level %q: use debug, info, warn or error", s)}
	}
	return l, nil
}
