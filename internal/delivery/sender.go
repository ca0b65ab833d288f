package delivery

import (
	"context"
	"fmt"
	"time"

	cloudevents "github.com/cloudevents/sdk-go/v2"
)

// Sender delivers one event. It returns nil once the sink acknowledged it, a
// *RejectedError when the sink refused it for good (a status that is not
// retried, or retries exhausted), or the context's error when ctx ended first
// (the caller then treats the event as not delivered).
type Sender interface {
	Send(ctx context.Context, e cloudevents.Event) error
}

// RejectedError says an event will not be delivered however often it is sent
// again. Callers branch on it (errors.As) to dead-letter or skip the event
// rather than stop the stream.
type RejectedError struct {
	EventID string
	// StatusCode is the sink's last HTTP status, 0 when there was no HTTP
	// answer (a transport error, or a sink that is not HTTP).
	StatusCode int
	// Attempts is how many times the event was sent, 0 if it never left.
	Attempts int
	// Body is the start (up to 1,024 bytes) of the sink's last answer, for
	// the dead letter's knativeerrordata; nil when there was none.
	Body []byte
	Err  error
}

func (e *RejectedError) Error() string {
	return fmt.Sprintf("delivering event %s: rejected after %d attempt(s): %v", e.EventID, e.Attempts, e.Err)
}

func (e *RejectedError) Unwrap() error { return e.Err }

// Observer hears about every attempt, e.g. to count them in metrics. Its
// methods are called from the sending goroutines, concurrently, and must not
// block.
type Observer interface {
	// Attempted reports one attempt: the sink's status (0 if none), the
	// attempt's error (nil when delivered) and how long it took.
	Attempted(statusCode int, err error, d time.Duration)
	// Retrying reports that attempt number attempt failed with err and the
	// event is sent again after wait.
	Retrying(attempt int, wait time.Duration, err error)
}

type noopObserver struct{}

func (noopObserver) Attempted(int, error, time.Duration) {}
func (noopObserver) Retrying(int, time.Duration, error)  {}

// BatchSender delivers several events in one request. The sink acknowledges
// or refuses them as one: nil means every event was delivered, a
// *RejectedError that none will be, and the context's error that the batch
// is to be treated as not delivered.
type BatchSender interface {
	SendBatch(ctx context.Context, events []cloudevents.Event) error
}
