package cli

import (
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/dynamodb-source/dynamodb-source/api/v1alpha1"
	"github.com/dynamodb-source/dynamodb-source/internal/delivery"
	"github.com/dynamodb-source/dynamodb-source/internal/progress"
	"github.com/dynamodb-source/dynamodb-source/internal/schema"
	"github.com/dynamodb-source/dynamodb-source/internal/source"
)

// defaultMetricsAddress keeps the command line's metrics (and, with
// --pprof, profiles) to this machine unless told otherwise.
const defaultMetricsAddress = "127.0.0.1"

func newCreateAWSDynamoDBCommand(s Streams) *cobra.Command {
	var (
		cfg         schema.Config
		logLevel    string
		metricsPort int
		metricsAddr string
		pprof       bool
		grace       time.Duration
		showLines   string
		linesEvery  time.Duration
	)
	cmd := &cobra.Command{
		Use:   "awsdynamodb --arn <table-arn> [flags]",
		Short: "Run a DynamoDB source in the foreground",
		Long: `Run a source that reads every change of a DynamoDB table from its stream and
delivers each as a CloudEvent, until interrupted (Ctrl-C or SIGTERM).

Without --sink.uri the events are printed on the terminal. Progress is saved
after the sink acknowledges each change, so stopping and starting again (even
after kill -9) resumes right after the last delivered change.

A change the sink refuses (a status that is not retried), that uses up
--delivery.retries or outlives --delivery.maxRecordAge is dropped, logged and
counted; to keep such changes give --delivery.deadLetterSink.uri: a second
sink, or a file that gets each of them whole, one JSON CloudEvent per line.

Flags are the fields of the AWSDynamoDBSource spec, named by their dotted
paths: --auth.credentials.accessKeyID is spec.auth.credentials.accessKeyID.

While it reads a backlog, and stderr is a terminal, it writes a progress line
there every few seconds (changes delivered, rate, iterator age, shards), then
one line once it is caught up. Not on a pipe or a file, nor at --log-level warn
or error; --progress always or never overrides that choice.

Flags are visible to every user of the machine (ps, /proc): give credentials
through the environment (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY,
AWS_SESSION_TOKEN, or AWS_PROFILE and the other variables of the AWS SDK's
chain) or read them from a file with --auth.credentials.accessKeyID @file.

The garbage collector runs at GOGC=50 (less memory for a little CPU) unless
the GOGC environment variable is set.`,
		Example: `  # Print the changes of a table on the terminal
  dynamodb-source create source awsdynamodb --arn arn:aws:dynamodb:us-west-2:123456789012:table/orders \
    --auth.credentials.accessKeyID AKIA... --auth.credentials.secretAccessKey ...

  # Deliver them to an HTTP sink, reading DynamoDB Local
  dynamodb-source create source awsdynamodb --arn arn:aws:dynamodb:us-east-1:000000000000:table/orders \
    --endpoint.url http://localhost:8000 --sink.uri http://localhost:8080`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			spec := cfg.Spec
			level, err := parseLevel(logLevel)
			if err != nil {
				return err
			}
			if err := spec.Validate(); err != nil {
				return &UsageError{Err: err}
			}
			if spec.Sink.Ref != nil {
				return &UsageError{Err: fmt.Errorf("sink.ref needs Kubernetes: give --sink.uri")}
			}
			if spec.GetCheckpointStore(v1alpha1.CheckpointStoreFile) == v1alpha1.CheckpointStoreKubernetes {
				return &UsageError{Err: fmt.Errorf("checkpoint.store kubernetes is for the adapter on Kubernetes: use file or memory")}
			}
			cfg := source.Config{Spec: spec, SinkURI: spec.Sink.URI, ShutdownGrace: grace}
			if dl := spec.GetDeadLetterSink(); dl != nil {
				if dl.Ref != nil {
					return &UsageError{Err: fmt.Errorf("delivery.deadLetterSink.ref needs Kubernetes: give --delivery.deadLetterSink.uri")}
				}
				// Opened here: a file that cannot be written is a usage
				// error, before anything is read or sent.
				s, closeDL, err := source.OpenDeadLetterSink(dl, spec.GetDeliveryTimeout())
				if err != nil {
					return &UsageError{Err: err}
				}
				defer closeDL()
				cfg.DeadLetter = s
			}
			if spec.Sink.URI == "" {
				cfg.Sender = delivery.NewTerminalSender(s.Out)
				if spec.Delivery == nil || spec.Delivery.Parallelism == nil {
					// On a terminal, stream order reads best.
					one := int32(1)
					if cfg.Spec.Delivery == nil {
						cfg.Spec.Delivery = &v1alpha1.DeliverySpec{}
					}
					cfg.Spec.Delivery.Parallelism = &one
				}
			}
			opts := serverOptions{Address: metricsAddr, Port: metricsPort, Pprof: pprof, ProgressInterval: linesEvery}
			show, err := showProgress(showLines, isTerminal(s.Err), level)
			if err != nil {
				return err
			}
			if show {
				opts.Progress = s.Err
			}
			log := textLogger(s.Err, level)
			tuneGC(s.LookupEnv, log)
			return runWithServer(cmd.Context(), cfg, opts, log)
		},
	}
	fs := cmd.Flags()
	fs.SortFlags = false
	bindSpecFlags(fs, &cfg)
	fs.StringVar(&logLevel, "log-level", "info", "log level: debug, info, warn or error")
	fs.IntVar(&metricsPort, "metrics-port", 0, "port serving /metrics, /healthz and /readyz (0: off)")
	fs.StringVar(&metricsAddr, "metrics-address", defaultMetricsAddress,
		"interface the metrics port listens on; 0.0.0.0 or \"\" for every interface (the metrics and profiles are then open to the network)")
	fs.BoolVar(&pprof, "pprof", false, "also serve Go's profiles under /debug/pprof/ on the metrics port, for performance work")
	fs.DurationVar(&grace, "shutdown-grace", source.DefaultShutdownGrace, "how long in-flight events may finish after Ctrl-C or SIGTERM")
	fs.StringVar(&showLines, "progress", progressAuto,
		"progress lines on stderr while a backlog is read: auto (when stderr is a terminal and --log-level is info or debug), always or never")
	fs.DurationVar(&linesEvery, "progress-interval", progress.DefaultInterval, "time between progress lines")
	_ = fs.MarkHidden("progress-interval") // for tests; the default suits people
	return cmd
}
