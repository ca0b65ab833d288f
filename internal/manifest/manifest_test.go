package manifest

import (
	"bytes"
	"errors"
	"io"
	"os"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/types"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/dynamodb-source/dynamodb-source/api/v1alpha1"
	"github.com/dynamodb-source/dynamodb-source/internal/controller"
	"github.com/dynamodb-source/dynamodb-source/internal/testutil/kubetest"
)

func TestMain(m *testing.M) { os.Exit(kubetest.Main(m)) }

const tableARN = "arn:aws:dynamodb:us-west-2:123456789012:table/Orders_2024"

func ref(name, key string) *corev1.SecretKeySelector {
	return &corev1.SecretKeySelector{LocalObjectReference: corev1.LocalObjectReference{Name: name}, Key: key}
}

// spec is what `create source awsdynamodb --arn ... --auth.credentials.accessKeyID ...` parses.
func spec() v1alpha1.AWSDynamoDBSourceSpec {
	return v1alpha1.AWSDynamoDBSourceSpec{
		ARN: tableARN,
		Auth: v1alpha1.AWSAuth{Credentials: &v1alpha1.AWSSecurityCredentials{
			AccessKeyID:     v1alpha1.ValueFromField{Value: "AKIDEXAMPLE"},
			SecretAccessKey: v1alpha1.ValueFromField{Value: "wJalrXUtnFEMI/K7MDENG"},
		}},
		Sink:             v1alpha1.Destination{URI: "http://display.default.svc.cluster.local"},
		StartingPosition: "TRIM_HORIZON",
		Delivery:         &v1alpha1.DeliverySpec{Timeout: &metav1.Duration{Duration: 10e9}},
	}
}

func TestBuild(t *testing.T) {
	tests := []struct {
		name       string
		spec       func() v1alpha1.AWSDynamoDBSourceSpec
		wantSecret map[string]string // nil: no Secret
		wantCreds  *v1alpha1.AWSSecurityCredentials
	}{{
		name:       "literal credentials move into a Secret the source refers to",
		spec:       spec,
		wantSecret: map[string]string{"aws_access_key_id": "AKIDEXAMPLE", "aws_secret_access_key": "wJalrXUtnFEMI/K7MDENG"},
		wantCreds: &v1alpha1.AWSSecurityCredentials{
			AccessKeyID:     v1alpha1.ValueFromField{ValueFromSecret: ref("orders-awscreds", "aws_access_key_id")},
			SecretAccessKey: v1alpha1.ValueFromField{ValueFromSecret: ref("orders-awscreds", "aws_secret_access_key")},
		},
	}, {
		name: "a session token goes with them; assumeIamRole stays in the source",
		spec: func() v1alpha1.AWSDynamoDBSourceSpec {
			s := spec()
			s.Auth.Credentials.SessionToken = v1alpha1.ValueFromField{Value: "token"}
			s.Auth.Credentials.AssumeIAMRole = "arn:aws:iam::123456789012:role/reader"
			return s
		},
		wantSecret: map[string]string{"aws_access_key_id": "AKIDEXAMPLE", "aws_secret_access_key": "wJalrXUtnFEMI/K7MDENG", "aws_session_token": "token"},
		wantCreds: &v1alpha1.AWSSecurityCredentials{
			AccessKeyID:     v1alpha1.ValueFromField{ValueFromSecret: ref("orders-awscreds", "aws_access_key_id")},
			SecretAccessKey: v1alpha1.ValueFromField{ValueFromSecret: ref("orders-awscreds", "aws_secret_access_key")},
			SessionToken:    v1alpha1.ValueFromField{ValueFromSecret: ref("orders-awscreds", "aws_session_token")},
			AssumeIAMRole:   "arn:aws:iam::123456789012:role/reader",
		},
	}, {
		name: "references to an existing Secret stay as they are, with no new Secret",
		spec: func() v1alpha1.AWSDynamoDBSourceSpec {
			s := spec()
			s.Auth.Credentials.AccessKeyID = v1alpha1.ValueFromField{ValueFromSecret: ref("awscreds", "aws_access_key_id")}
			s.Auth.Credentials.SecretAccessKey = v1alpha1.ValueFromField{ValueFromSecret: ref("awscreds", "aws_secret_access_key")}
			return s
		},
		wantCreds: &v1alpha1.AWSSecurityCredentials{
			AccessKeyID:     v1alpha1.ValueFromField{ValueFromSecret: ref("awscreds", "aws_access_key_id")},
			SecretAccessKey: v1alpha1.ValueFromField{ValueFromSecret: ref("awscreds", "aws_secret_access_key")},
		},
	}, {
		name: "no credentials (IRSA, default chain): no Secret",
		spec: func() v1alpha1.AWSDynamoDBSourceSpec {
			s := spec()
			s.Auth = v1alpha1.AWSAuth{IAM: &v1alpha1.AWSIAM{RoleArn: "arn:aws:iam::123456789012:role/dev-role"}}
			return s
		},
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := tt.spec()
			before := *in.DeepCopy()
			m, err := Build(in, "orders", "events")
			if err != nil {
				t.Fatal(err)
			}
			if !equality.Semantic.DeepEqual(before, in) {
				t.Error("Build changed its argument")
			}
			if tt.wantSecret == nil {
				if m.Secret != nil {
					t.Errorf("Secret %+v, want none", m.Secret)
				}
			} else {
				if m.Secret == nil || m.Secret.Name != "orders-awscreds" || m.Secret.Namespace != "events" {
					t.Fatalf("Secret %+v", m.Secret)
				}
				if diff := cmp.Diff(tt.wantSecret, m.Secret.StringData); diff != "" {
					t.Errorf("Secret data (-want +got):\n%s", diff)
				}
			}
			if diff := cmp.Diff(tt.wantCreds, m.Source.Spec.Auth.Credentials); diff != "" {
				t.Errorf("credentials (-want +got):\n%s", diff)
			}
			// Everything else of the spec is kept.
			got := m.Source.Spec.DeepCopy()
			got.Auth, before.Auth = v1alpha1.AWSAuth{}, v1alpha1.AWSAuth{}
			if !equality.Semantic.DeepEqual(before, *got) {
				t.Errorf("spec changed (-want +got):\n%s", cmp.Diff(before, *got))
			}
		})
	}
}

func TestBuildRefuses(t *testing.T) {
	tests := []struct {
		name, source, namespace string
		spec                    func() v1alpha1.AWSDynamoDBSourceSpec
		want                    string
	}{
		{name: "a source without a sink", source: "orders", spec: func() v1alpha1.AWSDynamoDBSourceSpec {
			s := spec()
			s.Sink = v1alpha1.Destination{}
			return s
		}, want: "needs a sink"},
		{name: "a name Kubernetes refuses", source: "Orders_2024", spec: spec, want: "not a Kubernetes name"},
		{name: "a namespace Kubernetes refuses", source: "orders", namespace: "Events", spec: spec, want: "not a Kubernetes namespace"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Build(tt.spec(), tt.source, tt.namespace)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Build() = %v, want an error containing %q", err, tt.want)
			}
		})
	}
}

func TestDefaultName(t *testing.T) {
	for arn, want := range map[string]string{
		tableARN: "orders-2024",
		"arn:aws:dynamodb:us-west-2:123456789012:table/triggermeshtest": "triggermeshtest",
		"arn:aws:dynamodb:us-west-2:123456789012:table/..._":            "awsdynamodbsource",
		"not an arn": "awsdynamodbsource",
	} {
		if got := DefaultName(arn); got != want {
			t.Errorf("DefaultName(%q) = %q, want %q", arn, got, want)
		}
	}
}

// decode splits a YAML stream into objects.
func decode(t *testing.T, b []byte) []*unstructured.Unstructured {
	t.Helper()
	d := utilyaml.NewYAMLOrJSONDecoder(bytes.NewReader(b), 4096)
	var out []*unstructured.Unstructured
	for {
		u := &unstructured.Unstructured{}
		if err := d.Decode(&u.Object); err != nil {
			if errors.Is(err, io.EOF) {
				return out
			}
			t.Fatalf("decoding the dump: %v\n%s", err, b)
		}
		if len(u.Object) > 0 {
			out = append(out, u)
		}
	}
}

func TestYAML(t *testing.T) {
	out, err := Render(spec(), "orders", "")
	if err != nil {
		t.Fatal(err)
	}
	s := string(out)
	for _, unwanted := range []string{"creationTimestamp", "status:", "namespace:", "{}"} {
		if strings.Contains(s, unwanted) {
			t.Errorf("dump has %q:\n%s", unwanted, s)
		}
	}
	objs := decode(t, out)
	if len(objs) != 2 || objs[0].GetKind() != "Secret" || objs[1].GetKind() != "AWSDynamoDBSource" {
		t.Fatalf("dump holds %d objects, want the Secret then the source:\n%s", len(objs), s)
	}
	if strings.Count(s, "wJalrXUtnFEMI/K7MDENG") != 1 {
		t.Errorf("the secret key is not in the Secret alone:\n%s", s)
	}
}

// The dump applies to a real API server as it is: the CRD accepts the
// source, and the Secret holds what the adapter will read.
func TestDumpApplies(t *testing.T) {
	env := kubetest.Get(t)
	c, err := client.New(env.Config, client.Options{Scheme: controller.Scheme()})
	if err != nil {
		t.Fatal(err)
	}
	ctx := t.Context()
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{GenerateName: "dump-"}}
	if err := c.Create(ctx, ns); err != nil {
		t.Fatal(err)
	}
	in := spec()
	in.Auth.Credentials.SessionToken = v1alpha1.ValueFromField{Value: "token"}
	in.Sink = v1alpha1.Destination{Ref: &v1alpha1.KReference{APIVersion: "eventing.knative.dev/v1", Kind: "Broker", Name: "default"}}
	out, err := Render(in, "orders", ns.Name)
	if err != nil {
		t.Fatal(err)
	}
	for _, u := range decode(t, out) {
		// What `kubectl apply` does: server-side apply of each object.
		if err := c.Apply(ctx, client.ApplyConfigurationFromUnstructured(u), client.FieldOwner("kubectl")); err != nil {
			t.Fatalf("applying %s %s: %v\n%s", u.GetKind(), u.GetName(), err, out)
		}
	}
	var src v1alpha1.AWSDynamoDBSource
	if err := c.Get(ctx, types.NamespacedName{Namespace: ns.Name, Name: "orders"}, &src); err != nil {
		t.Fatal(err)
	}
	want, _ := Build(in, "orders", ns.Name)
	if !equality.Semantic.DeepEqual(want.Source.Spec, src.Spec) {
		t.Errorf("applied spec differs (-want +got):\n%s", cmp.Diff(want.Source.Spec, src.Spec))
	}
	var sec corev1.Secret
	if err := c.Get(ctx, types.NamespacedName{Namespace: ns.Name, Name: "orders-awscreds"}, &sec); err != nil {
		t.Fatal(err)
	}
	if string(sec.Data["aws_session_token"]) != "token" || string(sec.Data["aws_access_key_id"]) != "AKIDEXAMPLE" {
		t.Errorf("Secret data %v", sec.Data)
	}
}
