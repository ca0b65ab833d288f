package cli

import (
	"cmp"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"golang.org/x/sync/errgroup"

	"github.com/dynamodb-source/dynamodb-source/internal/metrics"
	"github.com/dynamodb-source/dynamodb-source/internal/progress"
	"github.com/dynamodb-source/dynamodb-source/internal/source"
	"github.com/dynamodb-source/dynamodb-source/internal/streamreport"
)

// serverOptions configure what runs beside the source: the metrics and
// health server, and the command line's progress lines.
type serverOptions struct {
	// Address is the interface it listens on: the command line's default is
	// the loopback one (127.0.0.1), the adapter's "" (all, for Prometheus
	// to scrape the pod).
	Address string
	// Port is where it listens; 0 means no server.
	Port int
	// Pprof also serves Go's profiles under /debug/pprof/.
	Pprof bool
	// Progress receives the progress lines (see internal/progress); nil
	// means none, as for the adapter.
	Progress io.Writer
	// ProgressInterval is the time between progress lines.
	ProgressInterval time.Duration
	// Report, when set, receives the status reports (internal/streamreport)
	// of replica Replica: the adapter's on Kubernetes; nil for the command
	// line.
	Report  streamreport.Writer
	Replica string
}

// runWithServer runs a source and, when srvOpts.Port > 0, the metrics and
// health server beside it. The first to fail stops the other.
func runWithServer(ctx context.Context, cfg source.Config, srvOpts serverOptions, log *slog.Logger) error {
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	cfg.Registry = reg
	cfg.Logger = log
	ready := metrics.NewReadiness("the source has not found its stream yet")
	cfg.Ready, cfg.NotReady = ready.Ready, ready.NotReady

	g, ctx := errgroup.WithContext(ctx)
	if srvOpts.Port > 0 {
		// Listen before starting the source, so a port in use fails first.
		ln, err := listenMetrics(srvOpts)
		if err != nil {
			return err
		}
		srv := &metrics.Server{Gatherer: reg, Readiness: ready, Pprof: srvOpts.Pprof}
		log.Info("serving metrics and health", "address", ln.Addr().String(), "pprof", srvOpts.Pprof)
		g.Go(func() error { return srv.Serve(ctx, ln) })
	}
	if srvOpts.Progress != nil {
		r := &progress.Reporter{Gatherer: reg, Out: srvOpts.Progress, Interval: srvOpts.ProgressInterval}
		g.Go(func() error { return r.Run(ctx) })
	}
	if srvOpts.Report != nil {
		r := &streamreport.Reporter{Gatherer: reg, Writer: srvOpts.Report, Replica: srvOpts.Replica, Logger: log}
		g.Go(func() error { return r.Run(ctx) })
	}
	g.Go(func() error {
		err := source.Run(ctx, cfg)
		// The server has nothing left to report once the source is done.
		return errStop{err}
	})
	err := g.Wait()
	if s, ok := err.(errStop); ok {
		return s.err
	}
	return err
}

// listenMetrics opens the metrics server's listener.
func listenMetrics(o serverOptions) (net.Listener, error) {
	ln, err := net.Listen("tcp", net.JoinHostPort(o.Address, strconv.Itoa(o.Port)))
	if err != nil {
		return nil, fmt.Errorf("listening for metrics on port %d of %s: %w", o.Port, cmp.Or(o.Address, "every interface"), err)
	}
	return ln, nil
}

// errStop ends the group when the source returns, even with nil.
type errStop struct{ err error }

func (e errStop) Error() string {
	if e.err == nil {
		return "stopped"
	}
	return e.err.Error()
}
