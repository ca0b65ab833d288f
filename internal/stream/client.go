package stream

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodbstreams"
)

// Client is the part of the DynamoDB Streams API the reader uses: exactly the
// four actions of the minimal IAM policy. *dynamodbstreams.Client satisfies it.
type Client interface {
	ListStreams(context.Context, *dynamodbstreams.ListStreamsInput, ...func(*dynamodbstreams.Options)) (*dynamodbstreams.ListStreamsOutput, error)
	DescribeStream(context.Context, *dynamodbstreams.DescribeStreamInput, ...func(*dynamodbstreams.Options)) (*dynamodbstreams.DescribeStreamOutput, error)
	GetShardIterator(context.Context, *dynamodbstreams.GetShardIteratorInput, ...func(*dynamodbstreams.Options)) (*dynamodbstreams.GetShardIteratorOutput, error)
	GetRecords(context.Context, *dynamodbstreams.GetRecordsInput, ...func(*dynamodbstreams.Options)) (*dynamodbstreams.GetRecordsOutput, error)
}

// callTimeoutError is an AWS call that did not answer within
// Options.CallTimeout. It is the reader's own deadline, not the end of its
// context: the call is retried like a network failure.
type callTimeoutError struct {
	op    string
	after time.Duration
	err   error
}

func (e *callTimeoutError) Error() string {
	return fmt.Sprintf("%s did not answer within %s: %v", e.op, e.after, e.err)
}

// call makes one AWS call under its own deadline, on one of r's callers
// (callers.go), counting it and its failure in the metrics. A call that fails because ctx ended is not a
// failure of the service and is not counted as one.
func call[T any](ctx context.Context, r *Reader, op string, do func(context.Context) (T, error)) (T, error) {
	r.m.AWSCalls.WithLabelValues(op).Inc()
	callCtx, cancel := context.WithTimeout(ctx, r.opts.CallTimeout)
	defer cancel()
	var (
		out T
		err error
	)
	r.callers.do(func() { out, err = do(callCtx) })
	if err == nil {
		return out, nil
	}
	if ctx.Err() != nil {
		return out, err
	}
	if errors.Is(callCtx.Err(), context.DeadlineExceeded) {
		err = &callTimeoutError{op: op, after: r.opts.CallTimeout, err: err}
	}
	r.m.AWSErrors.WithLabelValues(op, errorCode(err)).Inc()
	return out, err
}
