package cli

import (
	"errors"
	"fmt"
	"os"

	"github.com/spf13/cobra"
	"k8s.io/client-go/tools/clientcmd"

	"github.com/dynamodb-source/dynamodb-source/api/v1alpha1"
	"github.com/dynamodb-source/dynamodb-source/internal/adapterenv"
	"github.com/dynamodb-source/dynamodb-source/internal/checkpoint"
	"github.com/dynamodb-source/dynamodb-source/internal/source"
	"github.com/dynamodb-source/dynamodb-source/internal/streamreport"
)

func newAdapterCommand(s Streams) *cobra.Command {
	return &cobra.Command{
		Use:   "adapter",
		Short: "Run a source from the adapter environment (what the Kubernetes Deployment runs)",
		Long: `Run a source configured only by environment variables, as TriggerMesh's
adapter was: ARN, K_SINK, AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY,
AWS_SESSION_TOKEN, AWS_ASSUME_ROLE_ARN, NAMESPACE, NAME, K_CE_OVERRIDES,
K_CA_CERTS, and this project's extensions, each named after its spec field's
dotted path in upper snake case (startingPosition is STARTING_POSITION,
delivery.parallelism is DELIVERY_PARALLELISM). METRICS_PORT serves /metrics,
/healthz and /readyz (0 or unset: no server, as --metrics-port 0); LOG_LEVEL sets the log level. Logs are JSON on stdout.
The garbage collector runs at GOGC=50 (less memory for a little CPU) unless
GOGC is set; GOMEMLIMIT works as for any Go program.

With CHECKPOINT_STORE=kubernetes (what the controller sets) progress is kept
in a ConfigMap named after NAME in NAMESPACE, and a summary of the stream is
written, at most every 10 s, under the key POD_NAME (else "adapter") of the
ConfigMap NAME-dynamodb-status, for the controller's status.stream.`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			level := "info"
			if v, ok := s.LookupEnv("LOG_LEVEL"); ok && v != "" {
				level = v
			}
			lvl, err := parseLevel(level)
			if err != nil {
				return err
			}
			log := jsonLogger(s.Out, lvl)

			c, err := adapterenv.ToConfig(s.LookupEnv)
			if err != nil {
				return &UsageError{Err: fmt.Errorf("reading the adapter environment: %w", err)}
			}
			if err := c.Spec.Validate(); err != nil {
				return &UsageError{Err: err}
			}
			if c.Spec.Sink.URI == "" {
				return &UsageError{Err: errors.New("K_SINK is not set: give the URL of the event sink")}
			}
			cfg := source.Config{Spec: c.Spec, SinkURI: c.Spec.Sink.URI, SessionName: sessionName(c)}
			srvOpts := serverOptions{Address: "", Port: int(c.MetricsPort)}
			if c.Spec.GetCheckpointStore(v1alpha1.CheckpointStoreFile) == v1alpha1.CheckpointStoreKubernetes {
				cms, err := configMapClient(c)
				if err != nil {
					return err
				}
				cfg.Store = checkpoint.NewKubernetes(cms, c.Namespace, c.Name)
				// The adapter that may write its checkpoints on Kubernetes
				// also reports its stream there (streamreport).
				srvOpts.Report = &streamreport.ConfigMapWriter{Client: cms, Name: streamreport.ConfigMapName(c.Name)}
				srvOpts.Replica = streamreport.DefaultReplica
				if pod, ok := s.LookupEnv("POD_NAME"); ok && pod != "" {
					srvOpts.Replica = pod
				}
			}
			log.Info("starting adapter", "arn", c.Spec.ARN, "namespace", c.Namespace, "name", c.Name)
			tuneGC(s.LookupEnv, log)
			// Every interface (Address ""): Prometheus scrapes the pod from
			// outside it.
			return runWithServer(cmd.Context(), cfg, srvOpts, log)
		},
	}
}

// configMapClient is the adapter's client of the ConfigMaps of its
// namespace: its checkpoints and its status report.
func configMapClient(c adapterenv.Config) (*checkpoint.ConfigMapClient, error) {
	if c.Namespace == "" || c.Name == "" {
		return nil, &UsageError{Err: errors.New("CHECKPOINT_STORE=kubernetes needs NAMESPACE and NAME")}
	}
	// In a pod: the service account; elsewhere: KUBECONFIG or ~/.kube/config.
	restCfg, err := clientcmd.NewNonInteractiveDeferredLoadingClientConfig(
		clientcmd.NewDefaultClientConfigLoadingRules(), nil).ClientConfig()
	if err != nil {
		return nil, fmt.Errorf("finding the Kubernetes API for checkpoints: %w", err)
	}
	restCfg.UserAgent = "dynamodb-source-adapter"
	// Only ConfigMaps, and not through the typed clientset, whose scheme
	// would cost the adapter ~9 MiB of memory (see checkpoint.NewConfigMaps).
	cms, err := checkpoint.NewConfigMaps(restCfg, c.Namespace)
	if err != nil {
		return nil, fmt.Errorf("creating the Kubernetes client for checkpoints: %w", err)
	}
	return cms, nil
}

func sessionName(c adapterenv.Config) string {
	if c.Name == "" {
		if h, err := os.Hostname(); err == nil {
			return "dynamodb-source-" + h
		}
		return "dynamodb-source"
	}
	return "dynamodb-source-" + c.Namespace + "-" + c.Name
}
