package manifest

import (
	"bytes"
	"errors"
	"fmt"
	"regexp"
	"strings"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/validation"
	"sigs.k8s.io/yaml"

	"github.com/dynamodb-source/dynamodb-source/api/v1alpha1"
)

// Keys of the credentials in the Secret, as in TriggerMesh's documentation.
const (
	KeyAccessKeyID     = "aws_access_key_id"
	KeySecretAccessKey = "aws_secret_access_key"
	KeySessionToken    = "aws_session_token"
)

// Manifests are the objects of one source. Secret is nil when the source has
// no literal credential.
type Manifests struct {
	Secret *corev1.Secret
	Source *v1alpha1.AWSDynamoDBSource
}

// SecretName is the name of the Secret holding the credentials of the source
// named name.
func SecretName(name string) string { return name + "-awscreds" }

// Build makes the manifests of the source named name in namespace (empty:
// kubectl's current namespace). spec is not changed.
func Build(spec v1alpha1.AWSDynamoDBSourceSpec, name, namespace string) (Manifests, error) {
	if errs := validation.IsDNS1123Subdomain(name); len(errs) > 0 {
		return Manifests{}, fmt.Errorf("source name %q is not a Kubernetes name (%s): give lower-case letters, digits and '-'", name, strings.Join(errs, "; "))
	}
	if namespace != "" {
		if errs := validation.IsDNS1123Label(namespace); len(errs) > 0 {
			return Manifests{}, fmt.Errorf("namespace %q is not a Kubernetes namespace name (%s)", namespace, strings.Join(errs, "; "))
		}
	}
	if spec.Sink.URI == "" && spec.Sink.Ref == nil {
		return Manifests{}, errors.New("a source on Kubernetes needs a sink: give --sink.uri, or --sink.ref.apiVersion, --sink.ref.kind and --sink.ref.name")
	}
	src := &v1alpha1.AWSDynamoDBSource{
		TypeMeta:   metav1.TypeMeta{APIVersion: v1alpha1.GroupVersion.String(), Kind: "AWSDynamoDBSource"},
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: namespace},
		Spec:       *spec.DeepCopy(),
	}
	m := Manifests{Source: src}
	creds := src.Spec.Auth.Credentials
	if creds == nil {
		return m, nil
	}
	data := map[string]string{}
	for _, f := range []struct {
		v   *v1alpha1.ValueFromField
		key string
	}{
		{&creds.AccessKeyID, KeyAccessKeyID},
		{&creds.SecretAccessKey, KeySecretAccessKey},
		{&creds.SessionToken, KeySessionToken},
	} {
		if f.v.Value == "" || f.v.ValueFromSecret != nil {
			continue
		}
		data[f.key] = f.v.Value
		*f.v = v1alpha1.ValueFromField{ValueFromSecret: &corev1.SecretKeySelector{
			LocalObjectReference: corev1.LocalObjectReference{Name: SecretName(name)},
			Key:                  f.key,
		}}
	}
	if len(data) > 0 {
		m.Secret = &corev1.Secret{
			TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "Secret"},
			ObjectMeta: metav1.ObjectMeta{Name: SecretName(name), Namespace: namespace},
			Type:       corev1.SecretTypeOpaque,
			StringData: data,
		}
	}
	return m, nil
}

// YAML renders the manifests as a multi-document YAML stream, the Secret
// first so that the source finds it.
func (m Manifests) YAML() ([]byte, error) {
	var buf bytes.Buffer
	buf.WriteString("# Made by dynamodb-source dump. Apply with: kubectl apply -f -\n")
	objs := []runtime.Object{m.Source}
	if m.Secret != nil {
		objs = []runtime.Object{m.Secret, m.Source}
	}
	for _, obj := range objs {
		u, err := runtime.DefaultUnstructuredConverter.ToUnstructured(obj)
		if err != nil {
			return nil, fmt.Errorf("rendering %T: %w", obj, err)
		}
		// Fields only the API server sets.
		delete(u, "status")
		unstructured.RemoveNestedField(u, "metadata", "creationTimestamp")
		// Go cannot omit an empty struct (auth.credentials.sessionToken: {}).
		if spec, ok := u["spec"].(map[string]any); ok {
			pruneEmpty(spec)
		}
		b, err := yaml.Marshal(u)
		if err != nil {
			return nil, fmt.Errorf("rendering %T: %w", obj, err)
		}
		buf.WriteString("---\n")
		buf.Write(b)
	}
	return buf.Bytes(), nil
}

// Render is Build then YAML.
func Render(spec v1alpha1.AWSDynamoDBSourceSpec, name, namespace string) ([]byte, error) {
	m, err := Build(spec, name, namespace)
	if err != nil {
		return nil, err
	}
	return m.YAML()
}

var notNameChars = regexp.MustCompile(`[^a-z0-9-]+`)

// DefaultName derives a source name from its table ARN, for when none is
// given: the table name, lower-cased, with what Kubernetes names do not
// allow replaced by '-'.
func DefaultName(arn string) string {
	a, err := v1alpha1.ParseTableARN(arn)
	if err != nil {
		return "awsdynamodbsource"
	}
	n := strings.Trim(notNameChars.ReplaceAllString(strings.ToLower(a.Table), "-"), "-")
	if len(n) > 63 {
		n = strings.TrimRight(n[:63], "-")
	}
	if n == "" {
		return "awsdynamodbsource"
	}
	return n
}

// pruneEmpty removes the empty objects of m, deepest first.
func pruneEmpty(m map[string]any) {
	for k, v := range m {
		if sub, ok := v.(map[string]any); ok {
			pruneEmpty(sub)
			if len(sub) == 0 {
				delete(m, k)
			}
		}
	}
}
