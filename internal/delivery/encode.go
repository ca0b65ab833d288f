package delivery

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"sync"

	cloudevents "github.com/cloudevents/sdk-go/v2"
	"github.com/cloudevents/sdk-go/v2/binding"
	"github.com/cloudevents/sdk-go/v2/event"
	cehttp "github.com/cloudevents/sdk-go/v2/protocol/http"
	"github.com/cloudevents/sdk-go/v2/types"
)

// BatchContentType is the media type of a CloudEvents batch (the JSON event
// format's batched mode): a JSON array of structured-mode events.
const BatchContentType = "application/cloudevents-batch+json"

// Binary-mode header names, spelled as the SDK's WriteRequest spells them
// (net/http writes map keys as they are).
const (
	hdrSpecVersion = "Ce-Specversion"
	hdrID          = "Ce-Id"
	hdrSource      = "Ce-Source"
	hdrType        = "Ce-Type"
	hdrDataSchema  = "Ce-Dataschema"
	hdrSubject     = "Ce-Subject"
	hdrTime        = "Ce-Time"
	hdrContentType = "Content-Type"
)

// writeBinary fills out with e in binary mode: attributes in ce-* headers,
// data as the body. It writes what the SDK's cehttp.WriteRequest writes (a
// test holds the two side by side) but for a CloudEvents 1.0 event it goes
// straight from the event's fields to the headers: the SDK's generic walk
// over attribute accessors and interface values was a tenth of the sender's
// CPU per event (see docs/benchmarks.md). Other spec versions go through the
// SDK.
func writeBinary(ctx context.Context, out *outgoing, e *cloudevents.Event) error {
	ec, ok := e.Context.(*event.EventContextV1)
	if !ok {
		req := &http.Request{Header: http.Header{}}
		if err := cehttp.WriteRequest(ctx, binding.ToMessage(e), req); err != nil {
			return err
		}
		out.header = req.Header
		if req.Body != nil {
			body, err := io.ReadAll(req.Body)
			if err != nil {
				return err
			}
			out.body = body
		}
		return nil
	}
	// Sized exactly: up to 8 headers fit a map's single small group, one
	// allocation; an Authorization header is room for one more.
	n := 4 + len(ec.Extensions)
	for _, set := range []bool{ec.DataContentType != nil, ec.DataSchema != nil, ec.Subject != nil, ec.Time != nil} {
		if set {
			n++
		}
	}
	// One backing array for every header's value slice.
	vals := make([]string, 0, n)
	h := make(http.Header, n)
	set := func(name, v string) {
		vals = append(vals, v)
		h[name] = vals[len(vals)-1 : len(vals) : len(vals)]
	}
	set(hdrSpecVersion, event.CloudEventsVersionV1)
	set(hdrID, ec.ID)
	set(hdrSource, ec.Source.String())
	set(hdrType, ec.Type)
	if ec.DataContentType != nil {
		set(hdrContentType, *ec.DataContentType)
	}
	if ec.DataSchema != nil {
		set(hdrDataSchema, ec.DataSchema.String())
	}
	if ec.Subject != nil {
		set(hdrSubject, *ec.Subject)
	}
	if ec.Time != nil {
		set(hdrTime, types.FormatTime(ec.Time.Time))
	}
	for name, v := range ec.Extensions {
		if v == nil || name == "" {
			continue
		}
		s, err := types.Format(v)
		if err != nil {
			return fmt.Errorf("formatting extension %s: %w", name, err)
		}
		set(extensionHeader(name), s)
	}
	out.header, out.body = h, e.DataEncoded
	return nil
}

// extensionHeader is the SDK's header name of an extension: "Ce-" and the
// name with its first letter upper-cased.
func extensionHeader(name string) string {
	b := make([]byte, 0, 3+len(name))
	b = append(b, "Ce-"...)
	c := name[0]
	if 'a' <= c && c <= 'z' {
		c -= 'a' - 'A'
	}
	b = append(append(b, c), name[1:]...)
	return string(b)
}

// marshalBatch renders events as a CloudEvents JSON batch into buf, with the
// SDK's structured-mode encoder for each event.
func marshalBatch(buf *bytes.Buffer, events []cloudevents.Event) error {
	// Most of a batch is event data; the rest is ~250 bytes of attributes.
	size := 2
	for i := range events {
		size += len(events[i].DataEncoded) + 300
	}
	buf.Grow(size)
	buf.WriteByte('[')
	for i := range events {
		if i > 0 {
			buf.WriteByte(',')
		}
		if err := event.WriteJson(&events[i], buf); err != nil {
			return fmt.Errorf("encoding event %s: %w", events[i].ID(), err)
		}
	}
	buf.WriteByte(']')
	return nil
}

// batchBodies holds the buffers of batch requests: a batch of 100 events is
// ~100 KB, and a buffer per batch was a third of what batched mode
// allocated, and so of its peak memory.
var batchBodies = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// maxPooledBatch bounds the buffers kept: a batch of outsized items does not
// pin its buffer.
const maxPooledBatch = 4 << 20
