package resources

import (
	"slices"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/dynamodb-source/dynamodb-source/api/v1alpha1"
	"github.com/dynamodb-source/dynamodb-source/internal/adapterenv"
)

func TestCheckEnvOverrides(t *testing.T) {
	tests := []struct {
		name   string
		env    []corev1.EnvVar
		refuse []string // names the message must give; none: accepted
	}{
		{name: "AWS SDK variables are refused: they move credentials and endpoints", env: []corev1.EnvVar{
			{Name: "AWS_CONTAINER_CREDENTIALS_FULL_URI", Value: "http://evil"}, {Name: "AWS_CA_BUNDLE", Value: "/x"}, {Name: "AWS_REGION", Value: "eu-west-1"}},
			refuse: []string{"AWS_CONTAINER_CREDENTIALS_FULL_URI", "AWS_CA_BUNDLE", "AWS_REGION"}},
		{name: "proxies are refused in any case", env: []corev1.EnvVar{
			{Name: "HTTPS_PROXY", Value: "http://evil"}, {Name: "http_proxy", Value: "http://evil"}, {Name: "No_Proxy", Value: "internal.example"}},
			refuse: []string{"HTTPS_PROXY", "http_proxy", "No_Proxy"}},
		{name: "GODEBUG is refused: http2debug logs the Authorization header", env: []corev1.EnvVar{{Name: "GODEBUG", Value: "http2debug=2"}},
			refuse: []string{"GODEBUG"}},
		{name: "TLS roots are refused", env: []corev1.EnvVar{{Name: "SSL_CERT_FILE", Value: "/x"}, {Name: "SSL_CERT_DIR", Value: "/y"}},
			refuse: []string{"SSL_CERT_FILE", "SSL_CERT_DIR"}},
		{name: "the Knative contract is refused", env: []corev1.EnvVar{{Name: "K_SINK", Value: "http://evil"}, {Name: "K_ANYTHING", Value: "x"}},
			refuse: []string{"K_SINK", "K_ANYTHING"}},
		{name: "the adapter's own variables are refused", env: []corev1.EnvVar{
			{Name: "ENDPOINT_URL", Value: "http://evil"}, {Name: "CHECKPOINT_STORE", Value: "memory"}, {Name: "NAMESPACE", Value: "other"}},
			refuse: []string{"ENDPOINT_URL", "CHECKPOINT_STORE", "NAMESPACE"}},
		{name: "valueFrom is refused whatever the name", env: []corev1.EnvVar{{Name: "MINE", ValueFrom: &corev1.EnvVarSource{
			SecretKeyRef: &corev1.SecretKeySelector{LocalObjectReference: corev1.LocalObjectReference{Name: "other-team"}, Key: "k"}}}},
			refuse: []string{"MINE", "valueFrom"}},
		{name: "the collector's tuning stays allowed: it is the pod's own", env: []corev1.EnvVar{{Name: "GOGC", Value: "100"}, {Name: "GOMEMLIMIT", Value: "200MiB"}}},
		{name: "other literal variables are allowed", env: []corev1.EnvVar{{Name: "TZ", Value: "UTC"}, {Name: "PROXY_MODE", Value: "x"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := CheckEnvOverrides(tt.env)
			if len(tt.refuse) == 0 {
				if r != nil {
					t.Fatalf("refused: %s", r.Message)
				}
				return
			}
			if r == nil || r.Reason != ReasonAdapterEnvRefused {
				t.Fatalf("refusal %+v, want %s", r, ReasonAdapterEnvRefused)
			}
			for _, n := range append(tt.refuse, "spec.adapterOverrides.env", "remove") {
				if !strings.Contains(r.Message, n) {
					t.Errorf("message %q does not name %s", r.Message, n)
				}
			}
			for _, e := range tt.env {
				if e.Value != "" && strings.Contains(r.Message, e.Value) {
					t.Errorf("message %q echoes the value %q", r.Message, e.Value)
				}
			}
		})
	}
}

// Every variable the controller renders for a spec with every field set is
// reserved: adapterOverrides.env can replace none of them.
func TestEveryRenderedVariableIsReserved(t *testing.T) {
	d := func(s string) *metav1.Duration { v, _ := time.ParseDuration(s); return &metav1.Duration{Duration: v} }
	i := func(v int32) *int32 { return &v }
	ca := "pem"
	src := source(func(s *v1alpha1.AWSDynamoDBSource) {
		s.Spec.Auth.Credentials.SessionToken = v1alpha1.ValueFromField{Value: "t"}
		s.Spec.Auth.Credentials.AssumeIAMRole = "arn:aws:iam::123456789012:role/r"
		s.Spec.Sink.CACerts = &ca
		s.Spec.CloudEventOverrides = &v1alpha1.CloudEventOverrides{Extensions: map[string]string{"a": "b"}}
		s.Spec.Endpoint = &v1alpha1.Endpoint{URL: "http://localhost:8000"}
		s.Spec.StartingPosition = v1alpha1.StartingPositionAtTimestamp
		s.Spec.StartingTimestamp = &metav1.Time{Time: time.Now()}
		s.Spec.Delivery = &v1alpha1.DeliverySpec{Parallelism: i(2), Timeout: d("1s"), Retries: i(3),
			Batch: &v1alpha1.BatchSpec{Size: i(10), Linger: d("1ms")}}
		s.Spec.Polling = &v1alpha1.PollingSpec{IdleInterval: d("1s"), DiscoveryInterval: d("10s")}
		s.Spec.Checkpoint = &v1alpha1.CheckpointSpec{Store: "file", Dir: "/d"}
	})
	rendered := Env(src, "http://sink")
	if len(rendered) < len(adapterenv.Names())/2 {
		t.Fatalf("only %d variables rendered: the spec above is not fully set", len(rendered))
	}
	for _, e := range rendered {
		if reserved, _ := ReservedEnv(e.Name); !reserved {
			t.Errorf("%s is rendered by the controller and not reserved: adapterOverrides.env could replace it", e.Name)
		}
	}
	for _, n := range adapterenv.Names() {
		if reserved, _ := ReservedEnv(n); !reserved {
			t.Errorf("the adapter reads %s and it is not reserved", n)
		}
	}
	if !slices.ContainsFunc(rendered, func(e corev1.EnvVar) bool { return e.Name == adapterenv.EnvMetricsPort }) {
		t.Error("METRICS_PORT not rendered")
	}
}
