package controller

import (
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/yaml"

	"github.com/dynamodb-source/dynamodb-source/api/v1alpha1"
)

// The CRD refuses a credential given neither as value nor as
// valueFromSecret, or as both, as TriggerMesh's oneOf did, naming the
// field; TriggerMesh's own end-to-end test sends "accessKeyID: {}".
func TestCRDRefusesACredentialWithoutExactlyOneSource(t *testing.T) {
	h := start(t)
	cases := []struct {
		name        string
		credentials string
		wantErr     string // "" means accepted
	}{
		{"an empty access key ID is refused", `{accessKeyID: {}, secretAccessKey: {value: s}}`, "spec.auth.credentials.accessKeyID"},
		{"an empty secret access key is refused", `{accessKeyID: {value: a}, secretAccessKey: {}}`, "spec.auth.credentials.secretAccessKey"},
		{"a value beside a Secret reference is refused", `{accessKeyID: {value: a, valueFromSecret: {name: creds, key: id}}, secretAccessKey: {value: s}}`,
			"spec.auth.credentials.accessKeyID"},
		{"literal values are accepted", `{accessKeyID: {value: a}, secretAccessKey: {value: s}}`, ""},
		{"Secret references are accepted", `{accessKeyID: {valueFromSecret: {name: creds, key: id}}, secretAccessKey: {valueFromSecret: {name: creds, key: key}}}`, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			obj := &unstructured.Unstructured{}
			doc := `{apiVersion: sources.triggermesh.io/v1alpha1, kind: AWSDynamoDBSource, metadata: {name: creds, namespace: ` + h.ns + `},
				spec: {arn: "` + tableARN + `", sink: {uri: "http://sink"}, auth: {credentials: ` + tc.credentials + `}}}`
			if err := yaml.Unmarshal([]byte(doc), &obj.Object); err != nil {
				t.Fatal(err)
			}
			err := h.c.Create(h.ctx, obj, client.DryRunAll)
			switch {
			case tc.wantErr == "" && err != nil:
				t.Fatalf("create = %v, want it accepted", err)
			case tc.wantErr != "" && err == nil:
				t.Fatalf("create accepted, want it refused naming %s", tc.wantErr)
			case tc.wantErr != "" && !strings.Contains(err.Error(), tc.wantErr):
				t.Fatalf("create = %v, want a message naming %s", err, tc.wantErr)
			}
		})
	}
}

// A Go client that leaves a credential unset sends no "{}" for it
// (omitzero), so the rule above does not refuse sources made in Go.
func TestCRDAcceptsGoSourceWithoutSessionToken(t *testing.T) {
	h := start(t)
	src := &v1alpha1.AWSDynamoDBSource{
		ObjectMeta: metav1.ObjectMeta{Name: "gocreds", Namespace: h.ns},
		Spec: v1alpha1.AWSDynamoDBSourceSpec{
			ARN:  tableARN,
			Sink: v1alpha1.Destination{URI: "http://sink"},
			Auth: v1alpha1.AWSAuth{Credentials: &v1alpha1.AWSSecurityCredentials{
				AccessKeyID:     v1alpha1.ValueFromField{ValueFromSecret: &corev1.SecretKeySelector{LocalObjectReference: corev1.LocalObjectReference{Name: "creds"}, Key: "id"}},
				SecretAccessKey: v1alpha1.ValueFromField{Value: "s"},
			}},
		},
	}
	if err := h.c.Create(h.ctx, src, client.DryRunAll); err != nil {
		t.Fatalf("create = %v, want it accepted", err)
	}
}
