package adapterenv

import (
	"bytes"
	"encoding/json"
	"strconv"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/dynamodb-source/dynamodb-source/api/v1alpha1"
)

// Variables of the adapter's environment. The first group keeps the names
// TriggerMesh's adapter used; the second is this project's extensions, each
// named by the upper snake case of its field's dotted JSON path.
const (
	EnvARN             = "ARN"
	EnvSink            = "K_SINK"
	EnvCACerts         = "K_CA_CERTS"
	EnvCEOverrides     = "K_CE_OVERRIDES"
	EnvAccessKeyID     = "AWS_ACCESS_KEY_ID"
	EnvSecretAccessKey = "AWS_SECRET_ACCESS_KEY"
	EnvSessionToken    = "AWS_SESSION_TOKEN"
	EnvAssumeRoleARN   = "AWS_ASSUME_ROLE_ARN"
	EnvNamespace       = "NAMESPACE"
	EnvName            = "NAME"

	EnvEndpointURL              = "ENDPOINT_URL"
	EnvStartingPosition         = "STARTING_POSITION"
	EnvStartingTimestamp        = "STARTING_TIMESTAMP"
	EnvDeliveryParallelism      = "DELIVERY_PARALLELISM"
	EnvDeliveryTimeout          = "DELIVERY_TIMEOUT"
	EnvDeliveryRetries          = "DELIVERY_RETRIES"
	EnvDeliveryBatchSize        = "DELIVERY_BATCH_SIZE"
	EnvDeliveryBatchLinger      = "DELIVERY_BATCH_LINGER"
	EnvPollingIdleInterval      = "POLLING_IDLE_INTERVAL"
	EnvPollingDiscoveryInterval = "POLLING_DISCOVERY_INTERVAL"
	EnvCheckpointStore          = "CHECKPOINT_STORE"
	EnvCheckpointDir            = "CHECKPOINT_DIR"
	EnvMetricsPort              = "METRICS_PORT"
)

// Variables of dead letters (issue 15), named by the same rule.
const (
	EnvDeliveryDeadLetterSinkURI     = "DELIVERY_DEAD_LETTER_SINK_URI"
	EnvDeliveryDeadLetterSinkCACerts = "DELIVERY_DEAD_LETTER_SINK_CACERTS"
	EnvDeliveryMaxRecordAge          = "DELIVERY_MAX_RECORD_AGE"
)

// EnvNameOf returns the variable name of a spec field from its dotted JSON
// path: the rule every extension follows (delivery.timeout ->
// DELIVERY_TIMEOUT, startingPosition -> STARTING_POSITION).
func EnvNameOf(path string) string {
	var b strings.Builder
	prev := rune(0)
	for _, r := range path {
		switch {
		case r == '.':
			b.WriteByte('_')
		case r >= 'A' && r <= 'Z' && prev >= 'a' && prev <= 'z':
			b.WriteByte('_')
			b.WriteRune(r)
		default:
			b.WriteString(strings.ToUpper(string(r)))
		}
		prev = r
	}
	return b.String()
}

// field is one variable: how it is read from a Config and written back.
type field struct {
	name string
	// path is the field's dotted JSON path in the spec; empty for variables
	// that are not part of the spec.
	path     string
	required bool
	// secret fields never have their value shown in an error.
	secret bool
	// hint tells a person what a good value looks like.
	hint string
	// get returns the value, or a Secret reference; "" and nil when unset.
	get func(*Config) (string, *corev1.SecretKeySelector)
	set func(*Config, string) error
}

// fields is the whole mapping. Adding a variable is adding a row.
var fields = []field{
	// Identity of the source on Kubernetes.
	stringField(EnvNamespace, "", "the namespace of the source", func(c *Config, _ bool) *string { return &c.Namespace }),
	stringField(EnvName, "", "the name of the source", func(c *Config, _ bool) *string { return &c.Name }),

	required(stringField(EnvARN, "arn", "give the ARN of the DynamoDB table, arn:aws:dynamodb:<region>:<account-id>:table/<name>",
		func(c *Config, _ bool) *string { return &c.Spec.ARN })),
	stringField(EnvSink, "sink.uri", "give the http(s) URL events are sent to",
		func(c *Config, _ bool) *string { return &c.Spec.Sink.URI }),
	ptrField(EnvCACerts, "sink.CACerts", "give a PEM bundle",
		func(c *Config, _ bool) **string { return &c.Spec.Sink.CACerts }, identity, parseString),
	ptrField(EnvCEOverrides, "ceOverrides", `give JSON such as {"extensions":{"team":"data"}}`,
		func(c *Config, _ bool) **v1alpha1.CloudEventOverrides { return &c.Spec.CloudEventOverrides },
		formatOverrides, parseOverrides),

	credentialField(EnvAccessKeyID, "auth.credentials.accessKeyID",
		func(cr *v1alpha1.AWSSecurityCredentials) *v1alpha1.ValueFromField { return &cr.AccessKeyID }),
	credentialField(EnvSecretAccessKey, "auth.credentials.secretAccessKey",
		func(cr *v1alpha1.AWSSecurityCredentials) *v1alpha1.ValueFromField { return &cr.SecretAccessKey }),
	credentialField(EnvSessionToken, "auth.credentials.sessionToken",
		func(cr *v1alpha1.AWSSecurityCredentials) *v1alpha1.ValueFromField { return &cr.SessionToken }),
	stringField(EnvAssumeRoleARN, "auth.credentials.assumeIamRole", "give an IAM role ARN",
		func(c *Config, alloc bool) *string {
			if cr := credentials(c, alloc); cr != nil {
				return &cr.AssumeIAMRole
			}
			return nil
		}),

	stringField(EnvEndpointURL, "endpoint.url", "give the http(s) URL of a DynamoDB Streams endpoint",
		func(c *Config, alloc bool) *string {
			if c.Spec.Endpoint == nil && alloc {
				c.Spec.Endpoint = &v1alpha1.Endpoint{}
			}
			if c.Spec.Endpoint == nil {
				return nil
			}
			return &c.Spec.Endpoint.URL
		}),
	stringField(EnvStartingPosition, "startingPosition", "use LATEST, TRIM_HORIZON or AT_TIMESTAMP",
		func(c *Config, _ bool) *string { return &c.Spec.StartingPosition }),
	ptrField(EnvStartingTimestamp, "startingTimestamp", "give an RFC 3339 time such as 2024-05-01T12:00:00Z",
		func(c *Config, _ bool) **metav1.Time { return &c.Spec.StartingTimestamp }, formatTime, parseTime),

	ptrField(EnvDeliveryParallelism, "delivery.parallelism", "give a whole number such as 16",
		func(c *Config, alloc bool) **int32 {
			if d := delivery(c, alloc); d != nil {
				return &d.Parallelism
			}
			return nil
		}, formatInt32, parseInt32),
	ptrField(EnvDeliveryTimeout, "delivery.timeout", "give a Go duration such as 30s",
		func(c *Config, alloc bool) **metav1.Duration {
			if d := delivery(c, alloc); d != nil {
				return &d.Timeout
			}
			return nil
		}, formatDuration, parseDuration),
	ptrField(EnvDeliveryRetries, "delivery.retries", "give a whole number, 0 for no limit",
		func(c *Config, alloc bool) **int32 {
			if d := delivery(c, alloc); d != nil {
				return &d.Retries
			}
			return nil
		}, formatInt32, parseInt32),
	ptrField(EnvDeliveryBatchSize, "delivery.batch.size", "give a whole number such as 100, 1 for no batching",
		func(c *Config, alloc bool) **int32 {
			if b := batch(c, alloc); b != nil {
				return &b.Size
			}
			return nil
		}, formatInt32, parseInt32),
	ptrField(EnvDeliveryBatchLinger, "delivery.batch.linger", "give a Go duration such as 5ms",
		func(c *Config, alloc bool) **metav1.Duration {
			if b := batch(c, alloc); b != nil {
				return &b.Linger
			}
			return nil
		}, formatDuration, parseDuration),

	// Dead letters (issue 15).
	stringField(EnvDeliveryDeadLetterSinkURI, "delivery.deadLetterSink.uri", "give the http(s) URL dead letters are sent to",
		func(c *Config, alloc bool) *string {
			if dl := deadLetterSink(c, alloc); dl != nil {
				return &dl.URI
			}
			return nil
		}),
	ptrField(EnvDeliveryDeadLetterSinkCACerts, "delivery.deadLetterSink.CACerts", "give a PEM bundle",
		func(c *Config, alloc bool) **string {
			if dl := deadLetterSink(c, alloc); dl != nil {
				return &dl.CACerts
			}
			return nil
		}, identity, parseString),
	ptrField(EnvDeliveryMaxRecordAge, "delivery.maxRecordAge", "give a Go duration such as 1h",
		func(c *Config, alloc bool) **metav1.Duration {
			if d := delivery(c, alloc); d != nil {
				return &d.MaxRecordAge
			}
			return nil
		}, formatDuration, parseDuration),

	ptrField(EnvPollingIdleInterval, "polling.idleInterval", "give a Go duration such as 250ms",
		func(c *Config, alloc bool) **metav1.Duration {
			if p := polling(c, alloc); p != nil {
				return &p.IdleInterval
			}
			return nil
		}, formatDuration, parseDuration),
	ptrField(EnvPollingDiscoveryInterval, "polling.discoveryInterval", "give a Go duration such as 10s",
		func(c *Config, alloc bool) **metav1.Duration {
			if p := polling(c, alloc); p != nil {
				return &p.DiscoveryInterval
			}
			return nil
		}, formatDuration, parseDuration),

	stringField(EnvCheckpointStore, "checkpoint.store", "use file, kubernetes or memory",
		func(c *Config, alloc bool) *string {
			if cp := checkpoint(c, alloc); cp != nil {
				return &cp.Store
			}
			return nil
		}),
	stringField(EnvCheckpointDir, "checkpoint.dir", "give a folder",
		func(c *Config, alloc bool) *string {
			if cp := checkpoint(c, alloc); cp != nil {
				return &cp.Dir
			}
			return nil
		}),

	// The adapter process itself.
	{
		name: EnvMetricsPort, hint: "give a TCP port such as 8080",
		get: func(c *Config) (string, *corev1.SecretKeySelector) {
			if c.MetricsPort == 0 {
				return "", nil
			}
			return formatInt32(c.MetricsPort), nil
		},
		set: func(c *Config, v string) error {
			p, err := strconv.ParseUint(v, 10, 16)
			if err != nil || p == 0 {
				return errNotPort
			}
			c.MetricsPort = int32(p)
			return nil
		},
	},
}

func required(f field) field { f.required = true; return f }

// stringField maps a string field; at returns nil when a parent of the field
// is absent and alloc is false.
func stringField(name, path, hint string, at func(c *Config, alloc bool) *string) field {
	return field{
		name: name, path: path, hint: hint,
		get: func(c *Config) (string, *corev1.SecretKeySelector) {
			if p := at(c, false); p != nil {
				return *p, nil
			}
			return "", nil
		},
		set: func(c *Config, v string) error { *at(c, true) = v; return nil },
	}
}

// ptrField maps an optional field held by pointer, with its text form.
func ptrField[T any](name, path, hint string, at func(c *Config, alloc bool) **T,
	format func(T) string, parse func(string) (T, error)) field {
	return field{
		name: name, path: path, hint: hint,
		get: func(c *Config) (string, *corev1.SecretKeySelector) {
			if p := at(c, false); p != nil && *p != nil {
				return format(**p), nil
			}
			return "", nil
		},
		set: func(c *Config, v string) error {
			x, err := parse(v)
			if err != nil {
				return err
			}
			*at(c, true) = &x
			return nil
		},
	}
}

// credentialField maps a credential: a Secret reference stays a reference
// (the kubelet resolves it), a literal stays literal. The adapter always sees
// a literal.
func credentialField(name, path string, at func(*v1alpha1.AWSSecurityCredentials) *v1alpha1.ValueFromField) field {
	return field{
		name: name, path: path, secret: true,
		get: func(c *Config) (string, *corev1.SecretKeySelector) {
			cr := credentials(c, false)
			if cr == nil {
				return "", nil
			}
			v := at(cr)
			if v.ValueFromSecret != nil {
				return "", v.ValueFromSecret
			}
			return v.Value, nil
		},
		set: func(c *Config, v string) error { at(credentials(c, true)).Value = v; return nil },
	}
}

func credentials(c *Config, alloc bool) *v1alpha1.AWSSecurityCredentials {
	if c.Spec.Auth.Credentials == nil && alloc {
		c.Spec.Auth.Credentials = &v1alpha1.AWSSecurityCredentials{}
	}
	return c.Spec.Auth.Credentials
}

func delivery(c *Config, alloc bool) *v1alpha1.DeliverySpec {
	if c.Spec.Delivery == nil && alloc {
		c.Spec.Delivery = &v1alpha1.DeliverySpec{}
	}
	return c.Spec.Delivery
}

func batch(c *Config, alloc bool) *v1alpha1.BatchSpec {
	d := delivery(c, alloc)
	if d == nil {
		return nil
	}
	if d.Batch == nil && alloc {
		d.Batch = &v1alpha1.BatchSpec{}
	}
	return d.Batch
}

func deadLetterSink(c *Config, alloc bool) *v1alpha1.Destination {
	d := delivery(c, alloc)
	if d == nil {
		return nil
	}
	if d.DeadLetterSink == nil && alloc {
		d.DeadLetterSink = &v1alpha1.Destination{}
	}
	return d.DeadLetterSink
}

func polling(c *Config, alloc bool) *v1alpha1.PollingSpec {
	if c.Spec.Polling == nil && alloc {
		c.Spec.Polling = &v1alpha1.PollingSpec{}
	}
	return c.Spec.Polling
}

func checkpoint(c *Config, alloc bool) *v1alpha1.CheckpointSpec {
	if c.Spec.Checkpoint == nil && alloc {
		c.Spec.Checkpoint = &v1alpha1.CheckpointSpec{}
	}
	return c.Spec.Checkpoint
}

type parseError string

func (e parseError) Error() string { return string(e) }

const (
	errNotPort     = parseError("not a TCP port")
	errNotInt32    = parseError("not a whole number")
	errNotDuration = parseError("not a duration")
	errNotTime     = parseError("not an RFC 3339 time")
)

func identity(s string) string             { return s }
func parseString(s string) (string, error) { return s, nil }

func formatInt32(n int32) string { return strconv.FormatInt(int64(n), 10) }

func parseInt32(s string) (int32, error) {
	n, err := strconv.ParseInt(s, 10, 32)
	if err != nil {
		return 0, errNotInt32
	}
	return int32(n), nil
}

func formatDuration(d metav1.Duration) string { return d.Duration.String() }

func parseDuration(s string) (metav1.Duration, error) {
	d, err := time.ParseDuration(s)
	if err != nil {
		return metav1.Duration{}, errNotDuration
	}
	return metav1.Duration{Duration: d}, nil
}

func formatTime(t metav1.Time) string { return t.UTC().Format(time.RFC3339Nano) }

func parseTime(s string) (metav1.Time, error) {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return metav1.Time{}, errNotTime
	}
	return metav1.NewTime(t), nil
}

func formatOverrides(o v1alpha1.CloudEventOverrides) string {
	if len(o.Extensions) == 0 {
		return ""
	}
	b, _ := json.Marshal(o) // a map of strings always marshals
	return string(b)
}

func parseOverrides(s string) (v1alpha1.CloudEventOverrides, error) {
	var o v1alpha1.CloudEventOverrides
	d := json.NewDecoder(bytes.NewReader([]byte(s)))
	d.DisallowUnknownFields()
	if err := d.Decode(&o); err != nil {
		return o, parseError("not JSON of the form {\"extensions\":{...}}: " + err.Error())
	}
	return o, nil
}
