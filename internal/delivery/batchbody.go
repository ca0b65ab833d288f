package delivery

import (
	"bytes"
	"fmt"
	"io"

	cloudevents "github.com/cloudevents/sdk-go/v2"
	"github.com/cloudevents/sdk-go/v2/event"
)

// batchBody is the body of a batched-mode request, a CloudEvents JSON batch
// (application/cloudevents-batch+json), written as it is sent rather than
// built whole first. A whole batch of 100 events is ~200 KB, and each lane
// held one while its request was in flight: with 16 lanes that was the
// largest part of batched mode's memory. Streamed, a request holds one
// rendered event at a time. The price is rendering each event twice, once
// to learn the body's length (the request carries a Content-Length, which
// every sink takes, rather than chunked encoding, which some refuse) and
// once as it is written.
type batchBody struct {
	events []cloudevents.Event
	size   int // the body's length in bytes
}

// newBatchBody measures the batch of events. It fails, sending nothing, when
// an event cannot be encoded.
func newBatchBody(events []cloudevents.Event) (*batchBody, error) {
	// An opening bracket, a comma between events, a closing bracket.
	b := &batchBody{events: events, size: len(events) + 1}
	var scratch []byte
	for i := range events {
		var err error
		if scratch, err = appendEvent(scratch[:0], &events[i]); err != nil {
			return nil, err
		}
		b.size += len(scratch)
	}
	return b, nil
}

// reader returns the body from its start: a request sent again reads it
// again.
func (b *batchBody) reader() *batchReader { return &batchReader{body: b} }

// bytes returns the whole body, for what needs it in memory.
func (b *batchBody) bytes() ([]byte, error) {
	out := make([]byte, b.size)
	if _, err := io.ReadFull(b.reader(), out); err != nil {
		return nil, fmt.Errorf("encoding the batch: %w", err)
	}
	return out, nil
}

// batchReader reads a batchBody, rendering one event at a time.
type batchReader struct {
	body *batchBody
	// next is the next piece to render: event i with the bracket or comma
	// before it, for i below len(events); then the closing bracket.
	next    int
	pending []byte // rendered and not yet read
	scratch []byte
}

func (r *batchReader) Read(p []byte) (int, error) {
	n := 0
	for n < len(p) {
		if len(r.pending) == 0 {
			if r.next > len(r.body.events) {
				if n == 0 {
					return 0, io.EOF
				}
				return n, nil
			}
			if err := r.render(); err != nil {
				return n, err
			}
		}
		c := copy(p[n:], r.pending)
		r.pending = r.pending[c:]
		n += c
	}
	return n, nil
}

func (r *batchReader) render() error {
	events, i := r.body.events, r.next
	r.next++
	if i == len(events) {
		r.scratch = append(r.scratch[:0], ']')
		r.pending = r.scratch
		return nil
	}
	sep := byte(',')
	if i == 0 {
		sep = '['
	}
	var err error
	r.scratch, err = appendEvent(append(r.scratch[:0], sep), &events[i])
	r.pending = r.scratch
	return err
}

// appendEvent appends e in the JSON event format, as the SDK's
// event.WriteJson writes it.
func appendEvent(dst []byte, e *cloudevents.Event) ([]byte, error) {
	if b, ok := appendStructured(dst, e); ok {
		return b, nil
	}
	buf := bytes.NewBuffer(dst)
	if err := event.WriteJson(e, buf); err != nil {
		return dst, fmt.Errorf("encoding event %s: %w", e.ID(), err)
	}
	return buf.Bytes(), nil
}
