package cli

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/pflag"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/dynamodb-source/dynamodb-source/api/v1alpha1"
)

// bindSpecFlags declares one flag per spec field, named by the field's
// dotted JSON path, writing straight into spec. This is the one schema: the
// same names are the CRD's fields and, upper-snake-cased, the adapter's
// environment.
func bindSpecFlags(fs *pflag.FlagSet, spec *v1alpha1.AWSDynamoDBSourceSpec) {
	creds := func() *v1alpha1.AWSSecurityCredentials {
		if spec.Auth.Credentials == nil {
			spec.Auth.Credentials = &v1alpha1.AWSSecurityCredentials{}
		}
		return spec.Auth.Credentials
	}
	delivery := func() *v1alpha1.DeliverySpec {
		if spec.Delivery == nil {
			spec.Delivery = &v1alpha1.DeliverySpec{}
		}
		return spec.Delivery
	}
	polling := func() *v1alpha1.PollingSpec {
		if spec.Polling == nil {
			spec.Polling = &v1alpha1.PollingSpec{}
		}
		return spec.Polling
	}
	cp := func() *v1alpha1.CheckpointSpec {
		if spec.Checkpoint == nil {
			spec.Checkpoint = &v1alpha1.CheckpointSpec{}
		}
		return spec.Checkpoint
	}

	fs.StringVar(&spec.ARN, "arn", "", "ARN of the DynamoDB table to read, arn:aws:dynamodb:<region>:<account-id>:table/<name> (required)")
	fs.Var(setter(func(v string) error { creds().AccessKeyID.Value = v; return nil }), "auth.credentials.accessKeyID",
		"AWS access key ID (default: the AWS SDK's credential chain: environment, profile, web identity, instance metadata)")
	fs.Var(setter(func(v string) error { creds().SecretAccessKey.Value = v; return nil }), "auth.credentials.secretAccessKey",
		"AWS secret access key, with --auth.credentials.accessKeyID")
	fs.Var(setter(func(v string) error { creds().SessionToken.Value = v; return nil }), "auth.credentials.sessionToken",
		"AWS session token, for temporary credentials")
	fs.Var(setter(func(v string) error { creds().AssumeIAMRole = v; return nil }), "auth.credentials.assumeIamRole",
		"ARN of an IAM role to assume through STS")
	fs.StringVar(&spec.Sink.URI, "sink.uri", "", "http(s) URL that receives the events (default: print them on the terminal)")
	ref := func() *v1alpha1.KReference {
		if spec.Sink.Ref == nil {
			spec.Sink.Ref = &v1alpha1.KReference{}
		}
		return spec.Sink.Ref
	}
	fs.Var(setter(func(v string) error { ref().APIVersion = v; return nil }), "sink.ref.apiVersion", "API version of an Addressable sink object (Kubernetes only: dump)")
	fs.Var(setter(func(v string) error { ref().Kind = v; return nil }), "sink.ref.kind", "kind of an Addressable sink object, such as Broker (Kubernetes only: dump)")
	fs.Var(setter(func(v string) error { ref().Name = v; return nil }), "sink.ref.name", "name of an Addressable sink object (Kubernetes only: dump)")
	fs.Var(setter(func(v string) error { ref().Namespace = v; return nil }), "sink.ref.namespace", "namespace of an Addressable sink object (default: the source's)")
	fs.Var(setter(func(v string) error {
		pem, err := readValueOrFile(v)
		if err != nil {
			return err
		}
		spec.Sink.CACerts = &pem
		return nil
	}), "sink.CACerts", "PEM CA bundle trusted for TLS to the sink, in addition to the system's, or @file to read it from a file")
	fs.Var(setter(func(v string) error {
		k, val, ok := strings.Cut(v, "=")
		if !ok {
			return fmt.Errorf("%q is not name=value", v)
		}
		if spec.CloudEventOverrides == nil {
			spec.CloudEventOverrides = &v1alpha1.CloudEventOverrides{Extensions: map[string]string{}}
		}
		spec.CloudEventOverrides.Extensions[k] = val
		return nil
	}), "ceOverrides.extensions", "name=value of an extension attribute added to every event (repeatable)")
	fs.Var(setter(func(v string) error { spec.Endpoint = &v1alpha1.Endpoint{URL: v}; return nil }), "endpoint.url",
		"DynamoDB Streams endpoint, such as http://localhost:8000 for DynamoDB Local (default: AWS's, or $AWS_ENDPOINT_URL_DYNAMODB_STREAMS)")
	fs.StringVar(&spec.StartingPosition, "startingPosition", "",
		"where a new source starts: LATEST (default: changes from now on), TRIM_HORIZON (the oldest change kept, up to 24 h) or AT_TIMESTAMP (with --startingTimestamp); unused once a checkpoint exists")
	fs.Var(setter(func(v string) error {
		t, err := time.Parse(time.RFC3339, v)
		if err != nil {
			return fmt.Errorf("%q is not an RFC 3339 time such as 2024-05-01T12:00:00Z", v)
		}
		spec.StartingTimestamp = &metav1.Time{Time: t}
		return nil
	}), "startingTimestamp", "RFC 3339 time to start from, with --startingPosition AT_TIMESTAMP")
	fs.Var(setter(func(v string) error {
		n, err := strconv.ParseInt(v, 10, 32)
		if err != nil {
			return fmt.Errorf("%q is not a whole number", v)
		}
		n32 := int32(n)
		delivery().Parallelism = &n32
		return nil
	}), "delivery.parallelism", fmt.Sprintf("events of one shard sent at once; one item's changes always go in order (default %d)", v1alpha1.DefaultParallelism))
	fs.Var(setter(func(v string) error {
		d, err := parseDuration(v)
		delivery().Timeout = d
		return err
	}), "delivery.timeout", fmt.Sprintf("timeout of one request to the sink (default %s)", v1alpha1.DefaultDeliveryTimeout))
	fs.Var(setter(func(v string) error {
		n, err := strconv.ParseInt(v, 10, 32)
		if err != nil {
			return fmt.Errorf("%q is not a whole number", v)
		}
		n32 := int32(n)
		delivery().Retries = &n32
		return nil
	}), "delivery.retries", "retries of a failed send before the event is dead-lettered (dropped without --delivery.deadLetterSink.uri); 0 retries until delivered (default 0)")
	// Dead letters (issue 15): delivery.deadLetterSink.uri, .CACerts and
	// delivery.maxRecordAge.
	deadLetter := func() *v1alpha1.Destination {
		if delivery().DeadLetterSink == nil {
			delivery().DeadLetterSink = &v1alpha1.Destination{}
		}
		return delivery().DeadLetterSink
	}
	fs.Var(setter(func(v string) error { deadLetter().URI = v; return nil }), "delivery.deadLetterSink.uri",
		"where events the sink refused, that used up --delivery.retries or outlived --delivery.maxRecordAge go, whole: an http(s) URL, "+
			"or a file (file:///abs/path or a path) that gets one JSON CloudEvent per line (default: none, such events are dropped, logged and counted; give one to keep them)")
	fs.Var(setter(func(v string) error {
		pem, err := readValueOrFile(v)
		if err != nil {
			return err
		}
		deadLetter().CACerts = &pem
		return nil
	}), "delivery.deadLetterSink.CACerts", "PEM CA bundle trusted for TLS to the dead-letter sink, or @file to read it from a file")
	fs.Var(setter(func(v string) error {
		d, err := parseDuration(v)
		delivery().MaxRecordAge = d
		return err
	}), "delivery.maxRecordAge", "dead-letter a change older than this (from its creation in the stream) instead of sending it or sending it again, such as 1h (default: no limit)")
	batch := func() *v1alpha1.BatchSpec {
		if delivery().Batch == nil {
			delivery().Batch = &v1alpha1.BatchSpec{}
		}
		return delivery().Batch
	}
	fs.Var(setter(func(v string) error {
		n, err := strconv.ParseInt(v, 10, 32)
		if err != nil {
			return fmt.Errorf("%q is not a whole number", v)
		}
		n32 := int32(n)
		batch().Size = &n32
		return nil
	}), "delivery.batch.size", fmt.Sprintf("most events in one request; above 1 sends CloudEvents batches (application/cloudevents-batch+json), which the sink must accept (default %d: one event per request)", v1alpha1.DefaultBatchSize))
	fs.Var(setter(func(v string) error {
		d, err := parseDuration(v)
		batch().Linger = d
		return err
	}), "delivery.batch.linger", fmt.Sprintf("how long a batch may wait for more events before it is sent unfilled (default %s)", v1alpha1.DefaultBatchLinger))
	fs.Var(setter(func(v string) error {
		d, err := parseDuration(v)
		polling().IdleInterval = d
		return err
	}), "polling.idleInterval", fmt.Sprintf("pause after a read that returned nothing (default %s)", v1alpha1.DefaultIdleInterval))
	fs.Var(setter(func(v string) error {
		d, err := parseDuration(v)
		polling().DiscoveryInterval = d
		return err
	}), "polling.discoveryInterval", fmt.Sprintf("how often new shards and streams are looked for (default %s)", v1alpha1.DefaultDiscoveryInterval))
	fs.Var(setter(func(v string) error { cp().Store = v; return nil }), "checkpoint.store",
		"where progress is kept: file (default) or memory (nothing kept: a restart starts over)")
	fs.Var(setter(func(v string) error { cp().Dir = v; return nil }), "checkpoint.dir",
		"folder of the checkpoint files (default $XDG_STATE_HOME/dynamodb-source, else ~/.local/state/dynamodb-source)")
}

// setter is a pflag.Value that hands the flag's text to a function.
type setter func(string) error

func (s setter) Set(v string) error { return s(v) }
func (s setter) String() string     { return "" }
func (s setter) Type() string       { return "string" }

func parseDuration(v string) (*metav1.Duration, error) {
	d, err := time.ParseDuration(v)
	if err != nil {
		return nil, fmt.Errorf("%q is not a duration such as 250ms, 10s or 1m", v)
	}
	return &metav1.Duration{Duration: d}, nil
}

func readValueOrFile(v string) (string, error) {
	if path, ok := strings.CutPrefix(v, "@"); ok {
		b, err := os.ReadFile(path)
		if err != nil {
			return "", fmt.Errorf("reading %s: %w", path, err)
		}
		return string(b), nil
	}
	return v, nil
}
