package delivery

import (
	"cmp"
	"context"
	"encoding/base64"
	"errors"
	"strconv"
	"time"

	cloudevents "github.com/cloudevents/sdk-go/v2"

	"github.com/dynamodb-source/dynamodb-source/internal/backoff"
)

// Failures: why an event went to the dead-letter sink, the values of its
// dynamodbfailure extension and of the metrics' reason label.
const (
	// FailureRejected: the sink answered a status that is not retried.
	FailureRejected = "rejected"
	// FailureRetriesExhausted: delivery.retries was set and used up.
	FailureRetriesExhausted = "retriesexhausted"
	// FailureMaxRecordAge: the change was older than delivery.maxRecordAge
	// when it would have been sent, or sent again.
	FailureMaxRecordAge = "maxrecordage"
	// FailureUnconvertible: the record could not be turned into an event.
	FailureUnconvertible = "unconvertible"
)

// Extensions added to a dead letter: Knative's three (knativeerrordest,
// knativeerrorcode, knativeerrordata, as its delivery spec defines them) and
// two of ours.
const (
	ExtErrorDest = "knativeerrordest"
	ExtErrorCode = "knativeerrorcode"
	ExtErrorData = "knativeerrordata"
	ExtFailure   = "dynamodbfailure"
	ExtAttempts  = "dynamodbattempts"
)

// maxErrorData is how much of the sink's answer goes into knativeerrordata,
// as Knative caps it.
const maxErrorData = 1024

// ErrMaxRecordAge says an event was given up on because its change got
// older than delivery.maxRecordAge before it could be sent (again).
var ErrMaxRecordAge = errors.New("the change is older than delivery.maxRecordAge")

// Failure names why err's event is given up on: unconvertible, maxrecordage, rejected (a
// status or error that is not retried), or retriesexhausted (its last
// failure was one that is retried).
func Failure(err *RejectedError) string {
	switch {
	case errors.Is(err, ErrUnconvertible):
		return FailureUnconvertible
	case errors.Is(err, ErrMaxRecordAge):
		return FailureMaxRecordAge
	case Classify(err.StatusCode, err.Err) == Retry:
		return FailureRetriesExhausted
	}
	return FailureRejected
}

// DeadLetterEvent returns e as the dead-letter sink receives it: e itself,
// unchanged, plus the extensions that say where it was going (dest, the
// sink URL without credentials or query), what the sink answered and why
// it was given up on. rej may be nil (an event that was never sent).
func DeadLetterEvent(e cloudevents.Event, failure, dest string, rej *RejectedError) cloudevents.Event {
	out := e.Clone()
	if dest != "" {
		out.SetExtension(ExtErrorDest, dest)
	}
	out.SetExtension(ExtFailure, failure)
	attempts := 0
	if rej != nil {
		attempts = rej.Attempts
		if rej.StatusCode != 0 {
			out.SetExtension(ExtErrorCode, strconv.Itoa(rej.StatusCode))
		}
		if len(rej.Body) > 0 {
			// The sink's own words, but not the secrets a sink that echoes
			// the request would repeat (an Authorization header): the dead
			// letter is stored and read by more people than the sink's logs.
			body := redactBody(string(rej.Body[:min(len(rej.Body), maxErrorData)]))
			out.SetExtension(ExtErrorData, base64.StdEncoding.EncodeToString([]byte(body)))
		}
	}
	out.SetExtension(ExtAttempts, strconv.Itoa(attempts))
	return out
}

// DeadLetterOptions configure a DeadLetterer.
type DeadLetterOptions struct {
	// Sender delivers to the dead-letter sink: an HTTPSender or a
	// FileSender.
	Sender Sender
	// Batch sends each dead letter as a batch of one (SendBatch), the
	// content mode of a sink in batched mode; Sender must then be a
	// BatchSender.
	Batch bool
	// SinkURL is the sink's URL without credentials or query, for
	// knativeerrordest.
	SinkURL string
	// Base and Max bound the backoff between tries of a dead-letter sink
	// that fails; 0 means DefaultBackoffBase and DefaultBackoffMax.
	Base, Max time.Duration
	// Failed, when set, hears about each failed try and the wait before
	// the next one. Called from the sending goroutines.
	Failed func(eventID string, attempt int, wait time.Duration, err error)
}

// DeadLetterer delivers dead letters. It never gives one up: a dead-letter
// sink that fails, even with a status that is not retried, is tried again
// with backoff until it takes the event or the context ends, so that the
// checkpoint, which waits for it, never passes a change that is nowhere.
type DeadLetterer struct {
	opts DeadLetterOptions
}

// NewDeadLetterer returns a DeadLetterer; opts.Sender must be set.
func NewDeadLetterer(opts DeadLetterOptions) *DeadLetterer {
	if opts.Sender == nil {
		panic("delivery: a DeadLetterer needs a Sender")
	}
	if _, ok := opts.Sender.(BatchSender); opts.Batch && !ok {
		opts.Batch = false
	}
	opts.Base = cmp.Or(opts.Base, DefaultBackoffBase)
	opts.Max = cmp.Or(opts.Max, DefaultBackoffMax)
	return &DeadLetterer{opts: opts}
}

// deliver sends e, given up on for failure (rej says how; nil when it was
// never sent), to the dead-letter sink. It returns nil once the sink has
// it, or ctx's error.
func (d *DeadLetterer) deliver(ctx context.Context, e cloudevents.Event, failure string, rej *RejectedError) error {
	letter := DeadLetterEvent(e, failure, d.opts.SinkURL, rej)
	for attempt := 0; ; attempt++ {
		var err error
		if d.opts.Batch {
			err = d.opts.Sender.(BatchSender).SendBatch(ctx, []cloudevents.Event{letter})
		} else {
			err = d.opts.Sender.Send(ctx, letter)
		}
		if err == nil {
			return nil
		}
		if ctxErr := ctx.Err(); ctxErr != nil {
			return ctxErr
		}
		wait := backoff.Jitter(backoff.Ceiling(d.opts.Base, d.opts.Max, attempt))
		if d.opts.Failed != nil {
			d.opts.Failed(e.ID(), attempt+1, wait, err)
		}
		if err := backoff.Sleep(ctx, wait); err != nil {
			return err
		}
	}
}

type expiryKey struct{}

// withExpiry marks ctx's sends with the time after which the event may not
// be sent again (delivery.maxRecordAge): a sender that would retry later
// than that gives it up with ErrMaxRecordAge instead.
func withExpiry(ctx context.Context, t time.Time) context.Context {
	return context.WithValue(ctx, expiryKey{}, t)
}

func expiryOf(ctx context.Context) (time.Time, bool) {
	t, ok := ctx.Value(expiryKey{}).(time.Time)
	return t, ok
}
