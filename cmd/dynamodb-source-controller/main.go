// Command dynamodb-source-controller runs the Kubernetes controller of
// AWSDynamoDBSource objects: for each source it deploys an adapter
// (`dynamodb-source adapter`) that delivers the table's changes to the sink.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"syscall"

	"github.com/go-logr/logr"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client/config"

	"github.com/dynamodb-source/dynamodb-source/internal/controller"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Getenv); err != nil {
		fmt.Fprintln(os.Stderr, "dynamodb-source-controller:", err)
		os.Exit(1)
	}
}

// run parses the flags and runs the controller until ctx ends.
func run(ctx context.Context, args []string, getenv func(string) string) error {
	var (
		opts     controller.Options
		logLevel slog.Level
	)
	fs := flag.NewFlagSet("dynamodb-source-controller", flag.ContinueOnError)
	config.RegisterFlags(fs) // --kubeconfig; else KUBECONFIG, in-cluster, ~/.kube/config
	fs.StringVar(&opts.AdapterImage, "adapter-image", getenv("ADAPTER_IMAGE"),
		"image holding dynamodb-source, run by the adapters (env ADAPTER_IMAGE)")
	fs.BoolVar(&opts.LeaderElection, "leader-elect", false,
		"elect a leader, so that of several replicas one does the work")
	fs.StringVar(&opts.LeaderElectionNamespace, "leader-election-namespace", "",
		"namespace of the leader Lease (default: the controller's own, in a cluster)")
	fs.StringVar(&opts.MetricsBindAddress, "metrics-bind-address", ":8080",
		`address of the Prometheus metrics endpoint; "0" disables it`)
	fs.StringVar(&opts.HealthProbeBindAddress, "health-probe-bind-address", ":8081",
		`address of /healthz and /readyz; "0" disables them`)
	fs.StringVar(&opts.ClusterDomain, "cluster-domain", "",
		"domain of Service sink addresses, <service>.<namespace>.svc.<domain> (default: read from /etc/resolv.conf's search line, else cluster.local)")
	fs.BoolVar(&opts.AllowCrossNamespaceRefs, "allow-cross-namespace-refs", false,
		"let a source's sink.ref point at another namespace (default: only the source's own, as clusters shared by tenants expect)")
	fs.TextVar(&logLevel, "log-level", slog.LevelInfo, "log level: debug, info, warn or error")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if opts.AdapterImage == "" {
		return errors.New("no adapter image: give --adapter-image or ADAPTER_IMAGE, the image holding dynamodb-source")
	}

	if opts.ClusterDomain == "" {
		opts.ClusterDomain = controller.DetectClusterDomain()
	}

	logger := slog.New(slog.NewJSONHandler(os.Stderr, &slog.HandlerOptions{Level: logLevel}))
	ctrl.SetLogger(logr.FromSlogHandler(logger.Handler()))

	cfg, err := ctrl.GetConfig()
	if err != nil {
		return fmt.Errorf("finding the cluster (give --kubeconfig or KUBECONFIG out of a cluster): %w", err)
	}
	logger.Info("starting controller", "adapterImage", opts.AdapterImage, "host", cfg.Host,
		"clusterDomain", opts.ClusterDomain, "allowCrossNamespaceRefs", opts.AllowCrossNamespaceRefs)
	return controller.Run(ctx, cfg, opts)
}
