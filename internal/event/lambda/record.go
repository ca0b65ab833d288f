package lambda

import (
	"encoding/json"
	"strconv"
	"unicode/utf8"

	"github.com/aws/aws-sdk-go-v2/service/dynamodbstreams/types"

	"github.com/dynamodb-source/dynamodb-source/internal/event/v1json"
)

// DecodeGetRecords decodes a GetRecords answer and renders each record in
// Lambda's shape, without eventSourceARN (see WithSourceARN); the page, its
// light records and its refusals are as v1json.DecodeWith describes them.
func DecodeGetRecords(body []byte) (v1json.Page, error) {
	return v1json.DecodeWith(body, Render)
}

// record holds the wire text of the members of one record (slices of the
// answer, valid while its page is decoded).
type record struct {
	eventID, eventName, eventVersion, eventSource, awsRegion []byte
	identity                                                 *types.Identity
	hasDynamodb                                              bool
	created                                                  int64
	hasCreated                                               bool
	keys, newImage, oldImage, seq, view                      []byte
	size                                                     *int64
	// light: fill the light record (Render), or not (RenderForMatch).
	light bool
}

// Render is the v1json.RenderRecord of Lambda's shape.
func Render(s *v1json.Scanner, b []byte, rec *types.Record) ([]byte, error) {
	return render(s, b, rec, true)
}

// RenderForMatch renders Lambda's shape as Render does, for filter patterns
// only: the light record gets no more than an empty stream record, which
// spares decoding the key and the strings (the data shape being delivered
// fills its own light records).
func RenderForMatch(s *v1json.Scanner, b []byte, rec *types.Record) ([]byte, error) {
	return render(s, b, rec, false)
}

func render(s *v1json.Scanner, b []byte, rec *types.Record, light bool) ([]byte, error) {
	var r record
	r.light = light
	s.Object(func(key []byte) {
		switch string(key) {
		case "awsRegion":
			r.awsRegion = optRaw(s)
		case "dynamodb":
			if s.Null() {
				rec.Dynamodb = nil
				return
			}
			r.hasDynamodb = true
			rec.Dynamodb = &types.StreamRecord{}
			streamRecord(s, &r, rec.Dynamodb)
		case "eventID":
			r.eventID = optRaw(s)
			if light {
				rec.EventID = unquote(r.eventID)
			}
		case "eventName":
			r.eventName = optRaw(s)
			rec.EventName = ""
			if !light {
				return
			}
			if n := unquote(r.eventName); n != nil {
				rec.EventName = types.OperationType(*n)
			}
		case "eventSource":
			r.eventSource = optRaw(s)
		case "eventVersion":
			r.eventVersion = optRaw(s)
		case "userIdentity":
			r.identity = s.Identity()
			rec.UserIdentity = r.identity
		default:
			s.Skip()
		}
	})
	if s.Err() != nil || !r.hasDynamodb {
		return b, nil
	}
	return r.write(b), nil
}

func streamRecord(s *v1json.Scanner, r *record, sr *types.StreamRecord) {
	s.Object(func(key []byte) {
		switch string(key) {
		case "ApproximateCreationDateTime":
			r.hasCreated, sr.ApproximateCreationDateTime = false, nil
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
			r.created, r.hasCreated, sr.ApproximateCreationDateTime = t.Unix(), true, &t
		case "Keys":
			r.keys = optRaw(s)
			sr.Keys = nil
			if r.keys != nil && r.light {
				sr.Keys = v1json.Keys(r.keys)
			}
		case "NewImage":
			r.newImage = optRaw(s)
		case "OldImage":
			r.oldImage = optRaw(s)
		case "SequenceNumber":
			r.seq = optRaw(s)
			if r.light {
				sr.SequenceNumber = unquote(r.seq)
			}
		case "SizeBytes":
			r.size, sr.SizeBytes = nil, nil
			if s.Null() {
				return
			}
			raw := s.Number()
			if s.Err() != nil {
				return
			}
			// Read as both SDKs read it: through a float, truncated.
			f, err := strconv.ParseFloat(string(raw), 64)
			if err != nil {
				s.Fail("SizeBytes: %v", err)
				return
			}
			n := int64(f)
			r.size, sr.SizeBytes = &n, &n
		case "StreamViewType":
			r.view = optRaw(s)
			sr.StreamViewType = ""
			if v := unquote(r.view); v != nil {
				sr.StreamViewType = types.StreamViewType(*v)
			}
		default:
			s.Skip()
		}
	})
}

// optRaw reads a value and returns its wire text, nil for null.
func optRaw(s *v1json.Scanner) []byte {
	if s.Null() {
		return nil
	}
	return s.Raw()
}

// unquote decodes a JSON string's text, nil for nil or not a string.
func unquote(raw []byte) *string {
	if len(raw) < 2 || raw[0] != '"' {
		return nil
	}
	in := raw[1 : len(raw)-1]
	for _, c := range in {
		if c == '\\' || c >= utf8.RuneSelf {
			var v string
			if err := json.Unmarshal(raw, &v); err != nil {
				return nil
			}
			return &v
		}
	}
	v := string(in)
	return &v
}

// write writes the record in Lambda's order, leaving out what it lacks.
func (r *record) write(b []byte) []byte {
	w := writer{b: append(b, '{')}
	w.raw("eventID", r.eventID)
	w.raw("eventName", r.eventName)
	w.raw("eventVersion", r.eventVersion)
	w.raw("eventSource", r.eventSource)
	w.raw("awsRegion", r.awsRegion)
	if id := r.identity; id != nil {
		w.name("userIdentity")
		w.b = append(w.b, '{')
		sep := ""
		if id.PrincipalId != nil {
			w.b = append(w.b, `"principalId":`...)
			w.b = v1json.AppendString(w.b, *id.PrincipalId)
			sep = ","
		}
		if id.Type != nil {
			w.b = append(w.b, sep+`"type":`...)
			w.b = v1json.AppendString(w.b, *id.Type)
		}
		w.b = append(w.b, '}')
	}
	w.name("dynamodb")
	w.b, w.more = append(w.b, '{'), false
	if r.hasCreated {
		w.name("ApproximateCreationDateTime")
		w.b = strconv.AppendInt(w.b, r.created, 10)
	}
	w.raw("Keys", r.keys)
	w.raw("NewImage", r.newImage)
	w.raw("OldImage", r.oldImage)
	w.raw("SequenceNumber", r.seq)
	if r.size != nil {
		w.name("SizeBytes")
		w.b = strconv.AppendInt(w.b, *r.size, 10)
	}
	w.raw("StreamViewType", r.view)
	return append(w.b, "}}"...)
}

// writer writes an object's members, commas between them.
type writer struct {
	b    []byte
	more bool
}

func (w *writer) name(n string) {
	if w.more {
		w.b = append(w.b, ',')
	}
	w.more = true
	w.b = append(w.b, '"')
	w.b = append(w.b, n...)
	w.b = append(w.b, `":`...)
}

// raw writes a member whose value is wire text; none when it is nil.
func (w *writer) raw(n string, v []byte) {
	if v != nil {
		w.name(n)
		w.b = append(w.b, v...)
	}
}

// WithSourceARN returns data, rendered by DecodeGetRecords, with
// eventSourceARN set to the stream's ARN, as a new slice.
func WithSourceARN(data []byte, streamARN string) []byte {
	if len(data) < 2 {
		return data
	}
	out := make([]byte, 0, len(data)+len(streamARN)+24)
	out = append(out, data[:len(data)-1]...)
	out = append(out, `,"eventSourceARN":`...)
	out = v1json.AppendString(out, streamARN)
	return append(out, '}')
}
