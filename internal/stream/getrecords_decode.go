package stream

import (
	"context"
	"fmt"
	"io"
	"slices"

	"github.com/aws/aws-sdk-go-v2/service/dynamodbstreams"
	"github.com/aws/smithy-go"
	smithyhttp "github.com/aws/smithy-go/transport/http"
)

// Decoder is the seam between reading and the event data: it decodes the
// body of a successful GetRecords answer in place of the SDK, returning the
// next iterator, the records and, for each record, its event data or why it
// is refused. The records may be light ones, with what reading needs
// (eventID, eventName, Keys, SequenceNumber, ApproximateCreationDateTime)
// and the rest only in the data; their Dynamodb must not be nil. A data
// shape's DecodeGetRecords (internal/event/v1json's for the source) is
// adapted to it in internal/source; internal/event/doc.go describes the
// whole path. The body is the reader's buffer, reused for the next answer:
// nothing returned may point into it.
type Decoder func(body []byte) (nextIterator *string, page Page, err error)

// into returns the GetRecords option that makes d decode the answer, and
// puts the page's Data and Errs in *extra (the SDK's output has no room for
// them); with a nil d the SDK decodes it. The answer is read into *body,
// which the caller keeps from call to call (see readBody); its length goes
// in *size.
func (d Decoder) into(extra *Page, body *[]byte, size *int) func(*dynamodbstreams.Options) {
	if d == nil {
		return func(*dynamodbstreams.Options) {}
	}
	return func(o *dynamodbstreams.Options) {
		o.Protocol = &decodingProtocol{ClientProtocol: o.Protocol, decode: d, extra: extra, body: body, size: size}
	}
}

// decodingProtocol is the SDK's protocol (awsJson1.0) but for the body of a
// successful GetRecords answer, which the Decoder decodes. Errors, and every
// other operation, stay the SDK's.
type decodingProtocol struct {
	smithyhttp.ClientProtocol
	decode Decoder
	extra  *Page
	body   *[]byte
	size   *int
}

func (p *decodingProtocol) DeserializeResponse(ctx context.Context, schema *smithy.OperationSchema,
	registry *smithy.TypeRegistry, resp *smithyhttp.Response, out smithy.Deserializable) error {
	o, ok := out.(*dynamodbstreams.GetRecordsOutput)
	if !ok || resp.StatusCode < 200 || resp.StatusCode >= 300 {
		return p.ClientProtocol.DeserializeResponse(ctx, schema, registry, resp, out)
	}
	body, err := readBody(*p.body, resp.Body, resp.ContentLength)
	if err != nil {
		return &smithy.DeserializationError{Err: err}
	}
	if cap(body) <= maxKeptBody {
		*p.body = body[:0]
	}
	*p.size = len(body)
	next, page, err := p.decode(body)
	if err != nil {
		return &smithy.DeserializationError{Err: err}
	}
	o.NextShardIterator, o.Records = next, page.Records
	p.extra.Data, p.extra.Errs = page.Data, page.Errs
	return nil
}

// maxKeptBody bounds the read buffer a shard keeps between calls. A page is
// at most 1 MB on AWS (DynamoDB Local sends up to ~1.3 MB for 1,000
// records); a larger one is read, then let go.
const maxKeptBody = 4 << 20

// maxKeptHandedOver is the largest read buffer a shard keeps once its page is
// handed over: small pages reuse theirs, a larger one is let go with its
// page (shardReader.run). A shard that reads nothing keeps at most
// minReserve.
const maxKeptHandedOver = 256 << 10

// maxBody caps a GetRecords answer: AWS pages are at most 1 MB of records,
// so 16 MiB is room for any JSON around them, and an endpoint that sends
// more (a wrong --endpoint.url, a broken proxy) gets an error that says so
// rather than the memory of the process.
const maxBody = 16 << 20

// errBodyTooLarge is the error for an answer over maxBody.
var errBodyTooLarge = fmt.Errorf("reading GetRecords answer: larger than %d MiB, while AWS pages are at most 1 MB of records: "+
	"check that --endpoint.url points at DynamoDB Streams", maxBody>>20)

// readBody reads r into buf, from its start, growing it as needed, and
// returns what it read, up to maxBody bytes: beyond, it fails with
// errBodyTooLarge. A shard reads a page every few milliseconds while it
// drains, so its buffer is kept from call to call rather than pooled: a
// sync.Pool is emptied by every garbage collection, which here comes every
// page or two, and each page then paid for a new buffer. When the length is
// known the buffer is grown to it at once, plus one byte so that reading
// the end of the body does not double it (bytes.Buffer.ReadFrom does, when
// the buffer is exactly full).
func readBody(buf []byte, r io.Reader, length int64) ([]byte, error) {
	buf = buf[:0]
	if length > 0 {
		// A larger claim than any page is not trusted up front: the
		// buffer then grows as the body is read.
		buf = slices.Grow(buf, int(min(length, maxKeptBody))+1)
	}
	for {
		if len(buf) == cap(buf) {
			if len(buf) > maxBody {
				return buf[:0], errBodyTooLarge
			}
			buf = slices.Grow(buf, min(max(cap(buf), 64<<10), maxBody+1-len(buf)))
		}
		n, err := r.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		if err == io.EOF {
			if len(buf) > maxBody {
				return buf[:0], errBodyTooLarge
			}
			return buf, nil
		}
		if err != nil {
			return buf, err
		}
	}
}

var _ smithyhttp.ClientProtocol = (*decodingProtocol)(nil)
