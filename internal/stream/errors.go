package stream

import (
	"context"
	"errors"
	"net"
	"strconv"

	"github.com/aws/smithy-go"
	smithyhttp "github.com/aws/smithy-go/transport/http"
)

// errorKind is what the reader does about an API error.
type errorKind int

const (
	kindOther     errorKind = iota // unknown: back off and retry, loudly
	kindExpired                    // the iterator expired: get a new one
	kindTrimmed                    // the position was trimmed: continue at the trim horizon, report a gap
	kindNotFound                   // the shard or stream is gone: re-discover
	kindThrottled                  // slow down: back off and retry
	kindTransient                  // 5xx or network: back off and retry
	kindAuth                       // credentials or permissions: fatal at start, retried later
	kindCanceled                   // our own context ended
)

func (k errorKind) String() string {
	return [...]string{"other", "expired", "trimmed", "not-found", "throttled", "transient", "auth", "canceled"}[k]
}

// classify decides what an error from the DynamoDB Streams API means to the
// reader. It is a pure function of the error.
func classify(err error) errorKind {
	var timeout *callTimeoutError
	if errors.As(err, &timeout) {
		return kindTransient
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return kindCanceled
	}
	var api smithy.APIError
	if errors.As(err, &api) {
		switch api.ErrorCode() {
		case "ExpiredIteratorException":
			return kindExpired
		case "TrimmedDataAccessException":
			return kindTrimmed
		case "ResourceNotFoundException":
			return kindNotFound
		case "LimitExceededException", "ProvisionedThroughputExceededException", "ThrottlingException",
			"RequestLimitExceeded", "TooManyRequestsException", "Throttling":
			return kindThrottled
		case "InternalServerError", "InternalFailure", "ServiceUnavailable", "ServiceUnavailableException":
			return kindTransient
		case "UnrecognizedClientException", "InvalidSignatureException", "AccessDeniedException",
			"ExpiredTokenException", "MissingAuthenticationToken", "IncompleteSignature",
			"InvalidClientTokenId", "SignatureDoesNotMatch", "AuthFailure":
			return kindAuth
		}
	}
	var resp *smithyhttp.ResponseError
	if errors.As(err, &resp) && resp.HTTPStatusCode() >= 500 {
		return kindTransient
	}
	var netErr net.Error
	if errors.As(err, &netErr) {
		return kindTransient
	}
	var opErr *net.OpError
	if errors.As(err, &opErr) {
		return kindTransient
	}
	return kindOther
}

// errorCode is the API error code of err, for metrics and logs.
func errorCode(err error) string {
	var api smithy.APIError
	if errors.As(err, &api) {
		return api.ErrorCode()
	}
	// The SDK wraps a failed send in a ResponseError too, with status 0:
	// that is a network error, not an HTTP answer.
	var resp *smithyhttp.ResponseError
	if errors.As(err, &resp) && resp.HTTPStatusCode() != 0 {
		return "HTTP" + strconv.Itoa(resp.HTTPStatusCode())
	}
	var timeout *callTimeoutError
	if errors.As(err, &timeout) {
		return "timeout"
	}
	if classify(err) == kindTransient {
		return "network"
	}
	return "other"
}

func unwrapAPI(err error) smithy.APIError {
	var api smithy.APIError
	if errors.As(err, &api) {
		return api
	}
	return nil
}
