package adapterenv

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/dynamodb-source/dynamodb-source/api/v1alpha1"
	"github.com/dynamodb-source/dynamodb-source/internal/schema"
)

const tableARN = "arn:aws:dynamodb:us-west-2:123456789012:table/triggermeshtest"

func ptr[T any](v T) *T { return &v }

func secretRef(name, key string) *corev1.SecretKeySelector {
	return &corev1.SecretKeySelector{LocalObjectReference: corev1.LocalObjectReference{Name: name}, Key: key}
}

func source(spec v1alpha1.AWSDynamoDBSourceSpec) *v1alpha1.AWSDynamoDBSource {
	return &v1alpha1.AWSDynamoDBSource{
		ObjectMeta: metav1.ObjectMeta{Name: "sample", Namespace: "ns"},
		Spec:       spec,
	}
}

// fullSpec sets every field the adapter environment carries.
func fullSpec() v1alpha1.AWSDynamoDBSourceSpec {
	return v1alpha1.AWSDynamoDBSourceSpec{
		ARN: tableARN,
		Auth: v1alpha1.AWSAuth{Credentials: &v1alpha1.AWSSecurityCredentials{
			AccessKeyID:     v1alpha1.ValueFromField{Value: "AKIDEXAMPLE"},
			SecretAccessKey: v1alpha1.ValueFromField{Value: "wJalrXUtnFEMI"},
			SessionToken:    v1alpha1.ValueFromField{Value: "token"},
			AssumeIAMRole:   "arn:aws:iam::123456789012:role/reader",
		}},
		Sink:                v1alpha1.Destination{URI: "http://sink.ns.svc.cluster.local", CACerts: ptr("-----BEGIN CERTIFICATE-----\n")},
		CloudEventOverrides: &v1alpha1.CloudEventOverrides{Extensions: map[string]string{"team": "data", "env": "prod"}},
		Endpoint:            &v1alpha1.Endpoint{URL: "http://localhost:8000"},
		StartingPosition:    v1alpha1.StartingPositionAtTimestamp,
		StartingTimestamp:   ptr(metav1.NewTime(time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC))),
		Delivery: &v1alpha1.DeliverySpec{
			Parallelism:    ptr(int32(8)),
			Timeout:        &metav1.Duration{Duration: 5 * time.Second},
			Retries:        ptr(int32(3)),
			Batch:          &v1alpha1.BatchSpec{Size: ptr(int32(100)), Linger: &metav1.Duration{Duration: 20 * time.Millisecond}},
			DeadLetterSink: &v1alpha1.Destination{URI: "https://dlq.example/in", CACerts: ptr("-----BEGIN CERTIFICATE-----\nDLQ\n")},
			MaxRecordAge:   &metav1.Duration{Duration: time.Hour},
		},
		Polling: &v1alpha1.PollingSpec{
			IdleInterval:      &metav1.Duration{Duration: 100 * time.Millisecond},
			DiscoveryInterval: &metav1.Duration{Duration: 30 * time.Second},
		},
		Checkpoint: &v1alpha1.CheckpointSpec{Store: v1alpha1.CheckpointStoreFile, Dir: "/var/lib/ckpt"},
	}
}

func TestFromSpec(t *testing.T) {
	tests := []struct {
		name    string
		spec    v1alpha1.AWSDynamoDBSourceSpec
		sinkURI string
		want    []corev1.EnvVar
	}{{
		name:    "only set fields produce variables",
		spec:    v1alpha1.AWSDynamoDBSourceSpec{ARN: tableARN},
		sinkURI: "http://sink",
		want: []corev1.EnvVar{
			{Name: "NAMESPACE", Value: "ns"},
			{Name: "NAME", Value: "sample"},
			{Name: "ARN", Value: tableARN},
			{Name: "K_SINK", Value: "http://sink"},
		},
	}, {
		name: "credentials from Secrets become secretKeyRefs, never values",
		spec: v1alpha1.AWSDynamoDBSourceSpec{ARN: tableARN, Auth: v1alpha1.AWSAuth{Credentials: &v1alpha1.AWSSecurityCredentials{
			AccessKeyID:     v1alpha1.ValueFromField{ValueFromSecret: secretRef("awscreds", "aws_access_key_id")},
			SecretAccessKey: v1alpha1.ValueFromField{ValueFromSecret: secretRef("awscreds", "aws_secret_access_key")},
			SessionToken:    v1alpha1.ValueFromField{ValueFromSecret: secretRef("awscreds", "aws_session_token")},
		}}},
		sinkURI: "http://sink",
		want: []corev1.EnvVar{
			{Name: "NAMESPACE", Value: "ns"},
			{Name: "NAME", Value: "sample"},
			{Name: "ARN", Value: tableARN},
			{Name: "K_SINK", Value: "http://sink"},
			{Name: "AWS_ACCESS_KEY_ID", ValueFrom: &corev1.EnvVarSource{SecretKeyRef: secretRef("awscreds", "aws_access_key_id")}},
			{Name: "AWS_SECRET_ACCESS_KEY", ValueFrom: &corev1.EnvVarSource{SecretKeyRef: secretRef("awscreds", "aws_secret_access_key")}},
			{Name: "AWS_SESSION_TOKEN", ValueFrom: &corev1.EnvVarSource{SecretKeyRef: secretRef("awscreds", "aws_session_token")}},
		},
	}, {
		name: "a Secret reference wins over a literal given beside it",
		spec: v1alpha1.AWSDynamoDBSourceSpec{ARN: tableARN, Auth: v1alpha1.AWSAuth{Credentials: &v1alpha1.AWSSecurityCredentials{
			AccessKeyID: v1alpha1.ValueFromField{Value: "literal", ValueFromSecret: secretRef("awscreds", "id")},
		}}},
		want: []corev1.EnvVar{
			{Name: "NAMESPACE", Value: "ns"},
			{Name: "NAME", Value: "sample"},
			{Name: "ARN", Value: tableARN},
			{Name: "AWS_ACCESS_KEY_ID", ValueFrom: &corev1.EnvVarSource{SecretKeyRef: secretRef("awscreds", "id")}},
		},
	}, {
		name: "the resolved sink replaces sink.ref and sink.uri",
		spec: v1alpha1.AWSDynamoDBSourceSpec{ARN: tableARN, Sink: v1alpha1.Destination{
			Ref: &v1alpha1.KReference{APIVersion: "eventing.triggermesh.io/v1alpha1", Kind: "RedisBroker", Name: "triggermesh"},
		}},
		sinkURI: "http://triggermesh-rb-broker.ns.svc.cluster.local",
		want: []corev1.EnvVar{
			{Name: "NAMESPACE", Value: "ns"},
			{Name: "NAME", Value: "sample"},
			{Name: "ARN", Value: tableARN},
			{Name: "K_SINK", Value: "http://triggermesh-rb-broker.ns.svc.cluster.local"},
		},
	}, {
		name:    "every field, literal credentials stay literal",
		spec:    fullSpec(),
		sinkURI: "https://resolved",
		want: []corev1.EnvVar{
			{Name: "NAMESPACE", Value: "ns"},
			{Name: "NAME", Value: "sample"},
			{Name: "ARN", Value: tableARN},
			{Name: "K_SINK", Value: "https://resolved"},
			{Name: "K_CA_CERTS", Value: "-----BEGIN CERTIFICATE-----\n"},
			{Name: "K_CE_OVERRIDES", Value: `{"extensions":{"env":"prod","team":"data"}}`},
			{Name: "AWS_ACCESS_KEY_ID", Value: "AKIDEXAMPLE"},
			{Name: "AWS_SECRET_ACCESS_KEY", Value: "wJalrXUtnFEMI"},
			{Name: "AWS_SESSION_TOKEN", Value: "token"},
			{Name: "AWS_ASSUME_ROLE_ARN", Value: "arn:aws:iam::123456789012:role/reader"},
			{Name: "ENDPOINT_URL", Value: "http://localhost:8000"},
			{Name: "STARTING_POSITION", Value: "AT_TIMESTAMP"},
			{Name: "STARTING_TIMESTAMP", Value: "2024-05-01T12:00:00Z"},
			{Name: "DELIVERY_PARALLELISM", Value: "8"},
			{Name: "DELIVERY_TIMEOUT", Value: "5s"},
			{Name: "DELIVERY_RETRIES", Value: "3"},
			{Name: "DELIVERY_BATCH_SIZE", Value: "100"},
			{Name: "DELIVERY_BATCH_LINGER", Value: "20ms"},
			{Name: "DELIVERY_DEAD_LETTER_SINK_URI", Value: "https://dlq.example/in"},
			{Name: "DELIVERY_DEAD_LETTER_SINK_CACERTS", Value: "-----BEGIN CERTIFICATE-----\nDLQ\n"},
			{Name: "DELIVERY_MAX_RECORD_AGE", Value: "1h0m0s"},
			{Name: "POLLING_IDLE_INTERVAL", Value: "100ms"},
			{Name: "POLLING_DISCOVERY_INTERVAL", Value: "30s"},
			{Name: "CHECKPOINT_STORE", Value: "file"},
			{Name: "CHECKPOINT_DIR", Value: "/var/lib/ckpt"},
		},
	}, {
		name: "empty overrides produce no variable",
		spec: v1alpha1.AWSDynamoDBSourceSpec{ARN: tableARN, CloudEventOverrides: &v1alpha1.CloudEventOverrides{}},
		want: []corev1.EnvVar{
			{Name: "NAMESPACE", Value: "ns"},
			{Name: "NAME", Value: "sample"},
			{Name: "ARN", Value: tableARN},
		},
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			src := source(tt.spec)
			before := src.DeepCopy()
			got := FromSpec(src, tt.sinkURI)
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("FromSpec() (-want +got):\n%s", diff)
			}
			if !equality.Semantic.DeepEqual(before, src) {
				t.Error("FromSpec changed its argument")
			}
		})
	}
}

// Our extensions are named by a rule, not one by one: the upper snake case of
// the field's dotted JSON path. TriggerMesh's names are kept as they were.
func TestExtensionNamesFollowTheirJSONPath(t *testing.T) {
	triggermesh := []string{EnvARN, EnvSink, EnvCACerts, EnvCEOverrides, EnvAccessKeyID, EnvSecretAccessKey,
		EnvSessionToken, EnvAssumeRoleARN, EnvNamespace, EnvName}
	seen := map[string]bool{}
	for _, f := range schema.EnvFields() {
		name := f.EnvName()
		if seen[name] {
			t.Errorf("%s appears twice in the table", name)
		}
		seen[name] = true
		if f.Process || slices.Contains(triggermesh, name) {
			continue
		}
		if want := EnvNameOf(f.Path); name != want {
			t.Errorf("field %s is named %s, the rule gives %s", f.Path, name, want)
		}
	}
	for path, want := range map[string]string{
		"endpoint.url":              "ENDPOINT_URL",
		"startingPosition":          "STARTING_POSITION",
		"polling.discoveryInterval": "POLLING_DISCOVERY_INTERVAL",
		"metrics.port":              "METRICS_PORT",
	} {
		if got := EnvNameOf(path); got != want {
			t.Errorf("EnvNameOf(%q) = %q, want %q", path, got, want)
		}
	}
}

func lookupMap(m map[string]string) func(string) (string, bool) {
	return func(k string) (string, bool) { v, ok := m[k]; return v, ok }
}

func TestToSpec(t *testing.T) {
	tests := []struct {
		name    string
		env     map[string]string
		want    v1alpha1.AWSDynamoDBSourceSpec
		wantErr []string // substrings; each must appear
	}{{
		name: "minimal environment",
		env:  map[string]string{"ARN": tableARN, "K_SINK": "http://sink"},
		want: v1alpha1.AWSDynamoDBSourceSpec{ARN: tableARN, Sink: v1alpha1.Destination{URI: "http://sink"}},
	}, {
		name: "empty variables count as unset",
		env:  map[string]string{"ARN": tableARN, "DELIVERY_TIMEOUT": "", "CHECKPOINT_STORE": ""},
		want: v1alpha1.AWSDynamoDBSourceSpec{ARN: tableARN},
	}, {
		name: "credentials read from the environment are literal values",
		env:  map[string]string{"ARN": tableARN, "AWS_ACCESS_KEY_ID": "id", "AWS_SECRET_ACCESS_KEY": "secret"},
		want: v1alpha1.AWSDynamoDBSourceSpec{ARN: tableARN, Auth: v1alpha1.AWSAuth{Credentials: &v1alpha1.AWSSecurityCredentials{
			AccessKeyID: v1alpha1.ValueFromField{Value: "id"}, SecretAccessKey: v1alpha1.ValueFromField{Value: "secret"},
		}}},
	}, {
		name:    "the table ARN is required",
		env:     map[string]string{"K_SINK": "http://sink"},
		wantErr: []string{"ARN is not set"},
	}, {
		name: "malformed values are errors naming their variable, all at once",
		env: map[string]string{
			"ARN":                        tableARN,
			"DELIVERY_PARALLELISM":       "many",
			"DELIVERY_TIMEOUT":           "30",
			"DELIVERY_RETRIES":           "9999999999",
			"POLLING_IDLE_INTERVAL":      "fast",
			"POLLING_DISCOVERY_INTERVAL": "-",
			"STARTING_TIMESTAMP":         "yesterday",
			"K_CE_OVERRIDES":             `{"team":"data"}`,
			"METRICS_PORT":               "99999",
		},
		wantErr: []string{
			`reading DELIVERY_PARALLELISM="many": not a whole number`,
			`reading DELIVERY_TIMEOUT="30": not a duration: give a Go duration such as 30s`,
			`reading DELIVERY_RETRIES="9999999999": not a whole number`,
			`reading POLLING_IDLE_INTERVAL="fast"`,
			`reading POLLING_DISCOVERY_INTERVAL="-"`,
			`reading STARTING_TIMESTAMP="yesterday": not an RFC 3339 time`,
			`reading K_CE_OVERRIDES=`,
			`reading METRICS_PORT="99999": not a TCP port`,
		},
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ToSpec(lookupMap(tt.env))
			if len(tt.wantErr) > 0 {
				if err == nil {
					t.Fatal("ToSpec() succeeded, want an error")
				}
				for _, s := range tt.wantErr {
					if !strings.Contains(err.Error(), s) {
						t.Errorf("error %q does not contain %q", err, s)
					}
				}
				return
			}
			if err != nil {
				t.Fatalf("ToSpec() = %v", err)
			}
			if !equality.Semantic.DeepEqual(tt.want, got) {
				t.Errorf("ToSpec() (-want +got):\n%s", cmp.Diff(tt.want, got))
			}
		})
	}
}

// What the controller writes, the adapter reads back unchanged: every field
// the environment carries survives FromSpec then ToSpec.
func TestRoundTrip(t *testing.T) {
	specs := map[string]v1alpha1.AWSDynamoDBSourceSpec{
		"minimal":     {ARN: tableARN, Sink: v1alpha1.Destination{URI: "http://sink"}},
		"every field": fullSpec(),
	}
	for name, spec := range specs {
		t.Run(name, func(t *testing.T) {
			src := source(spec)
			env := map[string]string{}
			for _, e := range FromSpec(src, spec.Sink.URI) {
				if e.ValueFrom != nil {
					t.Fatalf("%s is a reference in a spec of literals", e.Name)
				}
				env[e.Name] = e.Value
			}
			c, err := ToConfig(lookupMap(env))
			if err != nil {
				t.Fatalf("ToConfig() = %v", err)
			}
			if !equality.Semantic.DeepEqual(spec, c.Spec) {
				t.Errorf("round trip changed the spec (-want +got):\n%s", cmp.Diff(spec, c.Spec))
			}
			if c.Name != "sample" || c.Namespace != "ns" {
				t.Errorf("round trip gave name %q, namespace %q", c.Name, c.Namespace)
			}
		})
	}
}

func TestMetricsPortRoundTrip(t *testing.T) {
	env := FromConfig(Config{Spec: v1alpha1.AWSDynamoDBSourceSpec{ARN: tableARN}, MetricsPort: 8080})
	m := map[string]string{}
	for _, e := range env {
		m[e.Name] = e.Value
	}
	if m[EnvMetricsPort] != "8080" {
		t.Fatalf("METRICS_PORT = %q, want 8080", m[EnvMetricsPort])
	}
	c, err := ToConfig(lookupMap(m))
	if err != nil || c.MetricsPort != 8080 {
		t.Fatalf("ToConfig() = %d, %v; want 8080", c.MetricsPort, err)
	}
}

// The names callers use are variables the adapter reads: a constant left
// behind by a renamed row would name nothing.
func TestConstantsNameVariablesOfTheTable(t *testing.T) {
	for _, name := range []string{EnvARN, EnvSink, EnvCACerts, EnvCEOverrides, EnvAccessKeyID, EnvSecretAccessKey,
		EnvSessionToken, EnvAssumeRoleARN, EnvNamespace, EnvName, EnvEndpointURL, EnvStartingPosition,
		EnvStartingTimestamp, EnvDeliveryParallelism, EnvDeliveryTimeout, EnvDeliveryRetries, EnvDeliveryBatchSize,
		EnvDeliveryBatchLinger, EnvPollingIdleInterval, EnvPollingDiscoveryInterval, EnvCheckpointStore,
		EnvCheckpointDir, EnvMetricsPort} {
		if !slices.Contains(Names(), name) {
			t.Errorf("%s is no variable of the table", name)
		}
	}
}

// METRICS_PORT=0 means no metrics server, as --metrics-port 0 does on the
// command line: one meaning for both.
func TestMetricsPortZeroMeansOff(t *testing.T) {
	c, err := ToConfig(lookupMap(map[string]string{"ARN": tableARN, EnvMetricsPort: "0"}))
	if err != nil {
		t.Fatalf("ToConfig(METRICS_PORT=0) = %v, want no error", err)
	}
	if c.MetricsPort != 0 {
		t.Fatalf("METRICS_PORT=0 gave port %d, want 0 (off)", c.MetricsPort)
	}
	for _, e := range FromConfig(c) {
		if e.Name == EnvMetricsPort {
			t.Errorf("an off metrics server renders %s=%q, want no variable", e.Name, e.Value)
		}
	}
}
