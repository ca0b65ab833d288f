package stream

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"syscall"
	"testing"

	"github.com/aws/smithy-go"
	smithyhttp "github.com/aws/smithy-go/transport/http"
)

func apiErr(code string) error {
	return fmt.Errorf("operation GetRecords: %w", &smithy.GenericAPIError{Code: code, Message: "m"})
}

func TestClassify(t *testing.T) {
	cases := []struct {
		name string
		err  error
		want errorKind
	}{
		{"an expired iterator is re-acquired", apiErr("ExpiredIteratorException"), kindExpired},
		{"trimmed data continues at the trim horizon", apiErr("TrimmedDataAccessException"), kindTrimmed},
		{"a vanished shard is re-discovered", apiErr("ResourceNotFoundException"), kindNotFound},
		{"LimitExceeded backs off", apiErr("LimitExceededException"), kindThrottled},
		{"throughput exceeded backs off", apiErr("ProvisionedThroughputExceededException"), kindThrottled},
		{"an internal server error is transient", apiErr("InternalServerError"), kindTransient},
		{"any 5xx response is transient", &smithyhttp.ResponseError{Response: &smithyhttp.Response{Response: &http.Response{StatusCode: 503}}, Err: errors.New("x")}, kindTransient},
		{"a reset connection is transient", &net.OpError{Op: "read", Err: syscall.ECONNRESET}, kindTransient},
		{"rejected credentials are an auth problem", apiErr("UnrecognizedClientException"), kindAuth},
		{"a missing permission is an auth problem", apiErr("AccessDeniedException"), kindAuth},
		{"our own cancellation is not an API fault", fmt.Errorf("x: %w", context.Canceled), kindCanceled},
		{"an unknown error is other", errors.New("boom"), kindOther},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := classify(tc.err); got != tc.want {
				t.Fatalf("classify(%v) = %v, want %v", tc.err, got, tc.want)
			}
		})
	}
}

func TestErrorCode(t *testing.T) {
	if got := errorCode(apiErr("LimitExceededException")); got != "LimitExceededException" {
		t.Fatalf("got %q", got)
	}
	if got := errorCode(&net.OpError{Op: "dial", Err: syscall.ECONNREFUSED}); got != "network" {
		t.Fatalf("got %q", got)
	}
	// How the SDK returns a reset connection: a ResponseError with no status.
	sdkReset := &smithyhttp.ResponseError{Response: &smithyhttp.Response{Response: &http.Response{}},
		Err: &net.OpError{Op: "read", Err: syscall.ECONNRESET}}
	if got := errorCode(sdkReset); got != "network" {
		t.Fatalf("reset connection wrapped by the SDK: got %q, want network", got)
	}
}
