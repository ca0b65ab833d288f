package source

import (
	"fmt"
	"log/slog"
	"path/filepath"
	"time"

	"github.com/dynamodb-source/dynamodb-source/api/v1alpha1"
	"github.com/dynamodb-source/dynamodb-source/internal/delivery"
	"github.com/dynamodb-source/dynamodb-source/internal/safeurl"
)

// newDeadLetterer builds the dead-letter sink of cfg: cfg.DeadLetter, or
// the file or HTTP sink that spec.delivery.deadLetterSink.uri names. It
// returns nil when there is none (refused events are then dropped), and a
// function that closes what it opened.
func newDeadLetterer(cfg Config, batched bool, log *slog.Logger) (*delivery.DeadLetterer, func(), error) {
	closer := func() {}
	sender := cfg.DeadLetter
	dest := cfg.Spec.GetDeadLetterSink()
	if sender == nil {
		if dest == nil || dest.URI == "" {
			return nil, closer, nil
		}
		s, c, err := OpenDeadLetterSink(dest, cfg.Spec.GetDeliveryTimeout())
		if err != nil {
			return nil, closer, err
		}
		sender, closer = s, c
	}
	log.Info("events the sink does not take go to the dead-letter sink", "dead_letter_sink", fmt.Sprint(sender))
	return delivery.NewDeadLetterer(delivery.DeadLetterOptions{
		Sender:  sender,
		Batch:   batched,
		SinkURL: safeurl.RedactString(cfg.SinkURI),
		Failed: func(eventID string, attempt int, wait time.Duration, err error) {
			log.Warn("the dead-letter sink did not take an event; it is held, with the checkpoint, and tried again",
				"event_id", eventID, "attempt", attempt, "wait", wait.Round(time.Millisecond), "error", err)
		},
	}), closer, nil
}

// OpenDeadLetterSink opens the dead-letter sink dest names: a file (a
// file:// URI or a path, opened for appending now so that a path that
// cannot be written fails at start) or an HTTP sink. It returns a function that closes it.
func OpenDeadLetterSink(dest *v1alpha1.Destination, timeout time.Duration) (delivery.Sender, func(), error) {
	if path, ok := v1alpha1.DeadLetterFile(dest.URI); ok {
		abs, err := filepath.Abs(path)
		if err != nil {
			return nil, nil, fmt.Errorf("delivery.deadLetterSink.uri: resolving %s: %w", path, err)
		}
		f, err := delivery.OpenFileSender(abs)
		if err != nil {
			return nil, nil, fmt.Errorf("delivery.deadLetterSink.uri: %w", err)
		}
		return f, func() { _ = f.Close() }, nil
	}
	// A few retries per round: between rounds the DeadLetterer logs the
	// failure and backs off, and tries again without a limit.
	opts := delivery.HTTPOptions{Timeout: timeout, Policy: delivery.Policy{MaxRetries: 3}}
	if dest.CACerts != nil {
		opts.CABundle = []byte(*dest.CACerts)
	}
	h, err := delivery.NewHTTPSender(dest.URI, opts)
	if err != nil {
		return nil, nil, fmt.Errorf("delivery.deadLetterSink: %w", err)
	}
	return h, func() { _ = h.Close() }, nil
}
