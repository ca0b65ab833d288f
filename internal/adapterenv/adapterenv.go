package adapterenv

import (
	"errors"
	"fmt"

	corev1 "k8s.io/api/core/v1"

	"github.com/dynamodb-source/dynamodb-source/api/v1alpha1"
)

// Config is everything the adapter process reads from its environment: the
// spec, plus what identifies the source and what the process itself serves.
type Config struct {
	// Name and Namespace identify the source on Kubernetes; the adapter names
	// its checkpoint ConfigMap after them.
	Name      string
	Namespace string
	// Spec is the source's spec. Its sink is always a URI here: the
	// controller resolves sink.ref before it renders the environment.
	Spec v1alpha1.AWSDynamoDBSourceSpec
	// MetricsPort is the port of the adapter's health and metrics server;
	// 0 when not set.
	MetricsPort int32
}

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
	for _, f := range fields {
		v, ref := f.get(&c)
		switch {
		case ref != nil:
			env = append(env, corev1.EnvVar{Name: f.name, ValueFrom: &corev1.EnvVarSource{SecretKeyRef: ref.DeepCopy()}})
		case v != "":
			env = append(env, corev1.EnvVar{Name: f.name, Value: v})
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
	for _, f := range fields {
		v, ok := lookup(f.name)
		if !ok || v == "" {
			if f.required {
				errs = append(errs, fmt.Errorf("%s is not set: %s", f.name, f.hint))
			}
			continue
		}
		if err := f.set(&c, v); err != nil {
			if f.secret {
				// Never echo a credential, even a malformed one.
				errs = append(errs, fmt.Errorf("reading %s: %w", f.name, err))
			} else {
				errs = append(errs, fmt.Errorf("reading %s=%q: %w: %s", f.name, v, err, f.hint))
			}
		}
	}
	return c, errors.Join(errs...)
}

// Names lists every variable the adapter reads, in table order.
func Names() []string {
	out := make([]string, len(fields))
	for i, f := range fields {
		out[i] = f.name
	}
	return out
}
