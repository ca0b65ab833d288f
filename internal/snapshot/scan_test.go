package snapshot

import (
	"errors"
	"strings"
	"testing"

	"github.com/aws/smithy-go"

	"github.com/dynamodb-source/dynamodb-source/api/v1alpha1"
	"github.com/dynamodb-source/dynamodb-source/internal/stream"
)

func TestScanErrorKind(t *testing.T) {
	cases := []struct {
		name string
		err  error
		want scanKind
	}{
		{"throttling is backed off and retried", &smithy.GenericAPIError{Code: "ProvisionedThroughputExceededException"}, scanRetry},
		{"request limits are backed off and retried", &smithy.GenericAPIError{Code: "RequestLimitExceeded"}, scanRetry},
		{"a 5xx is retried", &smithy.GenericAPIError{Code: "InternalServerError"}, scanRetry},
		{"a network failure is retried", errors.New("connection reset"), scanRetry},
		{"a refused permission stops the source", &smithy.GenericAPIError{Code: "AccessDeniedException"}, scanAccess},
		{"refused credentials stop the source", &smithy.GenericAPIError{Code: "UnrecognizedClientException"}, scanAccess},
		{"a table gone stops the snapshot", &smithy.GenericAPIError{Code: "ResourceNotFoundException"}, scanFatal},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := scanErrorKind(c.err); got != c.want {
				t.Errorf("kind %d, want %d", got, c.want)
			}
		})
	}
}

func TestAccessErrorNamesThePermission(t *testing.T) {
	table, _ := v1alpha1.ParseTableARN("arn:aws:dynamodb:eu-west-1:123456789012:table/orders")
	s := New(Config{Table: table})
	err := s.accessError(&smithy.GenericAPIError{Code: "AccessDeniedException", Message: "not authorized to perform: dynamodb:Scan"})
	if !errors.Is(err, stream.ErrAccess) {
		t.Errorf("%v is not stream.ErrAccess (exit 1)", err)
	}
	for _, want := range []string{"dynamodb:Scan", "arn:aws:dynamodb:eu-west-1:123456789012:table/orders", "snapshot.mode none"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("%q lacks %q", err, want)
		}
	}
}
