package v1alpha1

import (
	"strings"
	"testing"
)

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
