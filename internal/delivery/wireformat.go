// CloudEvents on the wire: binary mode (ce-* headers and the data as the
// body) and the JSON event format, as the SDK writes them.

package delivery

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"

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

// appendStructured writes e in the JSON event format exactly as the SDK's
// event.WriteJson does, for what the converter builds: CloudEvents 1.0,
// extensions that are strings, data that is not base64. It reports false
// for anything else, which the SDK then writes. The SDK's writer (on
// jsoniter) allocated about its own size again per event, most of batched
// mode's garbage; a test holds the two byte for byte.
func appendStructured(b []byte, e *cloudevents.Event) ([]byte, bool) {
	ec, ok := e.Context.(*event.EventContextV1)
	if !ok || e.DataBase64 {
		return b, false
	}
	for _, v := range ec.Extensions {
		if _, ok := v.(string); !ok {
			return b, false
		}
	}
	b = append(b, `{"specversion":"`+event.CloudEventsVersionV1+`","id":`...)
	b = appendJSONString(b, ec.ID)
	b = append(b, `,"source":`...)
	b = appendJSONString(b, ec.Source.String())
	b = append(b, `,"type":`...)
	b = appendJSONString(b, ec.Type)
	if ec.Subject != nil {
		b = append(b, `,"subject":`...)
		b = appendJSONString(b, *ec.Subject)
	}
	mediaType := event.ApplicationJSON
	if ec.DataContentType != nil {
		b = append(b, `,"datacontenttype":`...)
		b = appendJSONString(b, *ec.DataContentType)
		ct := *ec.DataContentType
		if i := strings.IndexByte(ct, ';'); i >= 0 {
			ct = ct[:i]
		}
		mediaType = strings.TrimSpace(strings.ToLower(ct))
	}
	if ec.DataSchema != nil {
		b = append(b, `,"dataschema":`...)
		b = appendJSONString(b, ec.DataSchema.String())
	}
	if ec.Time != nil {
		b = append(b, `,"time":`...)
		b = appendJSONString(b, ec.Time.String())
	}
	if e.DataEncoded != nil {
		b = append(b, `,"data":`...)
		switch mediaType {
		case event.ApplicationJSON, event.TextJSON, event.ApplicationCloudEventsJSON, event.ApplicationCloudEventsBatchJSON, "":
			b = append(b, e.DataEncoded...)
		default:
			b = appendJSONString(b, string(e.DataEncoded))
		}
	}
	if len(ec.Extensions) > 0 {
		var small [8]string
		names := small[:0]
		for name := range ec.Extensions {
			names = append(names, name)
		}
		slices.Sort(names)
		for _, name := range names {
			b = append(b, ',', '"')
			b = append(b, name...) // an attribute name: [a-z0-9]
			b = append(b, '"', ':')
			b = appendJSONString(b, ec.Extensions[name].(string))
		}
	}
	return append(b, '}'), true
}

// appendJSONString writes s as the SDK's JSON writer (jsoniter, without
// HTML escaping) does: ", \, \n, \r and \t escaped, other control
// characters as \u00XX, everything else as it is. It differs on purpose
// from internal/event/v1json's appendString, which mirrors encoding/json (HTML
// characters, \b, \f, U+2028 escaped, invalid UTF-8 replaced): each writes
// the bytes its own reference writes, and a test holds each to it.
func appendJSONString(b []byte, s string) []byte {
	const hex = "0123456789abcdef"
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 0x20 && c != '"' && c != '\\' {
			continue
		}
		b = append(b, s[start:i]...)
		switch c {
		case '"', '\\':
			b = append(b, '\\', c)
		case '\n':
			b = append(b, '\\', 'n')
		case '\r':
			b = append(b, '\\', 'r')
		case '\t':
			b = append(b, '\\', 't')
		default:
			b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xF])
		}
		start = i + 1
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}
