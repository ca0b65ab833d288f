package source

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"path/filepath"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/dynamodb-source/dynamodb-source/api/v1alpha1"
	"github.com/dynamodb-source/dynamodb-source/internal/awsconfig"
	"github.com/dynamodb-source/dynamodb-source/internal/checkpoint"
	"github.com/dynamodb-source/dynamodb-source/internal/delivery"
	"github.com/dynamodb-source/dynamodb-source/internal/event"
	"github.com/dynamodb-source/dynamodb-source/internal/filter"
	"github.com/dynamodb-source/dynamodb-source/internal/metrics"
	"github.com/dynamodb-source/dynamodb-source/internal/snapshot"
	"github.com/dynamodb-source/dynamodb-source/internal/stream"
)

// DefaultShutdownGrace is how long in-flight sends may finish after a stop
// signal before they are abandoned (and read again on the next start).
const DefaultShutdownGrace = 10 * time.Second

// Config is everything one source needs. Spec must be valid.
type Config struct {
	Spec v1alpha1.AWSDynamoDBSourceSpec
	// SinkURI is where events go. Empty means Sender must be set.
	SinkURI string
	// Sender, when set, replaces the HTTP sender (the terminal sink).
	Sender delivery.Sender
	// DeadLetter, when set, replaces the dead-letter sink built from
	// spec.delivery.deadLetterSink (the command line opens a file sink
	// itself, to refuse a path it cannot write as a usage error).
	DeadLetter delivery.Sender
	// Store, when set, replaces the store chosen by spec.checkpoint.
	Store checkpoint.Store
	// StreamsClient, when set, replaces the client built from the spec.
	StreamsClient stream.Client
	// ScanClient, when set, replaces the DynamoDB client of the snapshot.
	ScanClient snapshot.ScanClient
	// SnapshotPageLimit caps the items of a snapshot Scan page (tests
	// make many pages of a small table); 0: snapshot.DefaultPageLimit.
	SnapshotPageLimit int
	// SessionName names assumed-role sessions.
	SessionName string

	Logger        *slog.Logger
	Registry      prometheus.Registerer
	ShutdownGrace time.Duration
	// Ready, when set, is called once the table's stream was found and
	// reading starts, and again when checkpoints save again after NotReady.
	Ready func()
	// NotReady, when set, is called with the reason when checkpoint saves
	// keep failing (see stream.Options.NotReady).
	NotReady func(reason string)
}

// Run runs the source until ctx ends, then stops cleanly and returns nil;
// it returns an error when the source cannot start.
func Run(ctx context.Context, cfg Config) error {
	spec := cfg.Spec
	table, err := v1alpha1.ParseTableARN(spec.ARN)
	if err != nil {
		return err
	}
	log := cfg.Logger
	if log == nil {
		log = slog.Default()
	}
	reg := cfg.Registry
	if reg == nil {
		reg = prometheus.NewRegistry()
	}
	m := metrics.New(reg)

	var overrides map[string]string
	if o := spec.CloudEventOverrides; o != nil {
		overrides = o.Extensions
	}
	conv, err := event.NewConverter(spec.ARN, overrides)
	if err != nil {
		return fmt.Errorf("ceOverrides: %w", err)
	}

	sender := cfg.Sender
	if sender == nil {
		s, err := newHTTPSender(cfg.SinkURI, spec, m, log)
		if err != nil {
			return err
		}
		defer s.Close()
		sender = s
	}

	client, scanClient := cfg.StreamsClient, cfg.ScanClient
	wantScan := spec.GetSnapshotMode() == v1alpha1.SnapshotModeInitial && scanClient == nil
	if client == nil || wantScan {
		awsCfg, err := awsconfig.Load(ctx, awsconfig.Settings{
			Table: table, Credentials: credentials(spec), AssumeRole: assumeRole(spec), SessionName: cfg.SessionName,
		})
		if err != nil {
			return err
		}
		var endpoint string
		if spec.Endpoint != nil {
			endpoint = spec.Endpoint.URL
		}
		if client == nil {
			client = awsconfig.NewStreamsClient(awsCfg, endpoint)
		}
		if wantScan {
			scanClient = awsconfig.NewDynamoDBClient(awsCfg, endpoint)
		}
	}

	store := cfg.Store
	if store == nil {
		store, err = openStore(spec)
		if err != nil {
			return err
		}
		defer store.Close()
	}

	// Sends outlive reading by a grace period, so that a stop lets what
	// is in flight land instead of sending it again after the restart.
	grace := cfg.ShutdownGrace
	if grace <= 0 {
		grace = DefaultShutdownGrace
	}
	sendCtx, cancelSends := context.WithCancel(context.WithoutCancel(ctx))
	defer cancelSends()
	var wg sync.WaitGroup
	defer wg.Wait()
	readDone := make(chan struct{})
	defer close(readDone)
	wg.Go(func() {
		select {
		case <-readDone:
			return
		case <-ctx.Done():
		}
		t := time.NewTimer(grace)
		defer t.Stop()
		select {
		case <-readDone:
		case <-t.C:
			log.Warn("in-flight events did not finish within the shutdown grace period; they will be read again on the next start", "grace", grace)
			cancelSends()
		}
	})

	var startingTS time.Time
	if spec.StartingTimestamp != nil {
		startingTS = spec.StartingTimestamp.Time
	}
	dispatch := delivery.DispatcherOptions{Parallelism: spec.GetParallelism()}
	if size := spec.GetBatchSize(); size > 1 {
		if _, ok := sender.(delivery.BatchSender); ok {
			dispatch.BatchSize, dispatch.Linger = size, spec.GetBatchLinger()
		} else {
			log.Warn("delivery.batch is ignored: this sink takes events one by one", "sink", fmt.Sprintf("%T", sender))
		}
	}
	dispatch.MaxRecordAge = spec.GetMaxRecordAge()
	dl, closeDL, err := newDeadLetterer(cfg, dispatch.BatchSize > 1, log)
	if err != nil {
		return err
	}
	defer closeDL()
	dispatch.DeadLetter = dl
	filt, err := filter.Compile(spec.GetFilterPatterns())
	if err != nil {
		return fmt.Errorf("compiling filterCriteria: %w", err)
	}
	// Without a pattern every change goes, and newDecoder renders no page a
	// second time for matching.
	if filt.Len() > 0 {
		log.Info("filter patterns set: changes that match none are skipped", "patterns", filt.Len(), "dataFormat", spec.GetDataFormat())
	}
	finish := withSourceARN(spec.GetDataFormat())
	newProc := func(ref stream.ShardRef, ack func(string)) stream.Processor {
		return newShardProcessor(sendCtx, ref, sender, conv, dispatch, ack, m, log, finish)
	}
	decoder := newDecoder(spec.GetDataFormat(), filt)
	var snap *snapshot.Snapshot
	if spec.GetSnapshotMode() == v1alpha1.SnapshotModeInitial {
		snap = snapshot.New(snapshot.Config{
			Table: table, Client: scanClient, Streams: client,
			Segments: spec.GetSnapshotSegments(), ReadRate: spec.GetSnapshotReadRate(),
			NewProcessor: newProc, Decoder: decoder, Logger: log, Metrics: m, PageLimit: cfg.SnapshotPageLimit,
		})
	}
	opts := stream.Options{
		StartingPosition:  spec.GetStartingPosition(),
		StartingTimestamp: startingTS,
		IdleInterval:      spec.GetIdleInterval(),
		DiscoveryInterval: spec.GetDiscoveryInterval(),
		MaxBytesInFlight:  spec.GetMaxBytesInFlight(),
		Decoder:           decoder,
		Logger:            log,
		Metrics:           m,
		Ready:             cfg.Ready,
		NotReady:          cfg.NotReady,
	}
	if snap != nil {
		opts.Watcher, opts.Companion = snap, snap
	}
	reader := stream.NewReader(client, table, store, newProc, opts)
	if err := reader.Run(ctx); err != nil {
		return err
	}
	log.Info("source stopped")
	return nil
}

func newHTTPSender(uri string, spec v1alpha1.AWSDynamoDBSourceSpec, m *metrics.Metrics, log *slog.Logger) (*delivery.HTTPSender, error) {
	if uri == "" {
		return nil, errors.New("no sink: give --sink.uri (spec.sink.uri) or set K_SINK")
	}
	opts := delivery.HTTPOptions{
		Timeout:  spec.GetDeliveryTimeout(),
		Policy:   delivery.Policy{MaxRetries: spec.GetRetries()},
		Observer: newSinkObserver(m, log),
	}
	if spec.Sink.CACerts != nil {
		opts.CABundle = []byte(*spec.Sink.CACerts)
	}
	s, err := delivery.NewHTTPSender(uri, opts)
	if err != nil {
		return nil, fmt.Errorf("sink: %w", err)
	}
	return s, nil
}

func openStore(spec v1alpha1.AWSDynamoDBSourceSpec) (checkpoint.Store, error) {
	switch spec.GetCheckpointStore(v1alpha1.CheckpointStoreFile) {
	case v1alpha1.CheckpointStoreMemory:
		return checkpoint.NewMemory(), nil
	case v1alpha1.CheckpointStoreFile:
		dir := ""
		if spec.Checkpoint != nil {
			dir = spec.Checkpoint.Dir
		}
		if dir == "" {
			d, err := checkpoint.DefaultDir()
			if err != nil {
				return nil, err
			}
			dir = d
		}
		return checkpoint.OpenFile(filepath.Join(dir, checkpoint.FileName(spec.ARN)))
	default:
		return nil, fmt.Errorf("checkpoint.store %q needs a store from the caller (the adapter provides the kubernetes store)", spec.GetCheckpointStore(""))
	}
}

func credentials(spec v1alpha1.AWSDynamoDBSourceSpec) awsconfig.Credentials {
	c := spec.Auth.Credentials
	if c == nil {
		return awsconfig.Credentials{}
	}
	return awsconfig.Credentials{
		AccessKeyID: c.AccessKeyID.Value, SecretAccessKey: c.SecretAccessKey.Value, SessionToken: c.SessionToken.Value,
	}
}

func assumeRole(spec v1alpha1.AWSDynamoDBSourceSpec) string {
	if c := spec.Auth.Credentials; c != nil {
		return c.AssumeIAMRole
	}
	return ""
}
