package v1alpha1

import (
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func TestValidateDeadLetters(t *testing.T) {
	const arn = "arn:aws:dynamodb:us-east-1:123456789012:table/orders"
	spec := func(d DeliverySpec) AWSDynamoDBSourceSpec { return AWSDynamoDBSourceSpec{ARN: arn, Delivery: &d} }
	dl := func(uri string) DeliverySpec { return DeliverySpec{DeadLetterSink: &Destination{URI: uri}} }
	age := func(d time.Duration) DeliverySpec { return DeliverySpec{MaxRecordAge: &metav1.Duration{Duration: d}} }
	cases := []struct {
		name string
		spec AWSDynamoDBSourceSpec
		want string // "" for valid
	}{
		{"an https dead-letter sink is valid", spec(dl("https://dlq.example/in")), ""},
		{"a file:// URI with an absolute path is valid", spec(dl("file:///var/lib/dead.jsonl")), ""},
		{"a plain path is valid", spec(dl("dead.jsonl")), ""},
		{"another scheme names the field and the fix", spec(dl("ftp://example.com/x")), "delivery.deadLetterSink.uri: " + `"ftp://example.com/x" is not an http(s) URL`},
		{"a file:// URI with a host is refused", spec(dl("file://dead.jsonl")), "a file:// URI needs an absolute path"},
		{"a URL's secrets are not echoed", spec(dl("ftp://user:s3cret@example.com/x?key=k")), "ftp://example.com/x?redacted"},
		{"ref and uri together are refused", spec(DeliverySpec{DeadLetterSink: &Destination{URI: "http://x", Ref: &KReference{Kind: "Broker", Name: "b"}}}), "not both"},
		{"an empty dead-letter sink is refused", spec(DeliverySpec{DeadLetterSink: &Destination{}}), "give a ref or a uri"},
		{"a ref needs kind and name", spec(DeliverySpec{DeadLetterSink: &Destination{Ref: &KReference{Kind: "Broker"}}}), "delivery.deadLetterSink.ref: kind and name are required"},
		{"a positive maxRecordAge is valid", spec(age(time.Hour)), ""},
		{"a zero maxRecordAge is refused", spec(age(0)), "delivery.maxRecordAge: 0s is not a positive duration: give one such as 1h"},
		{"a negative maxRecordAge is refused", spec(age(-time.Minute)), "not a positive duration"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) { checkValidate(t, tc.spec, tc.want) })
	}
}

// checkValidate checks that spec is valid (want "") or that Validate's
// error contains want, and never a secret of the cases ("s3cret").
func checkValidate(t *testing.T, spec AWSDynamoDBSourceSpec, want string) {
	t.Helper()
	err := spec.Validate()
	switch {
	case want == "" && err != nil:
		t.Fatalf("Validate() = %v, want nil", err)
	case want != "" && (err == nil || !strings.Contains(err.Error(), want)):
		t.Fatalf("Validate() = %v, want it to contain %q", err, want)
	case err != nil && strings.Contains(err.Error(), "s3cret"):
		t.Fatalf("Validate() echoes a secret: %v", err)
	}
}

// A URL that does not parse because of its password is refused without a
// piece of the password: url.Parse would report http://u:pa/ss@h's "port"
// ":pa". The message goes to logs and to the object's status.
func TestValidateDoesNotEchoAPasswordThatBreaksAURL(t *testing.T) {
	const arn = "arn:aws:dynamodb:us-east-1:123456789012:table/orders"
	tests := []struct {
		name, field string
		spec        AWSDynamoDBSourceSpec
	}{
		{"sink.uri", "sink.uri", AWSDynamoDBSourceSpec{ARN: arn, Sink: Destination{URI: "http://u:pa/ss@h"}}},
		{"endpoint.url", "endpoint.url", AWSDynamoDBSourceSpec{ARN: arn, Endpoint: &Endpoint{URL: "http://u:pa/ss@h"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.spec.Validate()
			if err == nil || !strings.Contains(err.Error(), tt.field) {
				t.Fatalf("Validate() = %v, want an error naming %s", err, tt.field)
			}
			if strings.Contains(err.Error(), ":pa") || strings.Contains(err.Error(), "ss@") {
				t.Errorf("Validate() = %q: quotes the password", err)
			}
		})
	}
}
