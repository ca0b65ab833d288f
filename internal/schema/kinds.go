package schema

import (
	"bytes"
	"encoding/json"
	"reflect"
	"strconv"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/dynamodb-source/dynamodb-source/api/v1alpha1"
)

// Kind is one type of value: how its text is parsed and written back. A
// field's flag and its variable share the kind, so both accept the same text
// and mean the same by it.
type Kind struct {
	// Name is the value's type as --help shows it.
	Name string
	// typ is the Go type of the value; a field holds it or a pointer to it.
	typ    reflect.Type
	parse  func(string) (reflect.Value, error)
	format func(reflect.Value) string
	// ref, when set, returns the Secret a value is read from, if any: such
	// a value is rendered as a secretKeyRef, never copied.
	ref func(reflect.Value) *corev1.SecretKeySelector
	// add, when set, makes the flag repeatable: each use adds to the value
	// rather than replacing it.
	add func(old reflect.Value, text string) (reflect.Value, error)
	// hint tells a person what a good value looks like (environment errors);
	// example follows a malformed flag's text ("fast" is not a duration
	// such as 250ms, 10s or 1m).
	hint, example string
	// atFile: on the command line, @path reads the value from a file.
	atFile bool
	// secret values are never shown in an error.
	secret bool
}

// newKind makes a Kind of the values of type T.
func newKind[T any](name string, parse func(string) (T, error), format func(T) string) Kind {
	return Kind{
		Name: name,
		typ:  reflect.TypeFor[T](),
		parse: func(s string) (reflect.Value, error) {
			v, err := parse(s)
			return reflect.ValueOf(&v).Elem(), err
		},
		format: func(v reflect.Value) string { return format(v.Interface().(T)) },
	}
}

// valueError is a malformed value. Its text is what is wrong ("not a
// duration"); the field adds how to fix it.
type valueError string

func (e valueError) Error() string { return string(e) }

const (
	errNotInt32    = valueError("not a whole number")
	errNotDuration = valueError("not a duration")
	errNotTime     = valueError("not an RFC 3339 time")
	errNotPort     = valueError("not a TCP port")
	errNotQuantity = valueError("not a quantity")
)

// The kinds of the table.
var (
	// String is text taken as it is.
	String = newKind("string", func(s string) (string, error) { return s, nil }, func(s string) string { return s })

	// PEM is a PEM bundle; on the command line @path reads it from a file.
	PEM = withAtFile(newKind("pem", func(s string) (string, error) { return s, nil }, func(s string) string { return s }))

	// Int32 is a whole number.
	Int32 = withHint(newKind("int32", parseInt32, formatInt32), "give a whole number", "")

	// Duration is a Go duration.
	Duration = withHint(newKind("duration", parseDuration, formatDuration),
		"give a Go duration such as 30s", " such as 250ms, 10s or 1m")

	// Time is an RFC 3339 time.
	Time = withHint(newKind("time", parseTime, formatTime),
		"give an RFC 3339 time such as 2024-05-01T12:00:00Z", " such as 2024-05-01T12:00:00Z")

	// Quantity is a Kubernetes quantity of bytes, such as 128Mi or 1G.
	Quantity = withHint(newKind("quantity", parseQuantity, func(q resource.Quantity) string { return q.String() }),
		"give a quantity of bytes such as 128Mi", " such as 64Mi, 128Mi or 1Gi")

	// Port is a TCP port; 0 means none (the server is off), as with the
	// command line's --metrics-port.
	Port = withHint(newKind("port", parsePort, formatInt32), "give a TCP port such as 8080, or 0 for none", "")

	// Credential is an AWS credential: a literal value, or on Kubernetes a
	// Secret reference, which is rendered as a secretKeyRef so the value is
	// never copied. On the command line @path reads it from a file.
	Credential = credentialKind()

	// Extensions are CloudEvents extension attributes: in the environment
	// the JSON of ceOverrides ({"extensions":{"team":"data"}}), on the
	// command line one repeatable name=value per attribute.
	Extensions = extensionsKind()

	// Filters are filter patterns: in the environment the JSON of
	// filterCriteria.filters ([{"pattern":"{\"eventName\":[\"INSERT\"]}"}]),
	// on the command line one repeatable pattern per flag.
	Filters = filtersKind()
)

func withHint(k Kind, hint, example string) Kind { k.hint, k.example = hint, example; return k }
func withAtFile(k Kind) Kind                     { k.atFile = true; return k }

func credentialKind() Kind {
	k := newKind("string",
		func(s string) (v1alpha1.ValueFromField, error) { return v1alpha1.ValueFromField{Value: s}, nil },
		func(v v1alpha1.ValueFromField) string { return v.Value })
	k.ref = func(v reflect.Value) *corev1.SecretKeySelector {
		return v.Interface().(v1alpha1.ValueFromField).ValueFromSecret
	}
	k.secret, k.atFile = true, true
	return k
}

func filtersKind() Kind {
	k := withHint(newKind("pattern", parseFilters, formatFilters),
		`give JSON such as [{"pattern":"{\"eventName\":[\"INSERT\"]}"}]`, "")
	k.add = func(old reflect.Value, text string) (reflect.Value, error) {
		var filters []v1alpha1.Filter
		if old.IsValid() {
			filters = append(filters, old.Interface().([]v1alpha1.Filter)...)
		}
		return reflect.ValueOf(append(filters, v1alpha1.Filter{Pattern: text})), nil
	}
	return k
}

func parseFilters(s string) ([]v1alpha1.Filter, error) {
	var filters []v1alpha1.Filter
	if err := json.Unmarshal([]byte(s), &filters); err != nil {
		return nil, valueError("not a JSON list of {\"pattern\": …}")
	}
	return filters, nil
}

func formatFilters(filters []v1alpha1.Filter) string {
	b, _ := json.Marshal(filters) // a list of strings always marshals
	return string(b)
}

func extensionsKind() Kind {
	k := withHint(newKind("name=value", parseOverrides, formatOverrides), `give JSON such as {"extensions":{"team":"data"}}`, "")
	k.add = func(old reflect.Value, text string) (reflect.Value, error) {
		name, value, ok := strings.Cut(text, "=")
		if !ok {
			return reflect.Value{}, valueError("not name=value")
		}
		m := map[string]string{}
		if old.IsValid() {
			for k, v := range old.Interface().(map[string]string) {
				m[k] = v
			}
		}
		m[name] = value
		return reflect.ValueOf(m), nil
	}
	return k
}

func formatInt32(n int32) string { return strconv.FormatInt(int64(n), 10) }

func parseInt32(s string) (int32, error) {
	n, err := strconv.ParseInt(s, 10, 32)
	if err != nil {
		return 0, errNotInt32
	}
	return int32(n), nil
}

func parseQuantity(s string) (resource.Quantity, error) {
	q, err := resource.ParseQuantity(s)
	if err != nil {
		return resource.Quantity{}, errNotQuantity
	}
	return q, nil
}

func parsePort(s string) (int32, error) {
	p, err := strconv.ParseUint(s, 10, 16)
	if err != nil {
		return 0, errNotPort
	}
	return int32(p), nil
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

func formatOverrides(m map[string]string) string {
	if len(m) == 0 {
		return ""
	}
	b, _ := json.Marshal(v1alpha1.CloudEventOverrides{Extensions: m}) // a map of strings always marshals
	return string(b)
}

func parseOverrides(s string) (map[string]string, error) {
	var o v1alpha1.CloudEventOverrides
	d := json.NewDecoder(bytes.NewReader([]byte(s)))
	d.DisallowUnknownFields()
	if err := d.Decode(&o); err != nil {
		return nil, valueError("not JSON of the form {\"extensions\":{...}}: " + err.Error())
	}
	return o.Extensions, nil
}
