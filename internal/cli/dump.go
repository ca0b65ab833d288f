package cli

import (
	"github.com/spf13/cobra"

	"github.com/dynamodb-source/dynamodb-source/internal/manifest"
	"github.com/dynamodb-source/dynamodb-source/internal/schema"
)

func newDumpCommand(s Streams) *cobra.Command {
	var (
		cfg       schema.Config
		name      string
		namespace string
	)
	cmd := &cobra.Command{
		Use:   "dump --arn <table-arn> [flags]",
		Short: "Print the Kubernetes manifests of a source, for kubectl apply -f -",
		Long: `Print, for the same flags as 'create source awsdynamodb', the Kubernetes
manifests of the source: an AWSDynamoDBSource and, when credentials are given,
a Secret holding them that the source references (valueFromSecret), so the
keys are never written into the source object. Apply them with
'dynamodb-source dump ... | kubectl apply -f -' on a cluster where the
dynamodb-source controller is installed.`,
		Example: `  dynamodb-source dump --arn arn:aws:dynamodb:us-west-2:123456789012:table/orders \
    --auth.credentials.accessKeyID AKIA... --auth.credentials.secretAccessKey ... \
    --sink.ref.apiVersion eventing.knative.dev/v1 --sink.ref.kind Broker --sink.ref.name default | kubectl apply -f -`,
		Args: noArgs,
		RunE: func(*cobra.Command, []string) error {
			spec := cfg.Spec
			if err := spec.Validate(); err != nil {
				return &UsageError{Err: err}
			}
			if name == "" {
				name = manifest.DefaultName(spec.ARN)
			}
			out, err := manifest.Render(spec, name, namespace)
			if err != nil {
				return &UsageError{Err: err}
			}
			_, err = s.Out.Write(out)
			return err
		},
	}
	fs := cmd.Flags()
	fs.SortFlags = false
	bindSpecFlags(fs, &cfg)
	fs.StringVar(&name, "name", "", "name of the source object (default: from the table name)")
	fs.StringVar(&namespace, "namespace", "", "namespace of the objects (default: kubectl's current one)")
	return cmd
}
