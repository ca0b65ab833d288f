package cli

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/spf13/cobra"
)

// statusOptions are the flags of `dynamodb-source status`: where the
// checkpoints of one source are, and how to print them.
type statusOptions struct {
	// The command line's file store: the file of --arn in --checkpoint.dir,
	// or the file given.
	ARN  string
	Dir  string
	File string
	// A source on Kubernetes: its checkpoint ConfigMap.
	Kubeconfig string
	Namespace  string
	Name       string
	Source     string // <namespace>/<name> or <name>

	Output string
}

// kubernetes reports whether the options ask for a source on Kubernetes.
func (o statusOptions) kubernetes() bool {
	return o.Kubeconfig != "" || o.Name != "" || o.Source != "" || o.Namespace != ""
}

// check refuses options that name no source, or two kinds of place, and
// splits --source into namespace and name.
func (o *statusOptions) check() error {
	switch o.Output {
	case "table", "json":
	default:
		return fmt.Errorf("output %q: use table or json", o.Output)
	}
	file := o.ARN != "" || o.File != "" || o.Dir != ""
	if file && o.kubernetes() {
		return errors.New("give either the command line's checkpoints (--arn, --checkpoint.dir, --checkpoint.file) " +
			"or a source on Kubernetes (--source, --name, --namespace, --kubeconfig), not both")
	}
	if o.kubernetes() {
		if o.Source != "" {
			if o.Name != "" {
				return errors.New("give --source <namespace>/<name> or --name, not both")
			}
			ns, name, ok := strings.Cut(o.Source, "/")
			if !ok {
				ns, name = "", o.Source
			}
			if name == "" || strings.Contains(name, "/") || (ok && ns == "") {
				return fmt.Errorf("source %q: use <namespace>/<name> or <name>", o.Source)
			}
			if ns != "" && o.Namespace != "" && ns != o.Namespace {
				return fmt.Errorf("source %q is in namespace %s, but --namespace says %s", o.Source, ns, o.Namespace)
			}
			o.Name = name
			if ns != "" {
				o.Namespace = ns
			}
		}
		if o.Name == "" {
			return errors.New("which source? give --source <namespace>/<name> (or --name) of the AWSDynamoDBSource")
		}
		return nil
	}
	if o.ARN != "" && o.File != "" {
		return errors.New("give --arn (with --checkpoint.dir) or --checkpoint.file, not both")
	}
	if o.File != "" && o.Dir != "" {
		return errors.New("--checkpoint.file is a whole path: give it without --checkpoint.dir")
	}
	if o.ARN == "" && o.File == "" {
		return errors.New("which source? give the table's --arn, as to 'create source awsdynamodb', or a --checkpoint.file; " +
			"for a source on Kubernetes give --source <namespace>/<name>")
	}
	return nil
}

func newStatusCommand(s Streams) *cobra.Command {
	o := statusOptions{Output: "table"}
	cmd := &cobra.Command{
		Use:   "status (--arn <table-arn> | --checkpoint.file <file> | --source <namespace>/<name>) [flags]",
		Short: "Show where a source is: its saved checkpoints, per stream and shard",
		Long: `Show the saved progress of a source: for each stream of the table and each of
its shards, the sequence number of the last change the sink acknowledged, what
is finished, and when the checkpoints were last saved.

For the command line ('create source awsdynamodb'), give the same --arn (and
--checkpoint.dir, if you gave one): the checkpoints are read from the source's
file, even while the source runs, without changing it. --checkpoint.file
reads a checkpoint file by its path.

For a source on Kubernetes, give --source <namespace>/<name> of the
AWSDynamoDBSource: the checkpoints are read from its ConfigMap
(<name>-dynamodb-checkpoints), through --kubeconfig (default: $KUBECONFIG or
~/.kube/config) and its current namespace unless one is given.

A source with no checkpoint yet is reported as such, with where to look,
and the exit status is 1. -o json prints the same for scripts.`,
		Example: `  # The command line's source of a table
  dynamodb-source status --arn arn:aws:dynamodb:us-west-2:123456789012:table/orders

  # A source on Kubernetes, as JSON
  dynamodb-source status --source shop/orders -o json`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := o.check(); err != nil {
				return &UsageError{Err: err}
			}
			var (
				r   statusReport
				err error
			)
			if o.kubernetes() {
				r, err = configMapStatus(cmd.Context(), o)
			} else {
				r, err = fileStatus(o)
			}
			if err != nil {
				return err
			}
			if o.Output == "json" {
				return r.writeJSON(s.Out)
			}
			return r.writeTable(s.Out, time.Now())
		},
	}
	fs := cmd.Flags()
	fs.SortFlags = false
	fs.StringVar(&o.ARN, "arn", "", "ARN of the DynamoDB table of a command-line source, as given to 'create source awsdynamodb'")
	fs.StringVar(&o.Dir, "checkpoint.dir", "",
		"folder of the checkpoint files, as given to 'create source awsdynamodb' (default $XDG_STATE_HOME/dynamodb-source, else ~/.local/state/dynamodb-source)")
	fs.StringVar(&o.File, "checkpoint.file", "", "path of a checkpoint file (.db) to read, instead of --arn")
	fs.StringVar(&o.Source, "source", "", "<namespace>/<name> (or <name>) of an AWSDynamoDBSource on Kubernetes")
	fs.StringVar(&o.Name, "name", "", "name of the AWSDynamoDBSource, instead of --source")
	fs.StringVar(&o.Namespace, "namespace", "", "namespace of the AWSDynamoDBSource (default: the kubeconfig's current one)")
	fs.StringVar(&o.Kubeconfig, "kubeconfig", "", "kubeconfig file (default: $KUBECONFIG, else ~/.kube/config)")
	fs.StringVarP(&o.Output, "output", "o", o.Output, "table (for people) or json (for scripts)")
	return cmd
}
