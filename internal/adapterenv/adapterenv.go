package adapterenv

import (
	"errors"
	"fmt"

	corev1 "k8s.io/api/core/v1"

	"github.com/dynamodb-source/dynamodb-source/api/v1alpha1"
	"github.com/dynamodb-source/dynamodb-source/internal/schema"
)

// Config is everything the adapter process reads from its environment: the
// spec, plus what identifies the source and what the process itself serves.
type Config = schema.Config

// FromSpec renders the environment of the adapter of src, which delivers to
// sinkURI (src's sink, resolved). Credentials given as Secret references
// become secretKeyRef variables, so their values are never copied; literal
// values stay literal. Unset fields produce no variable.
func FromSpec(src *v1alpha1.AWSDynamoDBSource, sinkURI string) []corev1.EnvVar {
	spec := *src.Spec.DeepCopy()
	spec.Sink = v1alpha1.Destination{URI: sinkURI, CACerts: spec.Sink.CACerts}
	return FromConfig(Config{Name: src.Name, Namespace: src.Namespace, Spec: spec})
}

// FromConfig renders c as environment variables, in a fixed order.
func FromConfig(c Config) []corev1.EnvVar {
	var env []corev1.EnvVar
	for _, f := range schema.EnvFields() {
		v, ref := f.Get(&c)
		switch {
		case ref != nil:
			env = append(env, corev1.EnvVar{Name: f.EnvName(), ValueFrom: &corev1.EnvVarSource{SecretKeyRef: ref.DeepCopy()}})
		case v != "":
			env = append(env, corev1.EnvVar{Name: f.EnvName(), Value: v})
		}
	}
	return env
}

// ToSpec rebuilds a spec from the environment that lookup reads (normally
// os.LookupEnv). Malformed values are errors naming their variable; all of
// them are reported at once.
func ToSpec(lookup func(string) (string, bool)) (v1alpha1.AWSDynamoDBSourceSpec, error) {
	c, err := ToConfig(lookup)
	return c.Spec, err
}

// ToConfig is ToSpec with the variables that are not part of the spec.
// An empty variable counts as unset.
func ToConfig(lookup func(string) (string, bool)) (Config, error) {
	var c Config
	var errs []error
	for _, f := range schema.EnvFields() {
		name := f.EnvName()
		v, ok := lookup(name)
		if !ok || v == "" {
			if f.Required {
				errs = append(errs, fmt.Errorf("%s is not set: %s", name, f.HintText()))
			}
			continue
		}
		if err := f.Set(&c, v); err != nil {
			if f.Secret() {
				// Never echo a credential, even a malformed one.
				errs = append(errs, fmt.Errorf("reading %s: %w", name, err))
			} else {
				errs = append(errs, fmt.Errorf("reading %s=%q: %w: %s", name, v, err, f.HintText()))
			}
		}
	}
	return c, errors.Join(errs...)
}

// Names lists every variable the adapter reads, in table order.
func Names() []string {
	var out []string
	for _, f := range schema.EnvFields() {
		out = append(out, f.EnvName())
	}
	return out
}
