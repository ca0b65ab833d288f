package cli

import (
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/dynamodb-source/dynamodb-source/api/v1alpha1"
	"github.com/dynamodb-source/dynamodb-source/internal/delivery"
	"github.com/dynamodb-source/dynamodb-source/internal/schema"
	"github.com/dynamodb-source/dynamodb-source/internal/source"
)

func newCreateAWSDynamoDBCommand(s Streams) *cobra.Command {
	var (
		cfg         schema.Config
		logLevel    string
		metricsPort int
		pprof       bool
		grace       time.Duration
	)
	cmd := &cobra.Command{
		Use:   "awsdynamodb --arn <table-arn> [flags]",
		Short: "Run a DynamoDB source in the foreground",
		Long: `Run a source that reads every change of a DynamoDB table from its stream and
delivers each as a CloudEvent, until interrupted (Ctrl-C or SIGTERM).

Without --sink.uri the events are printed on the terminal. Progress is saved
after the sink acknowledges each change, so stopping and starting again (even
after kill -9) resumes right after the last delivered change.

Flags are the fields of the AWSDynamoDBSource spec, named by their dotted
paths: --auth.credentials.accessKeyID is spec.auth.credentials.accessKeyID.

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
			log := textLogger(s.Err, level)
			tuneGC(s.LookupEnv, log)
			return runWithServer(cmd.Context(), cfg, serverOptions{Port: metricsPort, Pprof: pprof}, log)
		},
	}
	fs := cmd.Flags()
	fs.SortFlags = false
	bindSpecFlags(fs, &cfg)
	fs.StringVar(&logLevel, "log-level", "info", "log level: debug, info, warn or error")
	fs.IntVar(&metricsPort, "metrics-port", 0, "port serving /metrics, /healthz and /readyz (0: off)")
	fs.BoolVar(&pprof, "pprof", false, "also serve Go's profiles under /debug/pprof/ on the metrics port, for performance work")
	fs.DurationVar(&grace, "shutdown-grace", source.DefaultShutdownGrace, "how long in-flight events may finish after Ctrl-C or SIGTERM")
	return cmd
}
