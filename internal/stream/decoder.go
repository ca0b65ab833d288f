package stream

import (
	"bytes"
	"context"
	"io"
	"sync"

	"github.com/aws/aws-sdk-go-v2/service/dynamodbstreams"
	"github.com/aws/smithy-go"
	smithyhttp "github.com/aws/smithy-go/transport/http"
)

// Decoder decodes the body of a successful GetRecords answer in place of
// the SDK: the next iterator, the records and, for each record, its event
// data. The records may be light ones, with what reading needs (eventID,
// eventName, Keys, SequenceNumber, ApproximateCreationDateTime) and the rest
// only in the data. event.DecodeGetRecords is the one the source uses: it
// costs a fraction of the SDK's decoding and the data's rendering after it.
type Decoder func(body []byte) (nextIterator *string, page Page, err error)

// into returns the GetRecords option that makes d decode the answer, and
// puts the page's Data and Errs in *extra (the SDK's output has no room for
// them); with a nil d the SDK decodes it.
func (d Decoder) into(extra *Page) func(*dynamodbstreams.Options) {
	if d == nil {
		return func(*dynamodbstreams.Options) {}
	}
	return func(o *dynamodbstreams.Options) {
		o.Protocol = &decodingProtocol{ClientProtocol: o.Protocol, decode: d, extra: extra}
	}
}

// decodingProtocol is the SDK's protocol (awsJson1.0) but for the body of a
// successful GetRecords answer, which the Decoder decodes. Errors, and every
// other operation, stay the SDK's.
type decodingProtocol struct {
	smithyhttp.ClientProtocol
	decode Decoder
	extra  *Page
}

// bodies holds read buffers: a page is up to ~1 MB, read every few
// milliseconds while a shard drains.
var bodies = sync.Pool{New: func() any { return new(bytes.Buffer) }}

func (p *decodingProtocol) DeserializeResponse(ctx context.Context, schema *smithy.OperationSchema,
	registry *smithy.TypeRegistry, resp *smithyhttp.Response, out smithy.Deserializable) error {
	o, ok := out.(*dynamodbstreams.GetRecordsOutput)
	if !ok || resp.StatusCode < 200 || resp.StatusCode >= 300 {
		return p.ClientProtocol.DeserializeResponse(ctx, schema, registry, resp, out)
	}
	buf := bodies.Get().(*bytes.Buffer)
	defer func() {
		if buf.Cap() <= 4<<20 {
			buf.Reset()
			bodies.Put(buf)
		}
	}()
	if resp.ContentLength > 0 {
		// A page is at most a few MB; a larger claim is not trusted
		// up front, the body grows as it is read.
		buf.Grow(int(min(resp.ContentLength, 8<<20)))
	}
	if _, err := io.Copy(buf, resp.Body); err != nil {
		return &smithy.DeserializationError{Err: err}
	}
	next, page, err := p.decode(buf.Bytes())
	if err != nil {
		return &smithy.DeserializationError{Err: err}
	}
	o.NextShardIterator, o.Records = next, page.Records
	p.extra.Data, p.extra.Errs = page.Data, page.Errs
	return nil
}

var _ smithyhttp.ClientProtocol = (*decodingProtocol)(nil)
