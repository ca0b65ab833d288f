package document

import (
	"errors"
	"strconv"
	"sync"

	"github.com/aws/aws-sdk-go-v2/service/dynamodbstreams/types"

	"github.com/dynamodb-source/dynamodb-source/internal/event/v1json"
)

// DecodeGetRecords decodes a GetRecords answer and renders each record as a
// plain JSON document; the page, its light records and its refusals are as
// v1json.DecodeWith describes them.
func DecodeGetRecords(body []byte) (v1json.Page, error) {
	return v1json.DecodeWith(body, Render)
}

// renderer holds the scratch of one record: its parts, rendered as the
// wire has them, before they are written in the document's order.
type renderer struct {
	s       *v1json.Scanner
	buf     []byte
	bin     []byte
	err     error
	keys    span
	newImg  span
	oldImg  span
	seq     span
	created span
}

type span struct{ start, end int }

var renderers = sync.Pool{New: func() any { return new(renderer) }}

// Render is the v1json.RenderRecord of the document shape.
func Render(s *v1json.Scanner, b []byte, rec *types.Record) ([]byte, error) {
	r := renderers.Get().(*renderer)
	*r = renderer{s: s, buf: r.buf[:0], bin: r.bin[:0]}
	defer func() {
		r.s = nil
		if cap(r.buf) <= 1<<20 {
			renderers.Put(r)
		}
	}()
	var op []byte
	s.Object(func(key []byte) {
		switch string(key) {
		case "dynamodb":
			if s.Null() {
				rec.Dynamodb = nil
				return
			}
			rec.Dynamodb = &types.StreamRecord{}
			r.streamRecord(rec.Dynamodb)
		case "eventID":
			rec.EventID = optString(s)
		case "eventName":
			rec.EventName = ""
			if n := optString(s); n != nil {
				rec.EventName = types.OperationType(*n)
				op = v1json.AppendString(op[:0], *n)
			}
		case "userIdentity":
			rec.UserIdentity = s.Identity()
		default:
			s.Skip()
		}
	})
	if s.Err() != nil || r.err != nil || rec.Dynamodb == nil {
		return b, r.err
	}
	b = append(b, '{')
	sep := ""
	member := func(name string, v span) {
		if v.end == 0 {
			return
		}
		b = append(b, sep+`"`+name+`":`...)
		b = append(b, r.buf[v.start:v.end]...)
		sep = ","
	}
	if op != nil {
		b = append(b, `"operation":`...)
		b = append(b, op...)
		sep = ","
	}
	member("keys", r.keys)
	member("newImage", r.newImg)
	member("oldImage", r.oldImg)
	member("sequenceNumber", r.seq)
	member("approximateCreationDateTime", r.created)
	if v1json.IsTTLDelete(rec.UserIdentity) {
		b = append(b, sep+`"ttl":true`...)
	}
	return append(b, '}'), nil
}

// part renders one part into the scratch and notes where it went.
func (r *renderer) part(into *span, fn func()) {
	start := len(r.buf)
	fn()
	*into = span{start, len(r.buf)}
	if start == len(r.buf) {
		*into = span{}
	}
}

func (r *renderer) streamRecord(sr *types.StreamRecord) {
	s := r.s
	s.Object(func(key []byte) {
		switch string(key) {
		case "ApproximateCreationDateTime":
			sr.ApproximateCreationDateTime = nil
			r.created = span{}
			if s.Null() {
				return
			}
			raw := s.Number()
			if s.Err() != nil {
				return
			}
			t, err := v1json.EpochTime(raw)
			if err != nil {
				s.Fail("ApproximateCreationDateTime: %v", err)
				return
			}
			sr.ApproximateCreationDateTime = &t
			r.part(&r.created, func() {
				var err error
				if r.buf, err = v1json.AppendTime(r.buf, t); err != nil {
					s.Fail("%v", err)
				}
			})
		case "Keys":
			sr.Keys = nil
			if s.Null() {
				r.keys = span{}
				return
			}
			sr.Keys = make(map[string]types.AttributeValue, 2)
			r.part(&r.keys, func() { r.item(sr.Keys) })
		case "NewImage":
			r.image(&r.newImg)
		case "OldImage":
			r.image(&r.oldImg)
		case "SequenceNumber":
			sr.SequenceNumber = optString(s)
			r.seq = span{}
			if sr.SequenceNumber != nil {
				r.part(&r.seq, func() { r.buf = v1json.AppendString(r.buf, *sr.SequenceNumber) })
			}
		case "SizeBytes":
			sr.SizeBytes = nil
			if !s.Null() {
				// Read as both SDKs read it: through a float, truncated.
				if f, err := strconv.ParseFloat(string(s.Number()), 64); err == nil {
					n := int64(f)
					sr.SizeBytes = &n
				}
			}
		case "StreamViewType":
			sr.StreamViewType = ""
			if v := optString(s); v != nil {
				sr.StreamViewType = types.StreamViewType(*v)
			}
		default:
			s.Skip()
		}
	})
}

func (r *renderer) image(into *span) {
	if r.s.Null() {
		*into = span{}
		return
	}
	r.part(into, func() { r.item(nil) })
}

func optString(s *v1json.Scanner) *string {
	if s.Null() {
		return nil
	}
	v := string(s.Str())
	return &v
}

// errNoType and friends are why a record is refused.
var (
	errNoType    = errors.New("attribute value with no type")
	errTwoTypes  = errors.New("attribute value with more than one type")
	errNotNumber = errors.New("a number (N) that is not a JSON number")
)

func (r *renderer) refuse(err error) {
	if r.err == nil {
		r.err = err
	}
}
